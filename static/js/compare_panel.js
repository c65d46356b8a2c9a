// Compare two models live: a second .onnx read beside the model in use on the same frames
// (the server's `comparison` messages). Each model's latest reading is shown; on a test
// reel camera (reel:DIR) each is marked against the frame's label with a running count,
// elsewhere the share of frames on which the two agree.

import { pressable } from "./keys.js";
import { uploadError } from "./model_panel.js";

const word = (digit) => (digit === null || digit === undefined ? "none" : String(digit));

export class ComparePanel {
  /** `root`: the upload controls (model card); `results`: the readings (digit card). */
  constructor(root, results, api) {
    this.api = api;
    this.results = results;
    this.input = root.querySelector("input[type=file]");
    this.pick = root.querySelector(".compare-pick");
    this.pickText = root.querySelector(".compare-pick-text");
    this.stopButton = root.querySelector(".compare-stop");
    this.rows = results.querySelector(".compare-rows");
    this.summary = results.querySelector(".compare-summary");
    this.errorEl = root.querySelector(".compare-error");
    pressable(this.pick, this.input);
    this.input.addEventListener("change", () => {
      if (this.input.files.length) this.upload(this.input.files[0]);
      this.input.value = "";
    });
    this.stopButton.addEventListener("click", () => this.api.removeSecondModel().catch((err) => this.showError(err.message)));
    this.showSecond(null);
  }

  async upload(file) {
    this.showError(null);
    this.pick.dataset.busy = "true";
    try {
      await this.api.uploadSecondModel(file); // the `second_model` message updates every tab
    } catch (err) {
      this.showError(uploadError(file, err));
    } finally {
      delete this.pick.dataset.busy;
    }
  }

  /** A `second_model` message: its spec, or null when put away. */
  showSecond(spec) {
    this.active = Boolean(spec && spec.name);
    this.stopButton.hidden = !this.active;
    this.pickText.textContent = this.active ? `Compare with another .onnx` : "Compare with a second .onnx…";
    this.results.hidden = !this.active;
    this.reset();
  }

  /** The counts start again (another camera, another model). */
  reset() {
    this.tallies = []; // per reading's place (the model in use first): {judged, right}
    this.compared = 0;
    this.agreed = 0;
    this.rows.replaceChildren();
    this.summary.textContent = this.active ? "waiting for a frame…" : "";
  }

  /** A `comparison` message. */
  show(msg) {
    if (!this.active || !Array.isArray(msg.readings)) return;
    const labelled = msg.label !== null && msg.label !== undefined;
    const wanted = labelled && msg.label !== -1 ? msg.label : null;
    this.compared += 1;
    const digits = msg.readings.map((r) => r.digit ?? null);
    if (digits.every((d) => d === digits[0])) this.agreed += 1;
    this.rows.replaceChildren(
      ...msg.readings.map((reading, place) => {
        const row = document.createElement("div");
        row.className = "compare-row";
        const name = document.createElement("span");
        name.className = "compare-name";
        name.textContent = reading.model;
        name.title = reading.model;
        const digit = document.createElement("span");
        digit.className = "compare-digit";
        digit.classList.toggle("none", reading.digit === null || reading.digit === undefined);
        digit.textContent = word(reading.digit);
        const score = document.createElement("span");
        score.className = "compare-score";
        if (labelled) {
          // By place, not by name: two uploads may both be called model.onnx.
          const tally = this.tallies[place] || { judged: 0, right: 0 };
          const right = (reading.digit ?? null) === wanted;
          tally.judged += 1;
          tally.right += right ? 1 : 0;
          this.tallies[place] = tally;
          row.dataset.right = String(right);
          score.textContent = `${right ? "✓" : "✗"} ${tally.right} of ${tally.judged} (${Math.round((100 * tally.right) / tally.judged)}%)`;
        }
        row.append(name, digit, score);
        return row;
      }),
    );
    const share = Math.round((100 * this.agreed) / this.compared);
    this.summary.textContent = labelled
      ? `held up ${word(wanted)} · same frames, 5 a second`
      : `they agree on ${share}% of ${this.compared} frames · pick a test reel to score them`;
  }

  showError(message) {
    this.errorEl.hidden = !message;
    this.errorEl.textContent = message || "";
  }
}
