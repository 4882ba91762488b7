// Quick exit, on every page: the "Quick exit" button, or Escape pressed twice within a second,
// clears what Hearth stored in this browser and replaces the page with a neutral site
// (location.replace, so Back does not return here).
//
// Hearth's own links also navigate with location.replace, so a whole visit takes one entry in
// the tab's history: after a quick exit, Back leads to whatever was open before Hearth.

import { clearAll } from "./storage.js";

const ESCAPE_WINDOW_MS = 1000;
const FALLBACK_URL = "https://www.bbc.co.uk/weather";

let lastEscape = 0;
let exiting = false;

export function exitUrl() {
  return document.body.dataset.exitUrl || FALLBACK_URL;
}

export function quickExit() {
  if (exiting) return;
  exiting = true;
  // Pages close their sockets and drop what they hold in memory.
  document.dispatchEvent(new CustomEvent("hearth:exit"));
  clearAll();
  // Blank the page at once: the neutral site may take a moment to load.
  document.title = "";
  document.body.replaceChildren();
  document.documentElement.classList.add("is-exiting");
  location.replace(exitUrl());
}

function onKeydown(event) {
  if (event.key !== "Escape" || event.repeat) return;
  const now = Date.now();
  if (now - lastEscape <= ESCAPE_WINDOW_MS) {
    event.preventDefault();
    quickExit();
    return;
  }
  lastEscape = now;
}

function isPlainClick(event) {
  return (
    event.button === 0 &&
    !event.defaultPrevented &&
    !event.metaKey &&
    !event.ctrlKey &&
    !event.shiftKey &&
    !event.altKey
  );
}

function onClick(event) {
  const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
  if (!link) return;
  if (link.id === "quick-exit") {
    event.preventDefault();
    quickExit();
    return;
  }
  if (!isPlainClick(event) || link.target || link.hasAttribute("download")) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin) return;
  event.preventDefault();
  if (url.pathname === location.pathname && url.search === location.search && url.hash) {
    // In-page links (the skip link) move focus without adding a history entry.
    const target = document.getElementById(decodeURIComponent(url.hash.slice(1)));
    if (target) {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus();
      target.scrollIntoView({ block: "start" });
    }
    return;
  }
  location.replace(url.href);
}

document.addEventListener("keydown", onKeydown, true);
document.addEventListener("click", onClick);
// A page restored from the back-forward cache after an exit shows nothing.
window.addEventListener("pageshow", (event) => {
  if (event.persisted && exiting) location.replace(exitUrl());
});
