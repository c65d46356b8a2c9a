// "This browser's webcam": getUserMedia frames, JPEG-encoded, sent to the server as kind-2
// binary messages at up to 30 fps, never more than one in flight.

import { Kind, buildBinary } from "./protocol.js";

const MAX_FPS = 30;
const JPEG_QUALITY = 0.8;
const MAX_WIDTH = 640;

export class BrowserCamera {
  /**
   * `connection` sends the frames; `onError(message)` is told when the camera cannot be
   * opened (no permission, no device). Call start() after set_camera "browser", stop()
   * when another source is picked.
   */
  constructor(connection, onError) {
    this.connection = connection;
    this.onError = onError;
    this.stream = null;
    this.video = document.createElement("video");
    this.video.muted = true;
    this.video.playsInline = true;
    this.canvas = document.createElement("canvas");
    this.timer = null;
    this.seq = 0;
    this.framesSent = 0;
  }

  get running() {
    return this.stream !== null;
  }

  /** Starts sharing this browser's camera; resolves to whether it is running. */
  async start() {
    if (this.running) return true;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.onError("This browser cannot share its camera (it needs https or localhost).");
      return false;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 640 }, height: { ideal: 480 } },
        audio: false,
      });
    } catch (err) {
      this.stream = null;
      this.onError(`The browser's camera could not be opened: ${err.message || err.name}`);
      return false;
    }
    this.video.srcObject = this.stream;
    await this.video.play().catch(() => {});
    this.schedule(0);
    return true;
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }

  schedule(delay) {
    if (!this.running) return;
    this.timer = setTimeout(() => this.sendFrame(), delay);
  }

  async sendFrame() {
    const started = performance.now();
    // One frame in flight at most: while the socket still holds the previous one, skip.
    if (this.connection.bufferedAmount === 0 && this.video.videoWidth > 0) {
      const blob = await this.encode();
      if (blob && this.running) {
        const jpeg = new Uint8Array(await blob.arrayBuffer());
        this.seq = (this.seq + 1) >>> 0;
        const now = Date.now() / 1000;
        if (this.connection.sendBinary(buildBinary(Kind.BROWSER_FRAME, jpeg, { seq: this.seq, captured: now, sent: now }))) {
          this.framesSent += 1;
        }
      }
    }
    const spent = performance.now() - started;
    this.schedule(Math.max(0, 1000 / MAX_FPS - spent));
  }

  encode() {
    const { video, canvas } = this;
    const scale = Math.min(1, MAX_WIDTH / video.videoWidth);
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    canvas.getContext("2d").drawImage(video, 0, 0, width, height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY));
  }
}
