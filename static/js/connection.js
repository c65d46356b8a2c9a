// The page's one websocket: connects, reconnects with backoff after the server goes away,
// and hands each message to the listeners registered with on().

import { backoffDelay, command, parseBinary, parseText, websocketUrl } from "./protocol.js";

/** Connection states shown by the indicator. */
export const Status = Object.freeze({
  CONNECTING: "connecting",
  CONNECTED: "connected",
  RECONNECTING: "reconnecting",
});

export class Connection {
  /**
   * `location` is window.location (the server's host), `token` the access token or "".
   * Call start() once the listeners are registered; hello arrives after every (re)connect,
   * so listeners rebuild the page from it rather than from what they remember.
   */
  constructor(location, token) {
    this.url = websocketUrl(location, token);
    this.socket = null;
    this.attempt = 0;
    this.status = Status.CONNECTING;
    this.listeners = new Map(); // type -> [fn]; "binary" and "status" are the page's own
    this.nextId = 1;
    this.retryTimer = null;
  }

  /** Registers fn for a message type ("hello", "state", ...), "binary" or "status". */
  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(fn);
  }

  start() {
    this.open();
  }

  /** True while the socket is open: sends are dropped otherwise (state comes back in hello). */
  get connected() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  /** Bytes queued in the socket but not yet sent; 0 when nothing is in flight. */
  get bufferedAmount() {
    return this.socket ? this.socket.bufferedAmount : 0;
  }

  /** Sends a command; returns its id (echoed in ack/error) or null if not connected. */
  send(type, fields = {}) {
    if (!this.connected) return null;
    const id = this.nextId++;
    this.socket.send(command(type, { ...fields, id }));
    return id;
  }

  /** Sends a binary message (ArrayBuffer); returns false if not connected. */
  sendBinary(buffer) {
    if (!this.connected) return false;
    this.socket.send(buffer);
    return true;
  }

  open() {
    // After a drop the indicator stays on "reconnecting" until the socket is open again.
    if (this.status !== Status.RECONNECTING) this.setStatus(Status.CONNECTING);
    const socket = new WebSocket(this.url);
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setStatus(Status.CONNECTED);
    };
    socket.onmessage = (event) => this.dispatch(event.data);
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.setStatus(Status.RECONNECTING);
      const delay = backoffDelay(this.attempt++);
      this.retryTimer = setTimeout(() => this.open(), delay);
    };
    // onerror is always followed by onclose, which schedules the retry.
    socket.onerror = () => {};
  }

  dispatch(data) {
    if (typeof data === "string") {
      const msg = parseText(data);
      if (msg !== null) this.emit(msg.type, msg);
      return;
    }
    const frame = parseBinary(data);
    if (frame !== null) this.emit("binary", frame);
  }

  emit(type, value) {
    for (const fn of this.listeners.get(type) || []) {
      try {
        fn(value);
      } catch (err) {
        // One panel's bug must not stop the others from updating.
        console.error(`handler for ${type} failed`, err);
      }
    }
  }

  setStatus(status) {
    this.status = status;
    this.emit("status", status);
  }
}
