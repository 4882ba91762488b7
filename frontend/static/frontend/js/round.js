// Facilitated sessions on the room page (docs/protocol.md, "Facilitated sessions"): the segment,
// the talking order and whose turn it is, the pinned guidelines and prompt (room_state); a pass
// button for the turn holder; supportive reactions under each message (react, reactions); and
// the end of a session (session_ended). Text from the server goes into the page as text only.

import { announce, el } from "./dom.js";

export const REACTIONS = [
  ["hear_you", "I hear you"],
  ["same_here", "Same here"],
  ["strength", "Sending strength"],
  ["thank_you", "Thank you for sharing"],
];

const SEGMENT_TEXT = { open: "Open conversation", round: "Round", closing: "Closing round" };

function buildPanel() {
  const panel = el(
    "section",
    { class: "panel circle", id: "circle", "aria-labelledby": "circle-title", hidden: true },
    el("h2", { id: "circle-title", class: "small-heading" }, "Circle: ", el("span", { id: "circle-segment" })),
    el("p", { id: "circle-guidelines", class: "circle__guidelines", hidden: true }),
    el("p", { id: "circle-prompt", class: "circle__prompt", hidden: true }),
    el("p", { id: "circle-turn", class: "circle__turn", role: "status" }),
    el("ol", { id: "circle-order", class: "circle__order", "aria-label": "Talking order" }),
    el("button", { type: "button", class: "button", id: "circle-pass", hidden: true }, "Pass the turn"),
    el("p", { id: "circle-slow", class: "muted", hidden: true }),
  );
  return panel;
}

/** Show the circle of a facilitated room and wire its controls to ``socket`` (a RoomSocket). */
export function attachCircle(socket, { list, before }) {
  const panel = buildPanel();
  before.before(panel);
  const $ = (id) => panel.querySelector(`#${id}`);
  const counts = new Map(); // seq -> {reaction: count}
  let myAlias = null;
  let latest = -1;
  let lastTurn = null;

  $("circle-pass").addEventListener("click", () => socket.sendCircle({ type: "pass" }));

  socket.addEventListener("welcome", ({ detail }) => {
    myAlias = detail.alias;
    latest = -1; // a new connection: its first room_state is the current one
  });

  socket.addEventListener("room_state", ({ detail }) => {
    if (typeof detail.version !== "number" || detail.version < latest) return;
    latest = detail.version;
    render(detail);
  });

  socket.addEventListener("reactions", ({ detail }) => {
    counts.set(detail.seq, detail.counts || {});
    const node = list.querySelector(`.message[data-seq="${detail.seq}"]`);
    if (node) showCounts(node);
  });

  socket.addEventListener("session_ended", ({ detail }) => {
    panel.hidden = false;
    panel.replaceChildren(
      el("h2", { class: "small-heading" }, "This session has ended"),
      el("p", {}, detail.detail || ""),
      el("p", {}, el("a", { href: detail.resources_url || "/help/" }, "Crisis resources, open at any hour")),
    );
  });

  function render(state) {
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
    else if (state.turn) text = `It is ${state.turn}'s turn. You can react while you listen.`;
    if (state.turn !== lastTurn) announce($("circle-turn"), text);
    lastTurn = state.turn;
    $("circle-turn").dataset.turn = state.turn || "";
    $("circle-pass").hidden = !mine;
    const slow = Number(state.slow_mode) || 0;
    $("circle-slow").hidden = slow === 0;
    $("circle-slow").textContent = slow ? `Slow mode: one message every ${slow} seconds.` : "";
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
}
