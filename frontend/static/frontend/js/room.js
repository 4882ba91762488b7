// The room page: guidelines, the message list, the composer, the per-message and per-person
// menus, and what only this person sees (crisis resources, held messages, moderators' notices).
// The connection itself is room-socket.js; facilitated sessions are round.js (what everyone sees)
// and facilitate.js (the facilitator's tools). User text goes into the page as text only.

import { RoomSocket } from "./room-socket.js";
import { announce, clockTime, el } from "./dom.js";
import { renderResources } from "./resources-view.js";
import { attachFacilitator } from "./facilitate.js";
import { attachCircle } from "./round.js";
import * as storage from "./storage.js";

const $ = (id) => document.getElementById(id);
const main = $("main");
const slug = main.dataset.room;
const maxChars = Number(main.dataset.maxChars) || 2000;

const ui = {
  log: $("log"),
  list: $("messages"),
  empty: $("log-empty"),
  presence: $("presence"),
  connection: $("connection"),
  alert: $("room-alert"),
  guidelines: $("guidelines"),
  accept: $("accept-guidelines"),
  composer: $("composer"),
  body: $("composer-body"),
  counter: $("composer-counter"),
  error: $("composer-error"),
  send: $("composer-send"),
  privateBox: $("private"),
  blocked: $("blocked"),
  blockedNames: $("blocked-names"),
  template: $("message-template"),
};

const socket = new RoomSocket({
  slug,
  region: storage.getRegion(),
  since: storage.getRoomStart(slug),
});

let myAlias = null;
const pendingItems = new Map(); // client_id -> <li> shown as "Sending…"
const ackedItems = new Map(); // seq -> pending <li> acked before its message arrived
let replayUntil = 0;
let busyTimer = null;
let sessionEnded = false;
const errorTakers = []; // round.js and facilitate.js show the answers to their own frames

const CONNECTION_TEXT = {
  connecting: "Connecting…",
  open: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline. Reconnecting when you are back…",
  closed: "Disconnected",
  idle: "",
};

// --- guidelines -----------------------------------------------------------------------------

function showComposer() {
  ui.guidelines.hidden = true;
  ui.composer.hidden = false;
}

if (storage.guidelinesAccepted()) {
  showComposer();
}
// Enabled only now that the script runs: a click before it would have done nothing.
ui.accept.disabled = false;
ui.accept.addEventListener("click", () => {
  storage.acceptGuidelines();
  showComposer();
  ui.body.focus();
});

// --- the message list -----------------------------------------------------------------------

function countCodePoints(text) {
  return [...text].length;
}

function isNearBottom() {
  const doc = document.documentElement;
  return doc.scrollHeight - (window.scrollY + window.innerHeight) < 160;
}

function keepInView(node, wasNearBottom) {
  if (wasNearBottom) node.scrollIntoView({ block: "nearest" });
}

// A long evening in a busy room: keep the page light by letting the oldest messages go.
const MAX_SHOWN = 500;

/** Real messages go before the first pending one: pending sends stay at the bottom. */
function insertMessage(node) {
  const firstPending = ui.list.querySelector(".message--pending, .message--held");
  ui.list.insertBefore(node, firstPending);
  ui.empty.hidden = true;
  const shown = ui.list.querySelectorAll(".message[data-seq]");
  for (let i = 0; i < shown.length - MAX_SHOWN; i += 1) {
    if (!shown[i].contains(document.activeElement)) shown[i].remove();
  }
}

function messageNode() {
  return ui.template.content.firstElementChild.cloneNode(true);
}

function renderMessage(frame) {
  const wasNearBottom = isNearBottom();
  const node = messageNode();
  const mine = myAlias !== null && frame.alias === myAlias;
  node.dataset.seq = String(frame.seq);
  node.dataset.alias = frame.alias;
  const aliasButton = node.querySelector(".message__alias");
  const options = node.querySelector(".message__options");
  if (mine) {
    node.classList.add("message--mine");
    const name = el("span", { class: "message__alias" }, frame.alias);
    aliasButton.replaceWith(name);
    node.querySelector(".message__you").textContent = "(you)";
    options.remove();
  } else {
    aliasButton.textContent = frame.alias;
    aliasButton.setAttribute("aria-label", `${frame.alias}: options for this person`);
    options.querySelector(".visually-hidden").textContent =
      `Options for this message from ${frame.alias}`;
    aliasButton.addEventListener("click", () => toggleMenu(aliasButton, personMenu(node)));
    options.addEventListener("click", () => toggleMenu(options, messageMenu(node)));
    node.querySelector(".message__you").remove();
  }
  const time = node.querySelector(".message__time");
  time.dateTime = frame.sent_at || "";
  time.textContent = clockTime(frame.sent_at);
  node.querySelector(".message__body").textContent = frame.body;
  insertMessage(node);
  const waiting = ackedItems.get(frame.seq);
  if (waiting) {
    ackedItems.delete(frame.seq);
    waiting.remove();
  }
  keepInView(node, wasNearBottom);
  if (frame.seq >= replayUntil) setBusy(false);
}

function renderPending(clientId, body) {
  const node = messageNode();
  node.classList.add("message--mine", "message--pending");
  node.dataset.clientId = clientId;
  const head = node.querySelector(".message__head");
  head.replaceChildren(
    el("span", { class: "message__alias" }, myAlias || "You"),
    el("span", { class: "message__you" }, "(you)"),
    el("span", { class: "message__state" }, "Sending…"),
  );
  node.querySelector(".message__body").textContent = body;
  ui.list.append(node);
  ui.empty.hidden = true;
  pendingItems.set(clientId, node);
  node.scrollIntoView({ block: "nearest" });
}

function setBusy(busy) {
  clearTimeout(busyTimer);
  ui.log.setAttribute("aria-busy", busy ? "true" : "false");
}

// --- menus (simple disclosure menus of buttons) ----------------------------------------------

let openMenu = null; // {trigger, menu}

function closeMenu({ restoreFocus = false } = {}) {
  if (!openMenu) return;
  const { trigger, menu } = openMenu;
  openMenu = null;
  menu.remove();
  trigger.setAttribute("aria-expanded", "false");
  if (restoreFocus) trigger.focus();
}

let menuCounter = 0;

function toggleMenu(trigger, items) {
  if (openMenu && openMenu.trigger === trigger) {
    closeMenu({ restoreFocus: true });
    return;
  }
  closeMenu();
  menuCounter += 1;
  const menu = el("div", { class: "menu", id: `menu-${menuCounter}` });
  for (const item of items) {
    const button = el("button", { type: "button", class: "menu__item" }, item.label);
    button.addEventListener("click", () => {
      closeMenu();
      item.run();
    });
    menu.append(button);
  }
  menu.addEventListener("keydown", (event) => {
    const buttons = [...menu.querySelectorAll("button")];
    const index = buttons.indexOf(document.activeElement);
    if (event.key === "Escape") {
      event.stopPropagation();
      closeMenu({ restoreFocus: true });
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      buttons[(index + 1) % buttons.length].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      buttons[(index - 1 + buttons.length) % buttons.length].focus();
    }
  });
  trigger.setAttribute("aria-controls", menu.id);
  trigger.setAttribute("aria-expanded", "true");
  trigger.closest(".message__head").after(menu);
  openMenu = { trigger, menu };
  menu.querySelector("button").focus();
}

document.addEventListener("click", (event) => {
  if (!openMenu) return;
  const target = event.target;
  if (openMenu.menu.contains(target) || openMenu.trigger.contains(target)) return;
  closeMenu();
});
document.addEventListener("focusin", (event) => {
  if (!openMenu) return;
  if (openMenu.menu.contains(event.target) || openMenu.trigger.contains(event.target)) return;
  closeMenu();
});

function messageMenu(node) {
  return [{ label: "Report this message", run: () => showReportForm(node) }];
}

function personMenu(node) {
  const alias = node.dataset.alias;
  return [{ label: `Block ${alias}`, run: () => showBlockForm(node) }];
}

function removeInlineForms(node) {
  for (const form of node.querySelectorAll(".inline-panel")) form.remove();
}

function inlineButtons(primaryLabel) {
  const cancel = el("button", { type: "button", class: "button button--secondary" }, "Cancel");
  const primary = el("button", { type: "submit", class: "button" }, primaryLabel);
  return { row: el("div", { class: "inline-panel__row" }, primary, cancel), cancel };
}

function showReportForm(node) {
  removeInlineForms(node);
  const seq = Number(node.dataset.seq);
  const id = `report-reason-${seq}`;
  const reason = el("textarea", { id, rows: "2", maxlength: "500" });
  const { row, cancel } = inlineButtons("Send report");
  const form = el(
    "form",
    { class: "inline-panel report-form", "aria-label": "Report this message" },
    el("label", { for: id }, "What is wrong? (optional; only moderators read this)"),
    reason,
    row,
  );
  cancel.addEventListener("click", () => {
    form.remove();
    node.querySelector(".message__options")?.focus();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!socket.report(seq, reason.value.trim())) {
      showInlineNote(form, "Not connected right now. Please try again in a moment.");
      return;
    }
    const status = el("p", { class: "inline-panel note", tabindex: "-1" }, "Sending your report…");
    status.dataset.reportStatus = String(seq);
    form.replaceWith(status);
    status.focus();
  });
  node.append(form);
  reason.focus();
}

function showBlockForm(node) {
  removeInlineForms(node);
  const alias = node.dataset.alias;
  const seq = Number(node.dataset.seq); // the server blocks this message's author
  const { row, cancel } = inlineButtons(`Block ${alias}`);
  const form = el(
    "form",
    { class: "inline-panel block-form", "aria-label": `Block ${alias}`, "data-block-seq": seq },
    el(
      "p",
      {},
      `Block ${alias}? You will stop seeing their messages, here and in every other room. ` +
        "They will not be told.",
    ),
    row,
  );
  cancel.addEventListener("click", () => {
    form.remove();
    node.querySelector(".message__alias")?.focus();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!socket.block(seq)) {
      showInlineNote(form, "Not connected right now. Please try again in a moment.");
    }
  });
  node.append(form);
  form.querySelector("button[type=submit]").focus();
}

function showInlineNote(form, text) {
  let note = form.querySelector(".form-error");
  if (!note) {
    note = el("p", { class: "form-error", role: "alert" });
    form.append(note);
  }
  note.textContent = text;
}

// --- blocked people ---------------------------------------------------------------------------

function hideMessagesOf(alias) {
  for (const node of ui.list.querySelectorAll(".message")) {
    if (node.dataset.alias === alias && !node.classList.contains("message--mine")) node.remove();
  }
  ui.empty.hidden = ui.list.children.length > 0;
}

function addBlocked(alias, seq) {
  for (const item of ui.blockedNames.children) {
    if (item.dataset.alias === alias) return;
  }
  const unblock = el("button", { type: "button", class: "link-button" }, `Unblock ${alias}`);
  unblock.addEventListener("click", () => {
    // The message the block named, still in the room's history: it names the same person.
    if (!socket.unblock(seq)) status("Not connected right now. Please try again in a moment.");
  });
  const item = el("li", {}, el("span", {}, alias), " ", unblock);
  item.dataset.alias = alias;
  ui.blockedNames.append(item);
  ui.blocked.hidden = false;
}

function removeBlocked(alias) {
  for (const item of [...ui.blockedNames.children]) {
    if (item.dataset.alias === alias) item.remove();
  }
  ui.blocked.hidden = ui.blockedNames.children.length === 0;
}

// --- private panels: only this person sees them -------------------------------------------------

const statusLine = el("p", { class: "visually-hidden", role: "status" });
main.append(statusLine);

function status(text) {
  announce(statusLine, text);
}

function privatePanel(kind, title, ...content) {
  for (const old of ui.privateBox.querySelectorAll(`[data-kind="${kind}"]`)) old.remove();
  const close = el("button", { type: "button", class: "button button--secondary" }, "Close");
  const headingId = `private-${kind}-title`;
  const panel = el(
    "section",
    { class: `private-panel private-panel--${kind}`, "data-kind": kind, "aria-labelledby": headingId },
    el("h2", { class: "private-panel__title", id: headingId }, title),
    ...content,
    close,
  );
  close.addEventListener("click", () => {
    panel.remove();
    ui.body.focus();
  });
  ui.privateBox.append(panel);
  return panel;
}

function showResources(frame) {
  const danger = frame.reason === "crisis_danger";
  const intro = danger
    ? "If you are in danger now, please call your emergency number. You can also reach these services:"
    : "It sounds like things are really hard right now. You don't have to carry this alone. " +
      "These people are there to listen:";
  const panel = privatePanel(
    "resources",
    "Only you can see this",
    el("p", {}, intro),
    renderResources(frame, { headingLevel: 3 }),
    el(
      "p",
      { class: "muted" },
      "Your message was still shared with the room. ",
      el("a", { href: "/help/" }, "Choose your region on the Help page"),
      ".",
    ),
  );
  panel.scrollIntoView({ block: "nearest" });
}

function showNotice(frame) {
  const title = frame.kind === "muted" ? "Your messages are paused" : "A note from the moderators";
  privatePanel("notice", title, el("p", {}, frame.detail || ""));
}

function showHeld(frame) {
  const node = pendingItems.get(frame.client_id);
  pendingItems.delete(frame.client_id);
  const body = frame.body ?? (node ? node.querySelector(".message__body").textContent : "");
  const held = node || messageNode();
  held.classList.remove("message--pending");
  held.classList.add("message--mine", "message--held");
  delete held.dataset.clientId;
  const head = held.querySelector(".message__head");
  head.replaceChildren(
    el("span", { class: "message__alias" }, "Not shared"),
    el("span", { class: "message__state" }, "Only you can see this"),
  );
  held.querySelector(".message__body").textContent = body;
  const edit = el("button", { type: "button", class: "button" }, "Edit and resend");
  const discard = el("button", { type: "button", class: "button button--secondary" }, "Discard");
  const explanation = el(
    "div",
    { class: "held-note" },
    el("p", {}, frame.detail || "This message was held back."),
    el("div", { class: "inline-panel__row" }, edit, discard),
  );
  removeInlineForms(held);
  held.querySelector(".held-note")?.remove();
  held.append(explanation);
  edit.addEventListener("click", () => {
    held.remove();
    ui.body.value = body;
    updateCounter();
    ui.body.focus();
  });
  discard.addEventListener("click", () => {
    held.remove();
    ui.body.focus();
  });
  if (!held.isConnected) ui.list.append(held);
  status(`Your message was not shared. ${frame.detail || ""}`);
}

// --- the composer ----------------------------------------------------------------------------

function updateCounter() {
  const length = countCodePoints(ui.body.value.trim());
  ui.counter.textContent = `${length} / ${maxChars}`;
  ui.counter.classList.toggle("counter--over", length > maxChars);
  if (length > maxChars) ui.counter.textContent += ` (${length - maxChars} too many)`;
}

function showError(text) {
  ui.error.textContent = text;
}

ui.body.addEventListener("input", () => {
  updateCounter();
  if (ui.error.textContent) showError("");
});

ui.body.addEventListener("keydown", (event) => {
  const coarse = window.matchMedia("(pointer: coarse)").matches;
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !coarse) {
    event.preventDefault();
    ui.composer.requestSubmit();
  }
});

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const body = ui.body.value.trim();
  const length = countCodePoints(body);
  if (!body) {
    showError("That message is empty. Write something before sending.");
    return;
  }
  if (length > maxChars) {
    showError(`Messages can be up to ${maxChars} characters; this one has ${length}.`);
    return;
  }
  showError("");
  const clientId = socket.send(body);
  renderPending(clientId, body);
  ui.body.value = "";
  updateCounter();
  ui.body.focus();
});

updateCounter();

// --- the socket's events ------------------------------------------------------------------------

socket.addEventListener("state", ({ detail }) => {
  ui.connection.dataset.state = detail.state;
  ui.connection.textContent = CONNECTION_TEXT[detail.state] ?? "";
  main.dataset.connection = detail.state;
});

socket.addEventListener("welcome", ({ detail }) => {
  const before = socket.lastSeq;
  myAlias = detail.alias;
  if (storage.getRoomStart(slug) === null) storage.setRoomStart(slug, detail.last_seq);
  setPresence(detail.participants);
  replayUntil = detail.last_seq;
  if (before !== null && before < detail.last_seq) {
    setBusy(true);
    busyTimer = setTimeout(() => setBusy(false), 2000);
  } else {
    setBusy(false);
  }
  for (const node of pendingItems.values()) {
    node.querySelector(".message__alias").textContent = myAlias;
  }
  ui.alert.hidden = true;
});

socket.addEventListener("message", ({ detail }) => renderMessage(detail));

socket.addEventListener("ack", ({ detail }) => {
  const node = pendingItems.get(detail.client_id);
  pendingItems.delete(detail.client_id);
  if (!node) return;
  if (ui.list.querySelector(`.message[data-seq="${detail.seq}"]`)) {
    node.remove();
  } else {
    node.querySelector(".message__state").textContent = "Sent";
    ackedItems.set(detail.seq, node);
  }
});

socket.addEventListener("held", ({ detail }) => showHeld(detail));

socket.addEventListener("send-error", ({ detail }) => {
  const node = pendingItems.get(detail.client_id);
  pendingItems.delete(detail.client_id);
  if (node) node.remove();
  if (!ui.body.value.trim() && detail.body) {
    ui.body.value = detail.body;
    updateCounter();
  }
  showError(detail.detail || "That message could not be sent.");
});

socket.addEventListener("error", ({ detail }) => {
  if (errorTakers.some((takes) => takes(detail))) return;
  if ("seq" in detail) {
    const note = ui.list.querySelector(`[data-report-status="${detail.seq}"]`);
    if (note) note.textContent = detail.detail;
    const blockForm = ui.list.querySelector(`[data-block-seq="${detail.seq}"]`);
    if (blockForm) showInlineNote(blockForm, detail.detail);
  }
  status(detail.detail || "Something went wrong.");
});

function setPresence(count) {
  const n = Number(count) || 0;
  ui.presence.textContent = n === 1 ? "1 person here" : `${n} people here`;
  ui.presence.dataset.count = String(n);
}

socket.addEventListener("presence", ({ detail }) => setPresence(detail.participants));

socket.addEventListener("status", ({ detail }) => {
  if (detail.state === "degraded") {
    ui.alert.textContent = "Messages may arrive late right now. Nothing is lost.";
    ui.alert.hidden = false;
  } else {
    ui.alert.hidden = true;
  }
});

socket.addEventListener("resources", ({ detail }) => showResources(detail));

socket.addEventListener("report_ack", ({ detail }) => {
  const text = "Reported. Thank you. A moderator will look at it, and nobody will know it was you.";
  const note = ui.list.querySelector(`[data-report-status="${detail.seq}"]`);
  if (note) note.textContent = text;
  status(text);
});

socket.addEventListener("block_ack", ({ detail }) => {
  hideMessagesOf(detail.alias);
  addBlocked(detail.alias, detail.seq);
  status(`You blocked ${detail.alias}. You will not see their messages.`);
  ui.body.focus();
});

socket.addEventListener("unblock_ack", ({ detail }) => {
  removeBlocked(detail.alias);
  status(`You unblocked ${detail.alias}. Their new messages will show again.`);
});

socket.addEventListener("message_removed", ({ detail }) => {
  const node = ui.list.querySelector(`.message[data-seq="${detail.seq}"]`);
  if (node) {
    if (node.contains(document.activeElement)) ui.body.focus();
    node.remove();
  }
  ui.empty.hidden = ui.list.children.length > 0;
});

socket.addEventListener("notice", ({ detail }) => showNotice(detail));

socket.addEventListener("session_ended", () => {
  sessionEnded = true;
});

/** The path of ``url`` if it is a page of this site ("/schedule/"), else "". */
function sameSitePath(url) {
  if (typeof url !== "string" || !url) return "";
  try {
    const parsed = new URL(url, location.origin);
    return parsed.origin === location.origin ? parsed.pathname + parsed.search : "";
  } catch {
    return "";
  }
}

socket.addEventListener("fatal", ({ detail }) => {
  const why = sessionEnded
    ? "This session has ended."
    : detail.detail || "This room cannot be joined right now.";
  const links = [el("a", { href: "/" }, "Back to the rooms")];
  // A full group's frame points to the schedule, where an RSVP saves a place next time. Only a
  // page of this site is followed.
  const schedule = sameSitePath(detail.schedule_url);
  if (!sessionEnded && schedule) {
    links.unshift(el("a", { href: schedule }, "See the schedule"), document.createTextNode(" · "));
  }
  ui.alert.replaceChildren(document.createTextNode(`${why} `), ...links);
  ui.alert.hidden = false;
  ui.send.disabled = true;
  ui.body.disabled = true;
  setBusy(false);
});

document.addEventListener("hearth:exit", () => {
  socket.stop();
  ui.list.replaceChildren();
  ui.privateBox.replaceChildren();
  pendingItems.clear();
  ackedItems.clear();
});

window.addEventListener("pagehide", () => socket.stop());
// Restored from the back-forward cache with a stopped socket: load the page afresh.
window.addEventListener("pageshow", (event) => {
  if (event.persisted) location.reload();
});

// The circle first: its "session_ended" runs before the tools hide (focus moves to it).
const tools = $("facilitate");
const circle = attachCircle(socket, { list: ui.list, before: tools || ui.log, facilitator: Boolean(tools) });
errorTakers.push(circle.takeError);
if (tools) errorTakers.push(attachFacilitator(socket, tools).takeError);
socket.start();
