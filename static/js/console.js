// The console: the brain's prints, errors in red and tracebacks; follows new output unless
// the user scrolled up to read, and keeps only the newest lines.

export const MAX_LINES = 1000;

export class ConsolePanel {
  /** `el` is the scrolling container; lines are appended as <div class="line STREAM">. */
  constructor(el) {
    this.el = el;
  }

  /** Appends lines: [{stream: "stdout"|"stderr"|"system"|"error", text}]. */
  append(lines) {
    if (!lines.length) return;
    // Follow the output only when the user is already at the bottom (has not scrolled up).
    const atBottom = this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight < 24;
    const fragment = document.createDocumentFragment();
    for (const { stream, text } of lines) {
      // A batched line may hold several (a traceback): one element keeps it together.
      const div = document.createElement("div");
      div.className = `line ${stream || "stdout"}`;
      div.textContent = String(text);
      fragment.append(div);
    }
    this.el.append(fragment);
    let excess = this.el.childElementCount - MAX_LINES;
    while (excess-- > 0) this.el.firstElementChild.remove();
    if (atBottom) this.el.scrollTop = this.el.scrollHeight;
  }

  /** One line from the page itself (connection notes, command errors). */
  note(text, stream = "system") {
    this.append([{ stream, text }]);
  }

  clear() {
    this.el.replaceChildren();
  }
}
