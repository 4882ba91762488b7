// The Schedule page: upcoming group sessions by day in the visitor's own time zone, with RSVP,
// cancel, the waitlist state, a calendar file, and the room link once the room is open.
//
// A sign-up belongs to the browser it was made in (its session cookie), and only there does the
// room keep its seat. So the page offers to move one here: a sign-up this browser still has the
// code of but no longer holds (cookies cleared), or one from another device, by the code that
// device shows ("Use this sign-up on another device").

import { announce, el } from "./dom.js";
import * as schedule from "./schedule-api.js";

const box = document.getElementById("schedule");
const statusLine = document.getElementById("schedule-status");
const zoneNote = document.getElementById("timezone-note");
const claimForm = document.getElementById("claim-form");
const claimCode = document.getElementById("claim-code");
const claimError = document.getElementById("claim-error");
const claimResult = document.getElementById("claim-result");

let occurrences = [];
const positions = new Map(); // "session/key" -> waitlist position, from lookups and RSVPs
// "session/key" -> status of a sign-up whose code this browser keeps but does not hold
const elsewhere = new Map();

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
  if (o.rsvp === "none" && elsewhere.has(id(o))) {
    return "You signed up for this in an earlier visit, so the room will not know you here yet.";
  }
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
    if (o.rsvp === "none" && elsewhere.has(id(o))) {
      const code = schedule.keptCode(o);
      const run = async () => announce(statusLine, await useHere(code));
      actions.append(actionButton("Use my sign-up in this browser", hidden, run));
    } else if (o.rsvp === "none") {
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
  if (o.rsvp !== "none") item.append(codeToggle(o, hidden));
  return item;
}

/** "Use on another device": shows this browser's sign-up code, to enter on the other device. */
function codeToggle(o, hidden) {
  const panelId = `code-${o.session}-${o.key}`;
  const button = el(
    "button",
    { type: "button", class: "link-button", "aria-expanded": "false", "aria-controls": panelId },
    "Use this sign-up on another device",
    el("span", { class: "visually-hidden" }, hidden),
  );
  const panel = el("div", { id: panelId, class: "session__code", hidden: true });
  button.addEventListener("click", async () => {
    const open = button.getAttribute("aria-expanded") === "true";
    button.setAttribute("aria-expanded", String(!open));
    if (open) {
      panel.hidden = true;
      return;
    }
    try {
      panel.replaceChildren(...codePanel(await schedule.signUpCode(o), panelId));
    } catch (error) {
      panel.replaceChildren(el("p", { class: "form-error", role: "alert" }, error.message));
    }
    panel.hidden = false;
  });
  return el("div", { class: "session__more" }, button, panel);
}

function codePanel(code, panelId) {
  const inputId = `${panelId}-input`;
  const input = el("input", {
    type: "text",
    id: inputId,
    class: "code-input",
    value: code,
    readonly: true,
    autocomplete: "off",
    spellcheck: "false",
  });
  input.addEventListener("focus", () => input.select());
  return [
    el("label", { for: inputId }, "Your sign-up code"),
    input,
    el(
      "p",
      { class: "muted" },
      'On the other device, open Sessions and enter this code under "Signed up on another ' +
        'device?". The sign-up then moves there, and this code stops working. Anyone with the ' +
        "code can cancel or take your place, so share it with no one.",
    ),
  ];
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

function replaceCard(o, { focus = true } = {}) {
  const index = occurrences.findIndex((x) => id(x) === id(o));
  if (index >= 0) occurrences[index] = o;
  const old = box.querySelector(`.session[data-session="${CSS.escape(String(o.session))}"][data-key="${CSS.escape(o.key)}"]`);
  const fresh = card(o);
  if (old) old.replaceWith(fresh);
  if (focus) fresh.querySelector(".session__actions .button")?.focus();
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

function claimedText(answer) {
  const title = answer.occurrence.title || "this session";
  if (answer.status === "cancelled") {
    return `That sign-up for ${title} was cancelled, so it holds no place. You can sign up again.`;
  }
  const where = answer.moved
    ? "Your sign-up now belongs to this browser"
    : "This sign-up already belongs to this browser";
  return answer.status === "waitlisted"
    ? `${where}: you are number ${answer.waitlist_position} on the waitlist for ${title}.`
    : `${where}: you have a place at ${title}.`;
}

/**
 * Move a sign-up to this browser by its code; its card then shows it as this browser's.
 * Returns the sentence that says what happened.
 */
async function useHere(code, { focus = true } = {}) {
  const answer = await schedule.claimRsvp(code);
  const key = id(answer.occurrence);
  const current = occurrences.find((x) => id(x) === key);
  if (answer.status !== "cancelled") {
    elsewhere.delete(key);
    if (answer.waitlist_position) positions.set(key, answer.waitlist_position);
    if (current) replaceCard({ ...current, ...answer.occurrence, rsvp: answer.status }, { focus });
  }
  return claimedText(answer);
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

/**
 * Look up the sign-ups this browser keeps a code for: a waitlisted one's place, and those its
 * identity does not hold (made before cookies were cleared), which it can then use here.
 */
async function lookUpKeptSignUps() {
  const notHeld = (x) => x.rsvp === "none" && x.status === "scheduled" && schedule.keptCode(x);
  const kept = (x) => x.rsvp === "waitlisted" || notHeld(x);
  for (const o of occurrences.filter(kept)) {
    const found = await schedule.lookupRsvp(o).catch(() => null);
    if (!found) continue;
    if (found.waitlist_position) positions.set(id(o), found.waitlist_position);
    const current = occurrences.find((x) => id(x) === id(o));
    let rsvp = found.status === "cancelled" ? "none" : found.status;
    if (o.rsvp === "none") {
      // The lookup speaks for the identity that holds the sign-up, not for this browser.
      if (rsvp === "none") continue;
      elsewhere.set(id(o), found.status);
      rsvp = "none";
    }
    const fresh = { ...current, ...found.occurrence, rsvp };
    const old = box.querySelector(`.session[data-session="${CSS.escape(String(o.session))}"][data-key="${CSS.escape(o.key)}"]`);
    if (old) old.replaceWith(card(fresh));
  }
}

claimForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const code = claimCode.value.trim();
  claimError.textContent = "";
  claimResult.textContent = "";
  if (!code) {
    claimError.textContent = "Enter the sign-up code from the other device.";
    claimCode.focus();
    return;
  }
  const button = claimForm.querySelector("button");
  button.disabled = true;
  try {
    // Focus stays in the form, where the sentence is: on a phone the card may be far away.
    announce(claimResult, await useHere(code, { focus: false }));
    claimCode.value = "";
  } catch (error) {
    claimError.textContent = error.message;
    claimCode.focus();
  } finally {
    button.disabled = false;
  }
});

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
  await lookUpKeptSignUps();
}

start();
