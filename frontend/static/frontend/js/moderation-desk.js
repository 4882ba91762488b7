// The moderators' desk: the live queue of open flags, one flag in its context, the actions, and
// the audit log. Data comes from the moderation API (/api/moderation/...); /ws/moderation/ pushes
// {"type": "flag", "flag": {...}} whenever a flag opens or changes, and the queue is also
// re-read every 30 s, so a lost push only delays. Message text goes in as text only.

import { announce, api, clockTime, el, timeAgo } from "./dom.js";

const $ = (id) => document.getElementById(id);
const ui = {
  live: $("desk-live"),
  status: $("desk-status"),
  queue: $("queue"),
  queueCount: $("queue-count"),
  queueEmpty: $("queue-empty"),
  flag: $("flag"),
  flagEmpty: $("flag-empty"),
  flagBody: $("flag-body"),
  flagTitle: $("flag-title"),
  summary: $("flag-summary"),
  labels: $("flag-labels"),
  reportsWrap: $("flag-reports-wrap"),
  reports: $("flag-reports"),
  context: $("flag-context"),
  form: $("flag-actions"),
  minutesWrap: $("minutes-wrap"),
  minutes: $("flag-minutes"),
  reason: $("flag-reason"),
  apply: $("flag-apply"),
  error: $("flag-error"),
  auditRows: $("audit-rows"),
  auditMore: $("audit-more"),
};

const KIND_TEXT = {
  crisis: "Crisis",
  held: "Held",
  report: "Reported",
  watched_word: "Watched word",
};
const ACTION_TEXT = {
  dismiss: "Dismissed",
  release: "Released",
  remove: "Removed",
  warn: "Warned",
  mute: "Muted",
  kick: "Asked to leave",
  ban: "Paused access",
};
const NEEDS_MINUTES = new Set(["mute", "ban"]);
const POLL_MS = 30000;

const flags = new Map(); // id -> flag (open ones)
let selectedId = null;
let auditNext = null;

// --- the queue ------------------------------------------------------------------------------------

function excerpt(text, length = 120) {
  const clean = String(text || "").replace(/\s+/g, " ").trim();
  return clean.length > length ? `${clean.slice(0, length - 1)}…` : clean;
}

function sortedFlags() {
  return [...flags.values()].sort(
    (a, b) => a.priority - b.priority || Date.parse(a.opened_at) - Date.parse(b.opened_at) || a.id - b.id,
  );
}

function queueItem(flag) {
  const kind = KIND_TEXT[flag.kind] || flag.kind;
  const message = flag.message;
  const button = el(
    "button",
    {
      type: "button",
      class: `queue__item queue__item--${flag.kind}`,
      "data-flag": flag.id,
      "aria-current": flag.id === selectedId ? "true" : "false",
    },
    el("span", { class: "queue__kind" }, kind),
    ` in ${flag.room_title || flag.room}`,
    el("span", { class: "queue__excerpt" }, message ? `${message.alias}: ${excerpt(message.body)}` : "(message gone)"),
    el(
      "span",
      { class: "queue__meta" },
      [timeAgo(flag.opened_at), flag.report_count ? `${flag.report_count} report${flag.report_count === 1 ? "" : "s"}` : ""]
        .filter(Boolean)
        .join(" · "),
    ),
  );
  button.addEventListener("click", () => select(flag.id));
  return el("li", {}, button);
}

function renderQueue() {
  const focusedId = document.activeElement?.dataset?.flag;
  const ordered = sortedFlags();
  ui.queue.replaceChildren(...ordered.map(queueItem));
  ui.queueCount.textContent = String(ordered.length);
  ui.queueEmpty.hidden = ordered.length > 0;
  if (focusedId) ui.queue.querySelector(`[data-flag="${focusedId}"]`)?.focus();
}

async function loadQueue() {
  try {
    const page = await api("/api/moderation/flags/?status=open&page_size=200");
    const results = Array.isArray(page) ? page : page.results || [];
    flags.clear();
    for (const flag of results) flags.set(flag.id, flag);
    renderQueue();
  } catch (error) {
    announce(ui.status, error.message);
  }
}

function upsert(flag) {
  const isNew = !flags.has(flag.id);
  if (flag.status === "open") flags.set(flag.id, flag);
  else flags.delete(flag.id);
  renderQueue();
  if (isNew && flag.status === "open") {
    announce(ui.status, `New in the queue: ${KIND_TEXT[flag.kind] || flag.kind} in ${flag.room_title || flag.room}.`);
  }
  if (flag.id === selectedId && flag.status !== "open") {
    showResolvedElsewhere(flag);
  }
}

// --- one flag -------------------------------------------------------------------------------------

function contextItem(message, flaggedId) {
  const flagged = message.id === flaggedId;
  const item = el(
    "li",
    { class: `message${flagged ? " message--flagged" : ""}` },
    el(
      "div",
      { class: "message__head" },
      el("span", { class: "message__alias" }, message.alias),
      el("time", { class: "message__time", datetime: message.sent_at }, clockTime(message.sent_at)),
      message.status !== "visible" ? el("span", { class: "message__state" }, `(${message.status})`) : null,
      flagged ? el("span", { class: "message__state" }, "flagged message") : null,
    ),
    el("p", { class: "message__body" }, message.body),
  );
  return item;
}

async function select(id) {
  selectedId = id;
  for (const button of ui.queue.querySelectorAll(".queue__item")) {
    button.setAttribute("aria-current", Number(button.dataset.flag) === id ? "true" : "false");
  }
  let flag;
  try {
    flag = await api(`/api/moderation/flags/${id}/`);
  } catch (error) {
    announce(ui.status, error.message);
    return;
  }
  if (selectedId !== id) return;
  showFlag(flag);
  ui.flag.focus();
}

function showFlag(flag) {
  ui.flagEmpty.hidden = true;
  ui.flagBody.hidden = false;
  ui.flagTitle.textContent = `${KIND_TEXT[flag.kind] || flag.kind} in ${flag.room_title || flag.room}`;
  const message = flag.message;
  ui.summary.textContent = message
    ? `${message.alias} wrote this ${timeAgo(message.sent_at)}${message.status !== "visible" ? ` (${message.status})` : ""}.`
    : "The message is gone; only dismiss applies.";
  ui.labels.replaceChildren(...(flag.labels || []).map((label) => el("li", {}, label.replace(/_/g, " "))));
  const reasons = flag.report_reasons || [];
  ui.reports.replaceChildren(...reasons.map((reason) => el("li", {}, reason)));
  ui.reportsWrap.hidden = reasons.length === 0;
  const context = flag.context_messages && flag.context_messages.length ? flag.context_messages : message ? [message] : [];
  ui.context.replaceChildren(...context.map((m) => contextItem(m, message ? message.id : null)));
  const held = message && message.status === "held";
  for (const label of ui.form.querySelectorAll("[data-held-only]")) label.hidden = !held;
  ui.form.reset();
  ui.form.querySelector("input[value=dismiss]").checked = true;
  updateMinutes();
  ui.error.textContent = "";
  ui.apply.disabled = flag.status !== "open";
}

function showResolvedElsewhere(flag) {
  ui.apply.disabled = true;
  ui.error.textContent = `This flag was resolved (${ACTION_TEXT[flag.resolution] || flag.resolution}).`;
}

function clearSelection() {
  selectedId = null;
  ui.flagBody.hidden = true;
  ui.flagEmpty.hidden = false;
  ui.flagTitle.textContent = "Flag";
}

function updateMinutes() {
  const action = new FormData(ui.form).get("action");
  ui.minutesWrap.hidden = !NEEDS_MINUTES.has(action);
}

ui.form.addEventListener("change", updateMinutes);

ui.form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (selectedId === null) return;
  const data = new FormData(ui.form);
  const action = data.get("action");
  const body = { action, reason: String(data.get("reason") || "").trim() };
  if (NEEDS_MINUTES.has(action)) {
    const minutes = Number(data.get("minutes"));
    if (!Number.isInteger(minutes) || minutes < 1) {
      ui.error.textContent = "Say for how many minutes (a whole number, 1 or more).";
      ui.minutes.focus();
      return;
    }
    body.minutes = minutes;
  }
  ui.apply.disabled = true;
  ui.error.textContent = "";
  const id = selectedId;
  try {
    const resolved = await api(`/api/moderation/flags/${id}/resolve/`, { method: "POST", body });
    flags.delete(id);
    renderQueue();
    clearSelection();
    announce(ui.status, `${ACTION_TEXT[resolved.resolution] || "Done"}. The flag is resolved.`);
    const next = ui.queue.querySelector(".queue__item");
    (next || ui.queueEmpty).focus?.();
    loadAudit({ reset: true });
  } catch (error) {
    ui.error.textContent = error.message;
    ui.apply.disabled = false;
    if (error.status === 409) loadQueue();
  }
});

// --- the audit log ----------------------------------------------------------------------------------

function auditRow(entry) {
  const when = new Date(entry.created_at);
  return el(
    "tr",
    {},
    el("td", {}, el("time", { datetime: entry.created_at }, Number.isNaN(when.getTime()) ? "" : when.toLocaleString())),
    el("td", {}, entry.moderator || ""),
    el("td", {}, ACTION_TEXT[entry.action] || entry.action),
    el("td", {}, entry.room || ""),
    el("td", {}, entry.target || ""),
    el("td", {}, entry.reason || ""),
  );
}

async function loadAudit({ reset = false } = {}) {
  const url = reset || !auditNext ? "/api/moderation/audit/" : auditNext;
  try {
    const page = await api(url);
    const results = Array.isArray(page) ? page : page.results || [];
    const rows = results.map(auditRow);
    if (reset || !auditNext) ui.auditRows.replaceChildren(...rows);
    else ui.auditRows.append(...rows);
    if (!ui.auditRows.children.length) {
      ui.auditRows.append(el("tr", {}, el("td", { colspan: "6" }, "No actions yet.")));
    }
    auditNext = page.next ? new URL(page.next, location.href).pathname + new URL(page.next, location.href).search : null;
    ui.auditMore.hidden = !auditNext;
  } catch (error) {
    announce(ui.status, error.message);
  }
}

ui.auditMore.addEventListener("click", () => loadAudit());

// --- live updates -----------------------------------------------------------------------------------

let liveSocket = null;
let liveAttempt = 0;
let stopped = false;

function setLive(state, text) {
  ui.live.dataset.state = state;
  ui.live.textContent = text;
}

function connectLive() {
  if (stopped) return;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${scheme}//${location.host}/ws/moderation/`);
  liveSocket = ws;
  ws.addEventListener("message", (event) => {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (frame.type === "ready") {
      liveAttempt = 0;
      setLive("open", "Live");
      loadQueue(); // anything that changed while we were away
    } else if (frame.type === "flag" && frame.flag) {
      upsert(frame.flag);
      if (frame.flag.status !== "open") loadAudit({ reset: true });
    }
  });
  ws.addEventListener("close", () => {
    if (ws !== liveSocket || stopped) return;
    setLive("reconnecting", "Reconnecting…");
    const delay = Math.min(10000, 500 * 2 ** liveAttempt) * (0.5 + Math.random() / 2);
    liveAttempt += 1;
    setTimeout(connectLive, delay);
  });
}

document.addEventListener("hearth:exit", () => {
  stopped = true;
  liveSocket?.close();
  flags.clear();
});

setInterval(() => {
  loadQueue();
  // Refresh the "3 min ago" texts.
}, POLL_MS);

loadQueue();
loadAudit({ reset: true });
connectLive();
