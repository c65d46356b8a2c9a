// The drawing pad: write a digit with the mouse, a pen or a finger (pointer events); it is
// read when the stroke ends, or with the Read button.

const INK = "#111111";
const PAPER = "#ffffff";

export class DrawingPad {
  /**
   * `canvas` is the pad; `onDrawn(canvas)` is called when a stroke ends (pointer up), so the
   * caller can read it. Dark ink on white paper, like a digit written on a sheet for the camera.
   */
  constructor(canvas, onDrawn) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.onDrawn = onDrawn;
    this.drawing = false;
    this.last = null;
    this.strokes = 0;
    this.clear();

    canvas.addEventListener("pointerdown", (event) => this.start(event));
    canvas.addEventListener("pointermove", (event) => this.move(event));
    canvas.addEventListener("pointerup", (event) => this.end(event));
    canvas.addEventListener("pointercancel", (event) => this.end(event));
  }

  /** True when nothing has been drawn since the last clear. */
  get empty() {
    return this.strokes === 0;
  }

  clear() {
    this.ctx.fillStyle = PAPER;
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.strokes = 0;
  }

  /** The pad as a PNG Blob (resolves). */
  toPng() {
    return new Promise((resolve, reject) => {
      this.canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the pad could not be encoded"))), "image/png");
    });
  }

  point(event) {
    // The canvas is scaled by CSS: map client pixels to canvas pixels.
    const rect = this.canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) * this.canvas.width) / rect.width,
      y: ((event.clientY - rect.top) * this.canvas.height) / rect.height,
    };
  }

  start(event) {
    event.preventDefault();
    this.canvas.setPointerCapture(event.pointerId);
    this.drawing = true;
    this.last = this.point(event);
    this.stroke(this.last, this.last);
  }

  move(event) {
    if (!this.drawing) return;
    event.preventDefault();
    const p = this.point(event);
    this.stroke(this.last, p);
    this.last = p;
  }

  end(event) {
    if (!this.drawing) return;
    this.drawing = false;
    if (this.canvas.hasPointerCapture(event.pointerId)) this.canvas.releasePointerCapture(event.pointerId);
    this.strokes += 1;
    this.onDrawn(this.canvas);
  }

  stroke(from, to) {
    const { ctx } = this;
    ctx.strokeStyle = INK;
    ctx.lineWidth = this.canvas.width / 14;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
  }
}
