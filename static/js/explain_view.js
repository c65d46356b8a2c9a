// "Why this digit?": a toggle under the 28x28 the model saw. While it is on, the page asks
// the server once a second for an occlusion map of the student's model on that input
// (`explain_input`), and draws it over the image in red: the parts of the stroke whose
// covering made the model least sure of its digit.

const REFRESH_MS = 1000;

export class ExplainView {
  constructor(connection, { button, overlay, caption }) {
    this.connection = connection;
    this.button = button;
    this.overlay = overlay;
    this.caption = caption;
    this.overlay.width = 28;
    this.overlay.height = 28;
    this.ctx = overlay.getContext("2d");
    this.pending = new Set();
    this.timer = null;
    button.addEventListener("click", () => this.toggle());
  }

  get on() {
    return this.button.getAttribute("aria-pressed") === "true";
  }

  toggle() {
    const on = !this.on;
    this.button.setAttribute("aria-pressed", String(on));
    this.button.classList.toggle("active", on);
    this.overlay.hidden = !on;
    this.caption.hidden = !on;
    clearInterval(this.timer);
    this.timer = null;
    if (on) {
      this.caption.textContent = "working out why…";
      this.request();
      this.timer = setInterval(() => this.request(), REFRESH_MS);
    }
  }

  request() {
    if (this.pending.size) return; // one at a time: the map takes a moment on a big model
    const id = this.connection.send("explain_input");
    if (id !== null) this.pending.add(id);
  }

  /** An `input_explained` answer. */
  show(msg) {
    this.pending.clear();
    if (!this.on || !Array.isArray(msg.importance)) return;
    const image = this.ctx.createImageData(28, 28);
    msg.importance.forEach((row, y) =>
      row.forEach((value, x) => {
        const i = 4 * (28 * y + x);
        image.data[i] = 239;
        image.data[i + 1] = 68;
        image.data[i + 2] = 68;
        image.data[i + 3] = Math.round(2.2 * Math.max(0, Math.min(100, value)));
      }),
    );
    this.ctx.putImageData(image, 0, 0);
    const percent = Math.round(100 * msg.probability);
    this.caption.textContent = `why ${msg.digit} (${percent}%): red is where covering the image made the model doubt it`;
  }

  /** An `error` answer; true when it was the answer to one of our requests. */
  onError(msg) {
    if (!this.pending.delete(msg.id)) return false;
    this.ctx.clearRect(0, 0, 28, 28);
    this.caption.textContent = msg.message;
    return true;
  }
}
