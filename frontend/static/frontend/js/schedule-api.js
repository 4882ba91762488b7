// The scheduling API (/api/v1/..., docs/scheduling.md), in one place: the Schedule page and the
// lobby call these functions, so a change of the API is a change of this file.
// Until the API is deployed every call resolves to "nothing scheduled".

import { api, ApiError, el } from "./dom.js";

export const SESSIONS_URL = "/api/v1/occurrences/";

/** Upcoming occurrences, soonest first, or [] when there are none or the API is missing. */
export async function loadUpcoming() {
  try {
    const data = await api(SESSIONS_URL);
    return Array.isArray(data) ? data : data.results || [];
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 0)) return [];
    throw error;
  }
}

export function sessionStart(session) {
  return new Date(session.start);
}

export function formatDay(date) {
  return date.toLocaleDateString([], { weekday: "long", day: "numeric", month: "long" });
}

export function formatTime(date) {
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** A one-line summary for the lobby. */
export function renderSessionSummary(session) {
  const start = sessionStart(session);
  return el(
    "li",
    { class: "session-summary" },
    el("strong", {}, session.title || "Group session"),
    ` · ${formatDay(start)}, ${formatTime(start)}`,
  );
}
