// A digit and its ten probabilities: the large digit, and a bar chart with the most
// likely class highlighted. Used for the brain's `digit` messages and the drawing pad.

export class DigitResult {
  /**
   * `digitEl` gets the digit (or "no digit"), `barsEl` is filled with ten labelled bars.
   */
  constructor(digitEl, barsEl) {
    this.digitEl = digitEl;
    this.barsEl = barsEl;
    this.bars = [];
    barsEl.replaceChildren();
    for (let d = 0; d < 10; d += 1) {
      const row = document.createElement("div");
      row.className = "bar-row";
      row.dataset.digit = String(d);
      const label = document.createElement("span");
      label.className = "bar-label";
      label.textContent = String(d);
      const track = document.createElement("span");
      track.className = "bar-track";
      const fill = document.createElement("span");
      fill.className = "bar-fill";
      track.append(fill);
      const value = document.createElement("span");
      value.className = "bar-value";
      row.append(label, track, value);
      barsEl.append(row);
      this.bars.push({ row, fill, value });
    }
    this.show(null, null);
  }

  /**
   * `digit` 0-9 or null ("no digit"); `probabilities` ten numbers in 0..1, or null.
   */
  show(digit, probabilities) {
    const none = digit === null || digit === undefined;
    this.digitEl.textContent = none ? "no digit" : String(digit);
    this.digitEl.classList.toggle("none", none);
    this.digitEl.dataset.digit = none ? "" : String(digit);
    const probs = Array.isArray(probabilities) && probabilities.length === 10 ? probabilities : null;
    let best = -1;
    if (probs) best = probs.indexOf(Math.max(...probs));
    this.bars.forEach(({ row, fill, value }, d) => {
      const p = probs ? Math.max(0, Math.min(1, Number(probs[d]) || 0)) : 0;
      fill.style.width = `${(p * 100).toFixed(1)}%`;
      value.textContent = probs ? `${(p * 100).toFixed(1)}%` : "";
      row.classList.toggle("best", d === best);
    });
  }
}
