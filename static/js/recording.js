// The Record button: the camera in use into a test reel on the server, labelled live.
// While recording, the keys 0-9 set the digit held up and - sets "no digit" (except while
// typing in the editor or a field); the label in force is shown large over the camera.

const KEY_LABELS = { "-": -1 };
for (let d = 0; d <= 9; d += 1) KEY_LABELS[String(d)] = d;

const megabytes = (bytes) => (bytes / 1e6).toFixed(1);
/** A path as one shell word (quoted when it holds anything but plain characters). */
const shellWord = (path) => (/^[\w./-]+$/.test(path) ? path : `'${path.replace(/'/g, "'\\''")}'`);
const labelText = (label) => (label === -1 ? "none" : String(label));

/** Typing in the editor or a text field is not labelling. */
function typingIn(target) {
  if (!(target instanceof Element)) return false;
  return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable=true], .cm-editor"));
}

export class RecordPanel {
  constructor(connection, { button, overlay, labelEl, info }) {
    this.connection = connection;
    this.button = button;
    this.overlay = overlay;
    this.labelEl = labelEl;
    this.info = info;
    this.active = false;
    button.addEventListener("click", () => {
      if (this.active) this.connection.send("record_stop");
      else this.connection.send("record", { label: -1 });
    });
    document.addEventListener("keydown", (event) => this.onKey(event));
  }

  onKey(event) {
    if (!this.active || event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target)) return;
    const label = KEY_LABELS[event.key];
    if (label === undefined) return;
    event.preventDefault();
    this.showLabel(label); // at once; the server's echo follows
    this.connection.send("record_label", { label });
  }

  /** A `recording` message. */
  show(msg) {
    this.active = Boolean(msg.active);
    this.button.textContent = this.active ? "■ Stop recording" : "● Record";
    this.button.classList.toggle("recording", this.active);
    this.button.setAttribute("aria-pressed", String(this.active));
    this.overlay.hidden = !this.active;
    this.showLabel(msg.label);
    const size = `${msg.frames} frames · ${megabytes(msg.bytes)} of ${megabytes(msg.max_bytes)} MB`;
    if (this.active) {
      this.info.textContent = `Recording ${size}. Keys 0-9: the digit you hold up, -: none.`;
    } else if (msg.folder) {
      const why = msg.ended && msg.ended !== "stopped" ? ` (${msg.ended})` : "";
      this.info.textContent =
        `Reel saved${why}: ${size} in ${msg.folder}. Grade models on it: ` +
        `digit-classifier evaluate --reel ${shellWord(msg.folder)} --report report.html`;
    }
    this.info.hidden = !msg.folder;
  }

  showLabel(label) {
    this.labelEl.textContent = labelText(label);
    this.labelEl.dataset.label = String(label);
  }

  /** The connection dropped: the server's next hello says whether it still records. */
  reset() {
    this.show({ active: false, label: -1, frames: 0, bytes: 0, max_bytes: 0, folder: "" });
  }
}
