// The lobby: keeps the rooms' participant counts live and lists the next group sessions.

import { api, el } from "./dom.js";
import { loadUpcoming, renderSessionSummary } from "./schedule-api.js";

const list = document.getElementById("room-list");
const REFRESH_MS = 15000;

function roomCard(room) {
  const card = el(
    "li",
    { class: "room-card", "data-slug": room.slug },
    el("h3", { class: "room-card__title" }, el("a", { href: `/rooms/${encodeURIComponent(room.slug)}/` }, room.title)),
  );
  if (room.description) card.append(el("p", { class: "room-card__description" }, room.description));
  card.append(el("p", { class: "room-card__count", "data-count": "0" }));
  return card;
}

function countText(count) {
  if (count === 0) return "No one here right now";
  return count === 1 ? "1 person here now" : `${count} people here now`;
}

function setCount(card, count) {
  const line = card.querySelector(".room-card__count");
  line.dataset.count = String(count);
  line.textContent = countText(count);
}

async function refreshRooms() {
  let rooms;
  try {
    rooms = await api(list.dataset.api);
  } catch {
    return; // keep what is shown; try again at the next refresh
  }
  // Session rooms are reached from the schedule, when their meeting is on.
  rooms = rooms.filter((room) => room.kind === "drop_in");
  const cards = new Map([...list.querySelectorAll(".room-card[data-slug]")].map((c) => [c.dataset.slug, c]));
  const wanted = rooms.map((room) => room.slug).join(" ");
  const shown = [...cards.keys()].join(" ");
  if (wanted !== shown) {
    // Rooms opened or closed: rebuild the list in the server's order, keeping focus if possible.
    const focused = document.activeElement?.closest?.(".room-card")?.dataset.slug;
    list.replaceChildren(...rooms.map((room) => cards.get(room.slug) || roomCard(room)));
    if (focused) list.querySelector(`.room-card[data-slug="${CSS.escape(focused)}"] a`)?.focus();
  }
  for (const room of rooms) {
    const card = list.querySelector(`.room-card[data-slug="${CSS.escape(room.slug)}"]`);
    if (card) setCount(card, room.participants);
  }
}

async function showUpcoming() {
  const box = document.getElementById("upcoming-sessions");
  const limit = Number(box.dataset.limit) || 3;
  const sessions = await loadUpcoming();
  if (!sessions || sessions.length === 0) return;
  const items = el("ul", { class: "session-list" });
  for (const session of sessions.slice(0, limit)) items.append(renderSessionSummary(session));
  box.replaceChildren(items);
}

setInterval(refreshRooms, REFRESH_MS);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") refreshRooms();
});
refreshRooms();
showUpcoming();
