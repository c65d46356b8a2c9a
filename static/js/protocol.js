// The wire format of docs/protocol.md, version 1, as pure functions (no DOM, no socket):
// what the rest of the page builds and reads messages with.

export const PROTOCOL_VERSION = 1;
export const HEADER_LENGTH = 24;

/** Binary message kinds (byte 0 of the header). */
export const Kind = Object.freeze({ CAMERA_VIEW: 1, BROWSER_FRAME: 2, MODEL_INPUT: 3 });

/** Flags bit 0: the image came from the brain's GUI.showImage, not the live camera. */
export const FLAG_FROM_BRAIN = 1;

/** A text command: returns the JSON string to send. `fields` must not hold "v" or "type". */
export function command(type, fields = {}) {
  return JSON.stringify({ v: PROTOCOL_VERSION, type, ...fields });
}

/**
 * A received text message -> the parsed object, or null when it is not a version-1 message
 * (the caller ignores those: a newer server may send types this page does not know).
 */
export function parseText(text) {
  let msg;
  try {
    msg = JSON.parse(text);
  } catch (_err) {
    return null;
  }
  if (msg === null || typeof msg !== "object" || msg.v !== PROTOCOL_VERSION || typeof msg.type !== "string") {
    return null;
  }
  return msg;
}

/**
 * A received binary message (ArrayBuffer) -> {kind, flags, seq, captured, sent, payload}
 * with payload a Uint8Array view past the header, or null when it is too short to hold one.
 * Readers skip to header_length, so a later version may add header fields.
 */
export function parseBinary(buffer) {
  if (buffer.byteLength < HEADER_LENGTH) return null;
  const view = new DataView(buffer);
  const headerLength = view.getUint16(2, false);
  if (headerLength < HEADER_LENGTH || headerLength > buffer.byteLength) return null;
  return {
    kind: view.getUint8(0),
    flags: view.getUint8(1),
    seq: view.getUint32(4, false),
    captured: view.getFloat64(8, false),
    sent: view.getFloat64(16, false),
    payload: new Uint8Array(buffer, headerLength),
  };
}

/**
 * A binary message to send: header (big-endian `>BBHIdd`) then payload bytes.
 * Returns an ArrayBuffer ready for WebSocket.send.
 */
export function buildBinary(kind, payload, { flags = 0, seq = 0, captured = 0, sent = Date.now() / 1000 } = {}) {
  const bytes = payload instanceof Uint8Array ? payload : new Uint8Array(payload);
  const out = new ArrayBuffer(HEADER_LENGTH + bytes.byteLength);
  const view = new DataView(out);
  view.setUint8(0, kind);
  view.setUint8(1, flags);
  view.setUint16(2, HEADER_LENGTH, false);
  view.setUint32(4, seq >>> 0, false);
  view.setFloat64(8, captured, false);
  view.setFloat64(16, sent, false);
  new Uint8Array(out, HEADER_LENGTH).set(bytes);
  return out;
}

/** The access token from the page's URL (?token=...), or "" when there is none. */
export function tokenFromLocation(location) {
  return new URLSearchParams(location.search).get("token") || "";
}

/** The websocket URL for this page: same host, ws or wss like the page, token if any. */
export function websocketUrl(location, token) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = token ? `?token=${encodeURIComponent(token)}` : "";
  return `${scheme}//${location.host}/ws${query}`;
}

/** An API path with the token appended when there is one. */
export function apiUrl(path, token) {
  if (!token) return path;
  const sep = path.includes("?") ? "&" : "?";
  return `${path}${sep}token=${encodeURIComponent(token)}`;
}

/** Reconnect delay in ms after `attempt` failures: 0.5 s doubling to 8 s, with jitter. */
export function backoffDelay(attempt, random = Math.random) {
  const base = Math.min(8000, 500 * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.75 + 0.5 * random()));
}
