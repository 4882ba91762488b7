// The scheduling API (/api/v1/..., docs/scheduling.md), in one place: the Schedule page and the
// lobby call these functions, so a change of the API is a change of this file.
//
// An RSVP's token is shown once; it is kept in localStorage (storage.js) so that this browser
// can cancel or look up its place. Quick exit clears it; RSVPing again recovers a new token for
// the same place (the API answers 200 with a new token), which is how "cancel" still works then.
// The page calls the token a "sign-up code": it is what moves a sign-up to another browser
// (claim), after which the code there stops working and this browser keeps the new one.

import { api, ApiError, el } from "./dom.js";
import { forgetRsvpToken, getRsvpToken, setRsvpToken } from "./storage.js";

export const OCCURRENCES_URL = "/api/v1/occurrences/";
const ROOM_OPENS_MINUTES_BEFORE = 10;

/** Upcoming occurrences, soonest first (the next 30 days), or [] when the API is missing. */
export async function loadUpcoming({ pageSize = 100 } = {}) {
  try {
    const data = await api(`${OCCURRENCES_URL}?page_size=${pageSize}`);
    return Array.isArray(data) ? data : data.results || [];
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 0)) return [];
    throw error;
  }
}

function occurrencePath(occurrence) {
  return `/api/v1/sessions/${encodeURIComponent(occurrence.session)}/occurrences/${encodeURIComponent(occurrence.key)}/`;
}

/** Take a place (or a waitlist place); keeps the token. Returns the API's answer. */
export async function rsvp(occurrence) {
  const answer = await api(`${occurrencePath(occurrence)}rsvp/`, { method: "POST", body: {} });
  if (answer && answer.token) setRsvpToken(occurrence.session, occurrence.key, answer.token);
  return answer;
}

/** Give up this browser's place, recovering the token first if this browser lost it. */
export async function cancelRsvp(occurrence) {
  let token = getRsvpToken(occurrence.session, occurrence.key);
  if (!token) token = (await rsvp(occurrence)).token;
  const answer = await api("/api/v1/rsvps/cancel/", { method: "POST", body: { token } });
  forgetRsvpToken(occurrence.session, occurrence.key);
  return answer;
}

/** This browser's RSVP state ({status, waitlist_position, ...}), or null without a token. */
export async function lookupRsvp(occurrence) {
  const token = getRsvpToken(occurrence.session, occurrence.key);
  if (!token) return null;
  try {
    return await api("/api/v1/rsvps/lookup/", { method: "POST", body: { token } });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      forgetRsvpToken(occurrence.session, occurrence.key);
      return null;
    }
    throw error;
  }
}

/** The sign-up code of this browser's own place, recovered (a new one) if this browser lost it. */
export async function signUpCode(occurrence) {
  return getRsvpToken(occurrence.session, occurrence.key) || (await rsvp(occurrence)).token;
}

/** A sign-up code kept here for an occurrence this browser's identity does not hold, or null. */
export function keptCode(occurrence) {
  return getRsvpToken(occurrence.session, occurrence.key);
}

// What the page says when a claim is refused; other errors keep the API's own sentence.
const CLAIM_REFUSALS = {
  not_found:
    "That code was not found. Check it, or get a fresh one from the device you signed up on.",
  already_rsvped:
    "This browser already has its own sign-up for that session. Cancel one of the two first " +
    "(here, or on the other device), then try again.",
};

function claimRefusal(error) {
  if (!(error instanceof ApiError)) return error;
  // A malformed code (400) is, to a person, a code that was not found.
  const reason = error.status === 404 || error.status === 400 ? "not_found" : error.data?.code;
  const text = CLAIM_REFUSALS[reason];
  return text ? new ApiError(text, error.status, error.data) : error;
}

/**
 * Move a sign-up to this browser by its code (the API's claim); keeps the code it answers with.
 * Returns the API's answer ({status, waitlist_position, occurrence, moved, ...}).
 */
export async function claimRsvp(token) {
  let answer;
  try {
    answer = await api("/api/v1/rsvps/claim/", { method: "POST", body: { token } });
  } catch (error) {
    throw claimRefusal(error);
  }
  // A cancelled sign-up holds no place: keep whatever code this browser has for its own.
  if (answer.status !== "cancelled") {
    setRsvpToken(answer.occurrence.session, answer.occurrence.key, answer.token);
  }
  return answer;
}

export function calendarUrl(occurrence) {
  return `/api/v1/sessions/${encodeURIComponent(occurrence.session)}.ics`;
}

export function roomIsOpen(occurrence, now = Date.now()) {
  if (occurrence.status !== "scheduled") return false;
  const start = Date.parse(occurrence.start);
  const end = Date.parse(occurrence.end);
  return now >= start - ROOM_OPENS_MINUTES_BEFORE * 60_000 && now < end;
}

export function roomPath(occurrence) {
  return occurrence.room && occurrence.room.slug
    ? `/rooms/${encodeURIComponent(occurrence.room.slug)}/`
    : null;
}

/** Dates and times in the visitor's own zone and language. */
export function formatDay(date) {
  return date.toLocaleDateString([], { weekday: "long", day: "numeric", month: "long" });
}

export function formatTime(date) {
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function localDayKey(date) {
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}

/** A one-line summary for the lobby. */
export function renderSessionSummary(occurrence) {
  const start = new Date(occurrence.start);
  return el(
    "li",
    { class: "session-summary" },
    el("strong", {}, occurrence.title || "Group session"),
    ` · ${formatDay(start)}, ${formatTime(start)}`,
    occurrence.status === "cancelled" ? " (cancelled)" : "",
  );
}
