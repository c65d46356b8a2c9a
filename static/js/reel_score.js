// On a test reel camera (reel:DIR) every `digit` message carries the label of the frame
// the brain read: show it beside the reading, marked right or wrong, with a running count.

export class ReelScore {
  constructor(el) {
    this.el = el;
    this.reset();
  }

  reset() {
    this.judged = 0;
    this.right = 0;
    this.el.hidden = true;
    this.el.textContent = "";
  }

  /** A `digit` message; its `label` is null unless the camera is a reel. */
  add(msg) {
    if (msg.label === null || msg.label === undefined) return;
    const wanted = msg.label === -1 ? null : msg.label;
    const read = msg.digit === undefined ? null : msg.digit;
    const right = read === wanted;
    this.judged += 1;
    this.right += right ? 1 : 0;
    const held = wanted === null ? "no digit" : String(wanted);
    const share = Math.round((100 * this.right) / this.judged);
    this.el.replaceChildren();
    const mark = document.createElement("strong");
    mark.className = right ? "mark-right" : "mark-wrong";
    mark.textContent = right ? "✓ right" : "✗ wrong";
    this.el.append(`held up ${held} `, mark, ` · ${this.right} of ${this.judged} right (${share}%)`);
    this.el.dataset.right = String(right);
    this.el.hidden = false;
  }
}
