// Facilitated sessions on the room page (docs/protocol.md, "Facilitated sessions"): the segment,
// the talking order and whose turn it is, the pinned guidelines and prompt (room_state); a pass
// button for the turn holder; supportive reactions under each message (react, reactions); and
// the end of a session (session_ended). Changes to the segment, the pins, slow mode and the lock
// are announced (a polite status); a refused pass is shown in words under the button. The
// facilitator's controls are facilitate.js. Text from the server goes into the page as text only.

import { announce, el } from "./dom.js";

export const REACTIONS = [
  ["hear_you", "I hear you"],
  ["same_here", "Same here"],
  ["strength", "Sending strength"],
  ["thank_you", "Thank you for sharing"],
];

const SEGMENT_TEXT = { open: "Open conversation", round: "Round", closing: "Closing round" };
const ANSWER_WINDOW_MS = 10000;

/** 30 -> "30 seconds", 60 -> "1 minute", 120 -> "2 minutes". */
export function duration(seconds) {
  if (seconds % 60 === 0) return seconds === 60 ? "1 minute" : `${seconds / 60} minutes`;
  return seconds === 1 ? "1 second" : `${seconds} seconds`;
}

/** "one message every ..." */
function every(seconds) {
  return seconds === 60 ? "minute" : duration(seconds);
}

/** What changed between two states, in words, for the announcement ("" if nothing to say). */
function changes(before, after) {
  const said = [];
  if (after.segment !== before.segment) {
    if (after.segment === "round") said.push("A round has started.");
    else if (after.segment === "closing") said.push("The closing round has started.");
    else said.push("The round is over. Open conversation: anyone can write.");
  }
  if (after.guidelines !== before.guidelines) {
    said.push(after.guidelines ? "New guidelines are pinned." : "The guidelines were taken down.");
  }
  if (after.prompt !== before.prompt && after.prompt) said.push(`New prompt: ${after.prompt}`);
  const slow = Number(after.slow_mode) || 0;
  if (slow !== (Number(before.slow_mode) || 0)) {
    said.push(slow ? `Slow mode is on: one message every ${every(slow)}.` : "Slow mode is off.");
  }
  if (Boolean(after.locked) !== Boolean(before.locked)) {
    said.push(after.locked ? "The room is now closed to newcomers." : "The room is open to newcomers again.");
  }
  return said.join(" ");
}

function buildPanel() {
  const panel = el(
    "section",
    { class: "panel circle", id: "circle", "aria-labelledby": "circle-title", hidden: true },
    el(
      "h2",
      { id: "circle-title", class: "small-heading circle__title", tabindex: "-1" },
      "Circle: ",
      el("span", { id: "circle-segment" }),
    ),
    el("p", { id: "circle-guidelines", class: "circle__guidelines", hidden: true }),
    el("p", { id: "circle-prompt", class: "circle__prompt", hidden: true }),
    el("p", { id: "circle-turn", class: "circle__turn", role: "status" }),
    el("ol", { id: "circle-order", class: "circle__order", "aria-label": "Talking order" }),
    el("button", { type: "button", class: "button", id: "circle-pass", hidden: true }, "Pass the turn"),
    el("p", { id: "circle-pass-error", class: "form-error", role: "alert" }),
    el(
      "ul",
      { class: "circle__rules" },
      el("li", { id: "circle-slow", hidden: true }),
      el("li", { id: "circle-locked", hidden: true }, "Closed to newcomers: nobody new can join right now."),
    ),
    el("p", { id: "circle-news", class: "visually-hidden", role: "status" }),
  );
  return panel;
}

/**
 * Show the circle of a facilitated room and wire its controls to ``socket`` (a RoomSocket).
 * ``facilitator``: the page has the facilitator's tools (only the wording changes here).
 * Returns {takeError(frame)}: true if an error frame answered this person's pass (and is shown).
 */
export function attachCircle(socket, { list, before, facilitator = false }) {
  const panel = buildPanel();
  before.before(panel);
  const $ = (id) => panel.querySelector(`#${id}`);
  const counts = new Map(); // seq -> {reaction: count}
  let myAlias = null;
  let latest = -1;
  let lastTurn = null;
  let shown = null; // the state on the page, to announce what changes
  let passedAt = 0;

  $("circle-pass").addEventListener("click", () => {
    if (socket.sendCircle({ type: "pass" })) {
      passedAt = Date.now();
      $("circle-pass-error").textContent = "";
    } else {
      $("circle-pass-error").textContent = "Not connected right now. Please try again in a moment.";
    }
  });

  socket.addEventListener("welcome", ({ detail }) => {
    myAlias = detail.alias;
    latest = -1; // a new connection: its first room_state is the current one
    shown = null; // and is not news
  });

  socket.addEventListener("room_state", ({ detail }) => {
    if (typeof detail.version !== "number" || detail.version < latest) return;
    latest = detail.version;
    // The turn moved: the pass was taken, so no later error answers it.
    if (detail.turn !== lastTurn) passedAt = 0;
    render(detail);
  });

  socket.addEventListener("reactions", ({ detail }) => {
    counts.set(detail.seq, detail.counts || {});
    const node = list.querySelector(`.message[data-seq="${detail.seq}"]`);
    if (node) showCounts(node);
  });

  socket.addEventListener("session_ended", ({ detail }) => {
    panel.hidden = false;
    panel.dataset.segment = "ended";
    panel.replaceChildren(
      el("h2", { id: "circle-title", class: "small-heading circle__title", tabindex: "-1" }, "This session has ended"),
      el("p", {}, detail.detail || ""),
      el("p", {}, el("a", { href: detail.resources_url || "/help/" }, "Crisis resources, open at any hour")),
    );
  });

  function render(state) {
    if (shown !== null) {
      const news = changes(shown, state);
      if (news) announce($("circle-news"), news);
    }
    shown = state;
    panel.hidden = false;
    panel.dataset.segment = state.segment;
    $("circle-segment").textContent = SEGMENT_TEXT[state.segment] || state.segment;
    for (const [id, text, label] of [
      ["circle-guidelines", state.guidelines, "Guidelines: "],
      ["circle-prompt", state.prompt, "Prompt: "],
    ]) {
      const node = $(id);
      node.hidden = !text;
      node.replaceChildren(el("strong", {}, label), text || "");
    }
    const order = Array.isArray(state.order) ? state.order : [];
    $("circle-order").replaceChildren(
      ...order.map((alias, index) => {
        const item = el("li", { class: "circle__person" }, alias);
        if (index === state.turn_index) {
          item.setAttribute("aria-current", "true");
          item.classList.add("circle__person--turn");
        } else if (state.turn_index !== null && index < state.turn_index) {
          item.classList.add("circle__person--done");
          item.append(" (had a turn)");
        }
        if (alias === myAlias) item.append(" (you)");
        return item;
      }),
    );
    const mine = state.turn !== null && state.turn === myAlias;
    let text = "Open conversation: anyone can write.";
    if (mine) text = "It is your turn. Write when you are ready, then pass the turn.";
    else if (state.turn && facilitator) text = `It is ${state.turn}'s turn. You can write at any time.`;
    else if (state.turn) text = `It is ${state.turn}'s turn. You can react while you listen.`;
    if (state.turn !== lastTurn) announce($("circle-turn"), text);
    lastTurn = state.turn;
    $("circle-turn").dataset.turn = state.turn || "";
    if (!mine) $("circle-pass-error").textContent = "";
    $("circle-pass").hidden = !mine;
    const slow = Number(state.slow_mode) || 0;
    $("circle-slow").hidden = slow === 0;
    $("circle-slow").textContent = slow ? `Slow mode: one message every ${every(slow)}.` : "";
    $("circle-locked").hidden = state.locked !== true;
  }

  /** A refused pass (`not_your_turn`, ...) answers with an error that names no message. */
  function takeError(frame) {
    if ("client_id" in frame || "seq" in frame || "alias" in frame) return false;
    if (!passedAt || Date.now() - passedAt > ANSWER_WINDOW_MS) return false;
    passedAt = 0;
    $("circle-pass-error").textContent = frame.detail || "The turn could not be passed.";
    return true;
  }

  // --- reactions under each message -----------------------------------------------------------

  function addReactions(node) {
    if (!node.dataset.seq || node.querySelector(".reactions")) return;
    const seq = Number(node.dataset.seq);
    const bar = el("div", { class: "reactions", role: "group", "aria-label": "Reactions" });
    for (const [name, label] of REACTIONS) {
      const button = el("button", { type: "button", class: "link-button reaction", "data-reaction": name }, label);
      button.addEventListener("click", () => socket.sendCircle({ type: "react", seq, reaction: name }));
      bar.append(button);
    }
    node.append(bar);
    showCounts(node);
  }

  function showCounts(node) {
    const mine = counts.get(Number(node.dataset.seq)) || {};
    for (const button of node.querySelectorAll(".reaction")) {
      const label = REACTIONS.find(([name]) => name === button.dataset.reaction)[1];
      const n = mine[button.dataset.reaction] || 0;
      button.textContent = n ? `${label} · ${n}` : label;
    }
  }

  new MutationObserver((changes) => {
    for (const change of changes) {
      const nodes = change.type === "attributes" ? [change.target] : [...change.addedNodes];
      for (const node of nodes) {
        if (node.nodeType === Node.ELEMENT_NODE && node.matches(".message")) addReactions(node);
      }
    }
  }).observe(list, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-seq"] });

  return { takeError };
}
