// The Schedule page: upcoming group sessions by day in the visitor's own time zone, with RSVP,
// cancel, the waitlist state, a calendar file, and the room link once the room is open.

import { announce, el } from "./dom.js";
import * as schedule from "./schedule-api.js";

const box = document.getElementById("schedule");
const statusLine = document.getElementById("schedule-status");
const zoneNote = document.getElementById("timezone-note");

let occurrences = [];
const positions = new Map(); // "session/key" -> waitlist position, from lookups and RSVPs

const id = (o) => `${o.session}/${o.key}`;

function zoneName() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

function seatsText(o) {
  if (o.status === "cancelled") return "This meeting is cancelled.";
  if (o.seats_left > 0) {
    return `${o.seats_left} of ${o.capacity} place${o.capacity === 1 ? "" : "s"} left.`;
  }
  return o.waitlisted > 0 ? `Full. ${o.waitlisted} waiting for a place.` : "Full. The waitlist is open.";
}

function stateText(o) {
  if (o.rsvp === "confirmed") return "You have a place.";
  if (o.rsvp === "waitlisted") {
    const position = positions.get(id(o));
    return position
      ? `You are on the waitlist: number ${position}. You will get a place if one frees up.`
      : "You are on the waitlist. You will get a place if one frees up.";
  }
  return "";
}

function card(o) {
  const start = new Date(o.start);
  const end = new Date(o.end);
  const when = `${schedule.formatDay(start)}, ${schedule.formatTime(start)}`;
  const titleId = `session-${o.session}-${o.key}`;
  const item = el("li", {
    class: `session${o.status === "cancelled" ? " session--cancelled" : ""}`,
    "data-session": o.session,
    "data-key": o.key,
    "aria-labelledby": titleId,
  });
  item.append(
    el("h3", { id: titleId }, o.title || "Group session"),
    el(
      "p",
      { class: "session__time" },
      el("time", { datetime: o.start }, schedule.formatTime(start)),
      "–",
      el("time", { datetime: o.end }, schedule.formatTime(end)),
      o.moved ? " (new time)" : "",
    ),
  );
  if (o.facilitator && o.facilitator.name) {
    item.append(el("p", { class: "muted" }, `With ${o.facilitator.name}`));
  }
  item.append(el("p", { class: "session__seats" }, seatsText(o)));
  const state = stateText(o);
  if (state) {
    item.append(
      el(
        "p",
        { class: `session__state${o.rsvp === "waitlisted" ? " session__state--waitlist" : ""}` },
        state,
      ),
    );
  }
  const actions = el("div", { class: "session__actions" });
  const hidden = ` for ${o.title || "this session"}, ${when}`;
  if (o.status === "scheduled") {
    if (o.rsvp === "none") {
      const label = o.seats_left > 0 ? "Save me a place" : "Join the waitlist";
      actions.append(actionButton(label, hidden, () => take(o)));
    } else {
      const label = o.rsvp === "waitlisted" ? "Leave the waitlist" : "Cancel my place";
      actions.append(actionButton(label, hidden, () => giveUp(o), true));
    }
  }
  const room = schedule.roomPath(o);
  if (room && schedule.roomIsOpen(o)) {
    actions.append(el("a", { class: "button", href: room }, "Go to the room"));
  }
  actions.append(
    el(
      "a",
      { class: "button button--secondary", href: schedule.calendarUrl(o), download: "" },
      "Add to calendar (.ics)",
      el("span", { class: "visually-hidden" }, hidden),
    ),
  );
  item.append(actions);
  return item;
}

function actionButton(label, hidden, run, secondary = false) {
  const button = el(
    "button",
    { type: "button", class: secondary ? "button button--secondary" : "button" },
    label,
    el("span", { class: "visually-hidden" }, hidden),
  );
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await run();
    } catch (error) {
      button.disabled = false;
      announce(statusLine, error.message);
    }
  });
  return button;
}

function replaceCard(o) {
  const index = occurrences.findIndex((x) => id(x) === id(o));
  if (index >= 0) occurrences[index] = o;
  const old = box.querySelector(`.session[data-session="${CSS.escape(String(o.session))}"][data-key="${CSS.escape(o.key)}"]`);
  const fresh = card(o);
  if (old) old.replaceWith(fresh);
  fresh.querySelector(".session__actions .button")?.focus();
}

async function take(o) {
  const answer = await schedule.rsvp(o);
  const updated = { ...o, ...answer.occurrence, rsvp: answer.status };
  if (answer.status === "waitlisted") {
    positions.set(id(o), answer.waitlist_position);
    replaceCard(updated);
    announce(
      statusLine,
      `This session is full. You are number ${answer.waitlist_position} on the waitlist.`,
    );
  } else {
    replaceCard(updated);
    announce(statusLine, `You have a place at ${o.title}.`);
  }
}

async function giveUp(o) {
  const answer = await schedule.cancelRsvp(o);
  positions.delete(id(o));
  replaceCard({ ...o, ...answer.occurrence, rsvp: "none" });
  announce(statusLine, "Your place is cancelled. Thank you for letting others have it.");
}

function render() {
  if (occurrences.length === 0) {
    box.replaceChildren(el("p", { class: "muted" }, "No sessions scheduled right now."));
    return;
  }
  const days = new Map();
  for (const o of occurrences) {
    const key = schedule.localDayKey(new Date(o.start));
    if (!days.has(key)) days.set(key, []);
    days.get(key).push(o);
  }
  const sections = [];
  let n = 0;
  for (const list of days.values()) {
    n += 1;
    const headingId = `day-${n}`;
    sections.push(
      el(
        "section",
        { class: "schedule-day", "aria-labelledby": headingId },
        el("h2", { id: headingId }, schedule.formatDay(new Date(list[0].start))),
        el("ul", { class: "session-list" }, ...list.map(card)),
      ),
    );
  }
  box.replaceChildren(...sections);
}

async function lookUpWaitlist() {
  for (const o of occurrences.filter((x) => x.rsvp === "waitlisted")) {
    const found = await schedule.lookupRsvp(o).catch(() => null);
    if (!found) continue;
    if (found.waitlist_position) positions.set(id(o), found.waitlist_position);
    const current = occurrences.find((x) => id(x) === id(o));
    const fresh = { ...current, ...found.occurrence, rsvp: found.status === "cancelled" ? "none" : found.status };
    const old = box.querySelector(`.session[data-session="${CSS.escape(String(o.session))}"][data-key="${CSS.escape(o.key)}"]`);
    if (old) old.replaceWith(card(fresh));
  }
}

async function start() {
  const zone = zoneName();
  if (zone) zoneNote.textContent = `Times are shown in your time zone (${zone}).`;
  try {
    occurrences = await schedule.loadUpcoming();
  } catch (error) {
    announce(statusLine, error.message);
    return;
  }
  render();
  await lookUpWaitlist();
}

start();
