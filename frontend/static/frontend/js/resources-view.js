// Crisis resources as DOM: the same markup as templates/frontend/_resources.html, built from the
// JSON of GET /api/resources/ and of the room's "resources" frame. Text goes in as text only.

import { el } from "./dom.js";

/** tel: and sms: targets keep only what a dialler accepts: digits and a leading "+". */
function dialable(value) {
  const text = String(value || "").trim();
  const plus = text.startsWith("+") ? "+" : "";
  const digits = text.replace(/[^0-9]/g, "");
  return digits ? plus + digits : "";
}

/** Only https links from the data file are followed; anything else is left out. */
function safeHttps(url) {
  try {
    const parsed = new URL(String(url));
    return parsed.protocol === "https:" ? parsed.href : "";
  } catch {
    return "";
  }
}

function actionLink(href, text, hidden, secondary = false) {
  const link = el("a", { class: secondary ? "button button--secondary" : "button", href }, text);
  if (hidden) link.append(el("span", { class: "visually-hidden" }, hidden));
  if (secondary) link.rel = "noreferrer";
  return el("li", {}, link);
}

/**
 * @param {object} data  {country, country_name, emergency, note, resources: [...]}
 * @param {object} options  headingLevel: 2 on the Help page, 3 inside a room
 */
export function renderResources(data, { headingLevel = 2 } = {}) {
  const root = el("div", { class: "resources", "data-country": data.country || "" });
  root.append(
    el(`h${headingLevel}`, { class: "resources__title" }, `Help in ${data.country_name || "your region"}`),
  );
  const emergency = dialable(data.emergency);
  if (emergency) {
    root.append(
      el(
        "p",
        { class: "resources__emergency" },
        "In danger right now? ",
        el("a", { class: "button button--emergency", href: `tel:${emergency}` }, `Call ${data.emergency}`),
      ),
    );
  }
  if (data.note) root.append(el("p", { class: "resources__note" }, data.note));
  const list = el("ul", { class: "resource-list" });
  for (const r of data.resources || []) {
    const item = el("li", { class: "resource" });
    item.append(el(`h${headingLevel + 1}`, { class: "resource__name" }, r.name || ""));
    if (r.hours) item.append(el("p", { class: "resource__hours" }, r.hours));
    const actions = el("ul", { class: "resource__actions" });
    const phone = dialable(r.phone_dial);
    if (phone) actions.append(actionLink(`tel:${phone}`, `Call ${r.phone || phone}`));
    const sms = dialable(r.sms);
    if (sms) {
      const body = r.sms_body ? `?&body=${encodeURIComponent(r.sms_body)}` : "";
      const label = r.sms_body ? `Text ${r.sms_body} to ${r.sms}` : `Text ${r.sms}`;
      actions.append(actionLink(`sms:${sms}${body}`, label));
    }
    const chat = safeHttps(r.chat_url);
    if (chat) actions.append(actionLink(chat, "Chat online", ` with ${r.name}`, true));
    const site = safeHttps(r.url);
    if (site) actions.append(actionLink(site, "Website", ` of ${r.name}`, true));
    item.append(actions);
    if (r.note) item.append(el("p", { class: "resource__note" }, r.note));
    list.append(item);
  }
  root.append(list);
  return root;
}
