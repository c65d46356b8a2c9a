// The camera view: the newest JPEG on a <canvas>, with the digit's box drawn over it, and
// the 28x28 image the model saw.

/** How long a digit box stays drawn without a newer `digit` message (ms). */
const BOX_LIFETIME_MS = 2000;
/** A box read from a frame this many frames older than the one shown is drawn dashed and
 * faded: at a low brain rate it marks where the digit *was*, not where it is. */
const LAGGING_FRAMES = 3;

export class CameraView {
  /**
   * `canvas` shows the frames; `info` (an element) gets "frame N · source" text.
   * Call showJpeg for every kind-1 message and setDigit for every `digit` message.
   */
  constructor(canvas, info) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.info = info;
    this.decoding = false;
    this.bitmap = null;
    this.box = null;
    this.digit = null;
    this.boxTime = 0;
    this.framesDrawn = 0;
    this.fromBrain = false;
    this.seq = 0;
    this.boxSeq = 0;
  }

  /**
   * Decodes and draws one JPEG (Uint8Array). A frame arriving while the previous one is
   * still decoding is dropped: the view only ever wants the newest, never a queue.
   */
  showJpeg(payload, seq, fromBrain) {
    if (this.decoding) return;
    this.decoding = true;
    createImageBitmap(new Blob([payload], { type: "image/jpeg" }))
      .then((bitmap) => {
        if (this.bitmap) this.bitmap.close();
        this.bitmap = bitmap;
        this.seq = seq;
        this.fromBrain = fromBrain;
        this.framesDrawn += 1;
        this.canvas.dataset.frames = String(this.framesDrawn);
        this.canvas.dataset.seq = String(seq);
        this.draw();
      })
      .catch(() => {
        // A corrupt JPEG: skip it, the next frame replaces it.
      })
      .finally(() => {
        this.decoding = false;
      });
  }

  /** A `digit` message: box [x, y, w, h] in camera-frame pixels, or null, read from frame `seq`. */
  setDigit(digit, box, seq = 0) {
    this.digit = digit;
    this.box = Array.isArray(box) && box.length === 4 ? box : null;
    this.boxSeq = seq;
    this.boxTime = performance.now();
    this.draw();
  }

  /** Forgets the box (the brain stopped, the camera changed). */
  clearDigit() {
    this.box = null;
    this.digit = null;
    this.draw();
  }

  /** Forgets the picture too (camera switched): shows the empty view until a frame arrives. */
  clear() {
    if (this.bitmap) this.bitmap.close();
    this.bitmap = null;
    this.clearDigit();
  }

  draw() {
    const { canvas, ctx } = this;
    if (!this.bitmap) {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      this.info.textContent = "waiting for the camera…";
      return;
    }
    // The canvas takes the frame's own size; CSS scales it, so the box needs no scaling
    // beyond camera pixels -> canvas pixels (equal unless showImage sent another size).
    if (canvas.width !== this.bitmap.width || canvas.height !== this.bitmap.height) {
      canvas.width = this.bitmap.width;
      canvas.height = this.bitmap.height;
    }
    ctx.drawImage(this.bitmap, 0, 0);
    const fresh = performance.now() - this.boxTime < BOX_LIFETIME_MS;
    const lagging = this.boxSeq > 0 && this.seq - this.boxSeq > LAGGING_FRAMES;
    canvas.dataset.boxLagging = lagging ? "1" : "0";
    if (this.box && fresh && !this.fromBrain) this.drawBox(this.box, this.digit, lagging);
    const source = this.fromBrain ? "GUI.showImage" : "camera";
    this.info.textContent = `${source} · frame ${this.seq} · ${this.bitmap.width}×${this.bitmap.height}`;
  }

  drawBox([x, y, w, h], digit, lagging) {
    const { ctx, canvas } = this;
    const line = Math.max(2, Math.round(canvas.width / 200));
    ctx.save();
    ctx.globalAlpha = lagging ? 0.55 : 1;
    ctx.setLineDash(lagging ? [3 * line, 2 * line] : []);
    ctx.lineWidth = line;
    ctx.strokeStyle = "#16a34a";
    ctx.strokeRect(x, y, w, h);
    ctx.setLineDash([]);
    this.drawLabel(x, y, h, line, digit);
    ctx.restore();
  }

  drawLabel(x, y, h, line, digit) {
    const { ctx, canvas } = this;
    if (digit === null || digit === undefined) return;
    const size = Math.max(14, Math.round(canvas.width / 20));
    ctx.font = `bold ${size}px system-ui, sans-serif`;
    const label = String(digit);
    const labelWidth = ctx.measureText(label).width + size * 0.6;
    const top = y - size * 1.3 >= 0 ? y - size * 1.3 : y + h;
    ctx.fillStyle = "#16a34a";
    ctx.fillRect(x - line / 2, top, labelWidth, size * 1.3);
    ctx.fillStyle = "#ffffff";
    ctx.textBaseline = "middle";
    ctx.fillText(label, x - line / 2 + size * 0.3, top + size * 0.68);
  }
}

/** Draws kind-3 payloads (784 grey bytes, 28x28) on a 28x28 canvas that CSS scales up. */
export class ModelInputView {
  constructor(canvas) {
    this.canvas = canvas;
    this.canvas.width = 28;
    this.canvas.height = 28;
    this.ctx = canvas.getContext("2d");
    this.image = this.ctx.createImageData(28, 28);
    this.clear();
  }

  /** Shows the image; returns false (and draws nothing) if the payload is not 784 bytes. */
  show(payload) {
    if (payload.length !== 784) return false;
    const rgba = this.image.data;
    for (let i = 0; i < 784; i += 1) {
      const g = payload[i];
      rgba[4 * i] = g;
      rgba[4 * i + 1] = g;
      rgba[4 * i + 2] = g;
      rgba[4 * i + 3] = 255;
    }
    this.ctx.putImageData(this.image, 0, 0);
    this.canvas.dataset.shown = "1";
    this.canvas.classList.remove("stale");
    this.pixels = Uint8Array.from(payload);
    return true;
  }

  /** The brain read no digit since this input: it stays, faded, not passed off as current. */
  fade() {
    if (this.canvas.dataset.shown) this.canvas.classList.add("stale");
  }

  clear() {
    this.ctx.fillStyle = "#000";
    this.ctx.fillRect(0, 0, 28, 28);
    delete this.canvas.dataset.shown;
    this.canvas.classList.remove("stale");
    this.pixels = null; // the 784 bytes shown, kept for "Save this digit"
  }
}
