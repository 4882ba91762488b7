// What Hearth keeps in the browser, all of it here, all of it cleared by quick exit.
//   localStorage  "hearth.region"      the region picked on the Help page ("GB")
//   localStorage  "hearth.guidelines"  "1" once the visitor accepted the guidelines
//   sessionStorage "hearth.since.<room>" the seq before the first message this tab saw in a
//                                        room, so a reload shows the same conversation again
//   localStorage  "hearth.rsvp.<session>.<key>"  the token of this browser's RSVP to one
//                                        occurrence (shown once by the API; needed to cancel)
// Storage can be unavailable (private modes, blocked cookies): every call degrades to nothing.

function read(store, key) {
  try {
    return store.getItem(key);
  } catch {
    return null;
  }
}

function write(store, key, value) {
  try {
    store.setItem(key, value);
  } catch {
    // not kept; the page still works
  }
}

const local = () => globalThis.localStorage;
const session = () => globalThis.sessionStorage;

export function getRegion() {
  const value = read(local(), "hearth.region");
  return value && /^[A-Za-z]{2,4}$/.test(value) ? value.toUpperCase() : null;
}

export function setRegion(code) {
  write(local(), "hearth.region", code);
}

export function guidelinesAccepted() {
  return read(local(), "hearth.guidelines") === "1";
}

export function acceptGuidelines() {
  write(local(), "hearth.guidelines", "1");
}

export function getRoomStart(slug) {
  const value = read(session(), `hearth.since.${slug}`);
  return value !== null && /^\d+$/.test(value) ? Number(value) : null;
}

export function setRoomStart(slug, seq) {
  write(session(), `hearth.since.${slug}`, String(seq));
}

const rsvpKey = (session, key) => `hearth.rsvp.${session}.${key}`;

export function getRsvpToken(session, key) {
  return read(local(), rsvpKey(session, key));
}

export function setRsvpToken(session, key, token) {
  write(local(), rsvpKey(session, key), token);
}

export function forgetRsvpToken(session, key) {
  try {
    local().removeItem(rsvpKey(session, key));
  } catch {
    // nothing kept
  }
}

export function clearAll() {
  for (const store of [local, session]) {
    try {
      store().clear();
    } catch {
      // nothing to clear
    }
  }
}
