// The Help page: crisis resources for the region the visitor picks. The server renders the
// resources for ?country= or the browser's Accept-Language, so they show without this script;
// the script applies the region chosen before (kept on this device), else the first region of
// the browser's languages Hearth has resources for, and swaps the list without a page load.

import { api, el } from "./dom.js";
import { renderResources } from "./resources-view.js";
import { getRegion, setRegion } from "./storage.js";

const form = document.getElementById("region-form");
const select = document.getElementById("region");
const slot = document.getElementById("resources-slot");
const supported = new Set([...select.options].map((option) => option.value));

function regionFromBrowser() {
  for (const tag of navigator.languages || [navigator.language]) {
    const parts = String(tag).split("-");
    for (const part of parts.slice(1)) {
      const code = part.toUpperCase();
      if (/^[A-Z]{2}$/.test(code) && supported.has(code === "UK" ? "GB" : code)) {
        return code === "UK" ? "GB" : code;
      }
    }
  }
  return null;
}

async function show(code) {
  const shown = slot.querySelector(".resources");
  if (shown && shown.dataset.country === code) return;
  try {
    const data = await api(`/api/resources/?country=${encodeURIComponent(code)}`);
    slot.replaceChildren(renderResources(data, { headingLevel: 2 }));
  } catch (error) {
    slot.append(el("p", { class: "form-error", role: "alert" }, error.message));
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  setRegion(select.value);
  show(select.value);
});

select.addEventListener("change", () => {
  setRegion(select.value);
  show(select.value);
});

const fromQuery = new URLSearchParams(location.search).get("country");
const initial = fromQuery ? null : getRegion() || regionFromBrowser();
if (initial && supported.has(initial) && initial !== select.value) {
  select.value = initial;
  show(initial);
}
