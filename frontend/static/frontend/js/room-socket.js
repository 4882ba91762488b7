// The room protocol client (docs/protocol.md): one websocket to /ws/rooms/<slug>/, kept alive.
//
// What it guarantees to the page:
// * every message is emitted once and in seq order: a message whose seq is not above the last
//   one emitted is dropped, and a reconnect asks for `?since=<last seq emitted>`;
// * a send is never lost: it waits in the outbox until the server answers it (ack, held or an
//   error naming its client_id) and is sent again, with the same client_id, after a reconnect
//   (the server answers a repeated client_id with the original ack and stores nothing twice);
// * a dropped connection is retried with exponential backoff and jitter, at once when the
//   browser says it is back online, and a silent one (no frame for a while after a ping) is
//   treated as dropped.
//
// It touches no DOM: the page listens to its events. Event names are the server frame types
// ("welcome", "message", "presence", "held", "resources", ...) plus:
//   "state"      detail: {state: "connecting" | "open" | "reconnecting" | "offline" | "closed"}
//   "send-error" detail: the error frame plus {body} of the refused send
//   "fatal"      detail: the error frame (or {code, detail}) that ended the connection for good

const FATAL_CODES = new Set(["not_found", "room_closed", "room_full", "kicked", "banned", "room_locked"]);
const FATAL_CLOSE_CODES = new Set([4400, 4403, 4404, 4410, 4423, 4429]);
const PING_EVERY_MS = 15000;
const SILENCE_LIMIT_MS = 25000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 10000;

export function newClientId() {
  if (globalThis.crypto && typeof crypto.randomUUID === "function") {
    return crypto.randomUUID();
  }
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class RoomSocket extends EventTarget {
  /**
   * @param {object} options
   * @param {string} options.slug      the room
   * @param {string|null} options.region  two-letter region for crisis resources, or null
   * @param {number|null} options.since   resume after this seq (null: start at the present)
   */
  constructor({ slug, region = null, since = null }) {
    super();
    this.slug = slug;
    this.region = region;
    this.lastSeq = since;
    this.alias = null;
    this.state = "idle";
    this.pending = new Map(); // client_id -> {clientId, body}, in send order
    this.ws = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.lastFrameAt = 0;
    this.stopped = false;
    this.fatal = null;
    this._onOnline = () => this._reconnectNow();
    this._onOffline = () => this._drop("offline");
    this._onVisible = () => {
      if (document.visibilityState === "visible") this._reconnectNow();
    };
  }

  start() {
    window.addEventListener("online", this._onOnline);
    window.addEventListener("offline", this._onOffline);
    document.addEventListener("visibilitychange", this._onVisible);
    this._connect();
  }

  /** Close for good and forget everything (quick exit, leaving the page). */
  stop() {
    this.stopped = true;
    window.removeEventListener("online", this._onOnline);
    window.removeEventListener("offline", this._onOffline);
    document.removeEventListener("visibilitychange", this._onVisible);
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this.pending.clear();
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000);
    this._setState("closed");
  }

  /** Queue a message; returns its client_id. Sent now if connected, else after reconnecting. */
  send(body) {
    const clientId = newClientId();
    this.pending.set(clientId, { clientId, body });
    this._write({ type: "send", body, client_id: clientId });
    return clientId;
  }

  report(seq, reason) {
    return this._write({ type: "report", seq, reason });
  }

  /** Block the author of message `seq` (names can be shared between rooms; a seq is exact). */
  block(seq) {
    return this._write({ type: "block", seq });
  }

  unblock(seq) {
    return this._write({ type: "unblock", seq });
  }

  /** A frame of facilitated sessions ({type: "react" | "pass" | "facilitate", ...}): round.js. */
  sendCircle(frame) {
    return this._write(frame);
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN && this.alias !== null;
  }

  // --- connection ---------------------------------------------------------------------------

  _url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const params = new URLSearchParams();
    if (this.lastSeq !== null) params.set("since", String(this.lastSeq));
    if (this.region) params.set("region", this.region);
    const query = params.toString();
    return `${scheme}//${location.host}/ws/rooms/${encodeURIComponent(this.slug)}/${query ? `?${query}` : ""}`;
  }

  _connect() {
    if (this.stopped || this.fatal) return;
    clearTimeout(this.retryTimer);
    this.alias = null;
    this._setState(this.attempt === 0 && this.lastSeq === null ? "connecting" : "reconnecting");
    let ws;
    try {
      ws = new WebSocket(this._url());
    } catch {
      this._scheduleRetry();
      return;
    }
    this.ws = ws;
    this.lastFrameAt = Date.now();
    ws.addEventListener("message", (event) => {
      if (ws !== this.ws) return; // a socket we gave up on
      this.lastFrameAt = Date.now();
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame && typeof frame.type === "string") this._handle(frame);
    });
    ws.addEventListener("close", (event) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.alias = null;
      clearInterval(this.pingTimer);
      if (this.stopped) return;
      if (this.fatal || FATAL_CLOSE_CODES.has(event.code)) {
        this._endForGood(this.fatal || { code: "closed", detail: "" });
        return;
      }
      this._scheduleRetry();
    });
  }

  /** Give up on the current socket (dead or offline) and reconnect, or wait to be online. */
  _drop(reason) {
    if (this.stopped || this.fatal) return;
    const ws = this.ws;
    this.ws = null;
    this.alias = null;
    clearInterval(this.pingTimer);
    if (ws) {
      try {
        ws.close(1000);
      } catch {
        // already closing
      }
    }
    if (reason === "offline" || navigator.onLine === false) {
      this._setState("offline");
      // The "online" event reconnects at once; retry slowly anyway in case it never comes.
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this._connect(), BACKOFF_MAX_MS);
      return;
    }
    this._scheduleRetry();
  }

  _scheduleRetry() {
    if (this.stopped || this.fatal) return;
    clearTimeout(this.retryTimer);
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt += 1;
    this._setState(navigator.onLine === false ? "offline" : "reconnecting");
    this.retryTimer = setTimeout(() => this._connect(), delay);
  }

  _reconnectNow() {
    if (this.stopped || this.fatal || this.ws !== null) return;
    this.attempt = 0;
    this._connect();
  }

  _startHeartbeat() {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastFrameAt > SILENCE_LIMIT_MS) {
        this._drop("silent");
        return;
      }
      this._write({ type: "ping" });
    }, PING_EVERY_MS);
  }

  _write(frame) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  _endForGood(frame) {
    this.fatal = frame;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this._setState("closed");
    this._emit("fatal", frame);
  }

  _setState(state) {
    if (state === this.state) return;
    this.state = state;
    this._emit("state", { state });
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // --- frames -------------------------------------------------------------------------------

  _handle(frame) {
    switch (frame.type) {
      case "welcome":
        this._welcome(frame);
        break;
      case "message":
        if (typeof frame.seq !== "number") return;
        if (this.lastSeq !== null && frame.seq <= this.lastSeq) return; // seen already
        this.lastSeq = frame.seq;
        this._emit("message", frame);
        break;
      case "ack":
      case "held": {
        const sent = this.pending.get(frame.client_id);
        this.pending.delete(frame.client_id);
        this._emit(frame.type, { ...frame, body: sent ? sent.body : null });
        break;
      }
      case "error":
        this._error(frame);
        break;
      case "pong":
        break;
      default:
        // presence, status, resources, report_ack, block_ack, unblock_ack, message_removed,
        // notice, and anything newer: the page decides.
        this._emit(frame.type, frame);
    }
  }

  _welcome(frame) {
    this.alias = typeof frame.alias === "string" ? frame.alias : "";
    this.attempt = 0;
    const roomLast = Number(frame.last_seq) || 0;
    if (this.lastSeq === null || roomLast < this.lastSeq) {
      // A first visit starts at the present; a room that was reset starts again from its seq.
      this.lastSeq = roomLast;
    }
    this._setState("open");
    this._startHeartbeat();
    this._emit("welcome", frame);
    // Sends the server has not answered go again, with their own client_id: idempotent.
    for (const { clientId, body } of this.pending.values()) {
      this._write({ type: "send", body, client_id: clientId });
    }
  }

  _error(frame) {
    if (frame.client_id && this.pending.has(frame.client_id)) {
      const sent = this.pending.get(frame.client_id);
      this.pending.delete(frame.client_id);
      this._emit("send-error", { ...frame, body: sent.body });
      return;
    }
    const answersAFrame = "seq" in frame || "alias" in frame; // a report's or a block's error
    if (!answersAFrame && FATAL_CODES.has(frame.code)) {
      // The server closes the socket next; remember why, so the close does not retry.
      this.fatal = frame;
      return;
    }
    this._emit("error", frame);
  }
}
