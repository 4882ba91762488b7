// The facilitator's tools on the room page (docs/protocol.md, "Facilitated sessions"): pin the
// guidelines and the prompt, start a round (in order of arrival or at random), move to the next
// turn, a closing round or back to open conversation, slow mode, lock or unlock the room to
// newcomers, and end the session (after a confirmation). Each control sends one `facilitate`
// frame; what it changed comes back to everyone as `room_state` (round.js shows it), and a
// refusal (`forbidden`, `bad_frame`, `too_long`, ...) is shown in words under the control that
// sent it.
//
// The panel is in the page only when the server says this person may facilitate the room
// (frontend/views.py, the same check as the websocket's), and the server still refuses anyone
// else's commands: this module decides nothing about rights.

const NOT_CONNECTED = "Not connected right now. Please try again in a moment.";
// An error frame that names no message (no client_id, seq or alias) this soon after a command
// answers that command.
const ANSWER_WINDOW_MS = 10000;

/** Wire the server-rendered panel ``panel`` (#facilitate) to ``socket`` (a RoomSocket). */
export function attachFacilitator(socket, panel) {
  const $ = (id) => panel.querySelector(`#${id}`);
  const toggle = $("facilitate-toggle");
  const body = $("facilitate-body");
  const guidelines = $("facilitate-guidelines");
  const prompt = $("facilitate-prompt");
  const lock = $("facilitate-lock");
  const doorState = $("facilitate-door-state");
  const endButton = $("facilitate-end");
  const confirm = $("facilitate-end-confirm");
  let last = null; // {group, at}: the latest command, to show its refusal next to it
  let latest = -1;
  let ended = false;

  // --- showing and hiding the tools --------------------------------------------------------

  function setOpen(open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    body.hidden = !open;
  }
  toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
  setOpen(panel.dataset.open === "true");
  panel.hidden = false;

  // --- sending ------------------------------------------------------------------------------

  function groupOf(node) {
    return node.closest("[data-group]");
  }

  function clearErrors() {
    for (const node of panel.querySelectorAll("[data-error]")) node.textContent = "";
  }

  function showError(group, text) {
    const node = group.querySelector("[data-error]");
    node.textContent = text;
  }

  function command(origin, action, fields = {}) {
    if (ended) return;
    const group = groupOf(origin);
    clearErrors();
    if (!socket.sendCircle({ type: "facilitate", action, ...fields })) {
      showError(group, NOT_CONNECTED);
      last = null;
      return;
    }
    last = { group, at: Date.now() };
  }

  function order() {
    const chosen = panel.querySelector("input[name=facilitate-order]:checked");
    return chosen ? chosen.value : "random";
  }

  // Pinning: each form sends only its own text; an empty field takes the pin down.
  for (const [form, field, name] of [
    [$("facilitate-guidelines-form"), guidelines, "guidelines"],
    [$("facilitate-prompt-form"), prompt, "prompt"],
  ]) {
    field.addEventListener("input", () => {
      field.dataset.dirty = "true";
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      command(form, "pin", { [name]: field.value.trim() });
    });
  }

  for (const button of panel.querySelectorAll("[data-group=round] [data-action]")) {
    button.addEventListener("click", () => {
      const action = button.dataset.action;
      if (action === "next_turn") command(button, action);
      else if (action === "start_round") command(button, action, { order: order() });
      else command(button, action, { segment: button.dataset.segment, order: order() });
    });
  }

  for (const button of panel.querySelectorAll("[data-seconds]")) {
    button.addEventListener("click", () => {
      command(button, "slow_mode", { seconds: Number(button.dataset.seconds) });
    });
  }

  lock.addEventListener("click", () => command(lock, lock.dataset.action));

  // Ending closes the room for everyone: ask first, in place, and start on the question.
  function setConfirm(open) {
    confirm.hidden = !open;
    endButton.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) $("facilitate-end-question").focus();
    else endButton.focus();
  }
  endButton.addEventListener("click", () => setConfirm(confirm.hidden));
  $("facilitate-end-no").addEventListener("click", () => setConfirm(false));
  $("facilitate-end-yes").addEventListener("click", (event) => {
    command(event.currentTarget, "end_session");
  });
  confirm.addEventListener("keydown", (event) => {
    if (event.key === "Escape") setConfirm(false); // (quick exit still counts it: capture phase)
  });

  // --- what the room is now -----------------------------------------------------------------

  function syncField(field, value) {
    const text = typeof value === "string" ? value : "";
    if (field.value.trim() === text) {
      delete field.dataset.dirty; // what is pinned is what the field says
      return;
    }
    if (field.dataset.dirty || document.activeElement === field) return;
    field.value = text;
  }

  socket.addEventListener("welcome", () => {
    latest = -1;
  });

  socket.addEventListener("room_state", ({ detail }) => {
    if (typeof detail.version !== "number" || detail.version < latest) return;
    latest = detail.version;
    syncField(guidelines, detail.guidelines);
    syncField(prompt, detail.prompt);
    const slow = Number(detail.slow_mode) || 0;
    for (const button of panel.querySelectorAll("[data-seconds]")) {
      button.setAttribute("aria-pressed", Number(button.dataset.seconds) === slow ? "true" : "false");
    }
    const locked = detail.locked === true;
    lock.dataset.action = locked ? "unlock" : "lock";
    lock.textContent = locked ? "Unlock the room" : "Lock the room";
    doorState.textContent = locked
      ? "Locked: nobody new can join. People already here can come back."
      : "The room is open to newcomers.";
    doorState.classList.toggle("facilitate__state--locked", locked);
  });

  function stop() {
    ended = true;
    const hadFocus = panel.contains(document.activeElement);
    panel.hidden = true;
    // Not lost with the panel: to what the room says now (round.js: "This session has ended").
    if (hadFocus) document.getElementById("circle-title")?.focus();
  }
  socket.addEventListener("session_ended", stop);
  socket.addEventListener("fatal", stop);

  /** An error frame that answers a command: shown under its control. True if it was ours. */
  function takeError(frame) {
    const answersAMessage = "client_id" in frame || "seq" in frame || "alias" in frame;
    if (answersAMessage || ended) return false;
    if (frame.code !== "forbidden" && (!last || Date.now() - last.at > ANSWER_WINDOW_MS)) {
      return false;
    }
    const group = last ? last.group : panel.querySelector("[data-group]");
    last = null;
    setOpen(true);
    showError(group, frame.detail || "That did not work. Please try again.");
    return true;
  }

  return { takeError };
}
