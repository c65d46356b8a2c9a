// The timing budget under the frequencies: one bar for the loop's period, split into
// where the time went (frame wait, HAL.preprocess, HAL.predict, GUI, your code, idle),
// and, when the measured rate is below the target, the server's sentence saying why.

const PARTS = [
  ["get_image_ms", "getImage", "#94a3b8"],
  ["preprocess_ms", "preprocess", "#2563eb"],
  ["predict_ms", "predict", "#7c3aed"],
  ["gui_ms", "GUI", "#0d9488"],
  ["other_ms", "your code", "#f59e0b"],
  ["idle_ms", "idle", "#e5e7eb"],
];

export class BudgetView {
  constructor(root) {
    this.root = root;
    this.bar = root.querySelector(".budget-bar");
    this.legend = root.querySelector(".budget-legend");
    this.why = root.querySelector(".budget-why");
    this.segments = PARTS.map(([key, label, colour]) => {
      const segment = document.createElement("span");
      segment.className = "budget-part";
      segment.dataset.part = key;
      segment.style.background = colour;
      this.bar.append(segment);
      return { key, label, segment };
    });
  }

  /** A `frequency` message's `budget` (null while stopped) and `why`. */
  show(budget, why) {
    this.root.hidden = !budget;
    if (!budget) return;
    const period = Math.max(budget.period_ms || 0, 1e-6);
    const named = [];
    for (const { key, label, segment } of this.segments) {
      const ms = Math.max(0, Number(budget[key]) || 0);
      segment.style.width = `${Math.min(100, (100 * ms) / period).toFixed(1)}%`;
      segment.title = `${label}: ${ms.toFixed(1)} ms`;
      if (key === "idle_ms" || ms < 0.05 * period) continue;
      // Each part named beside a swatch of its colour in the bar.
      const item = document.createElement("span");
      item.className = "budget-item";
      const swatch = document.createElement("i");
      swatch.style.background = segment.style.background;
      item.append(swatch, `${label} ${ms.toFixed(1)}`);
      named.push(item);
    }
    const age = Number(budget.frame_age_ms) || 0;
    this.legend.replaceChildren(`each loop ${period.toFixed(1)} ms: `, ...(named.length ? named : ["almost all idle"]));
    this.legend.append(` · frame ${age.toFixed(0)} ms old`);
    this.why.hidden = !why;
    this.why.textContent = why ? `Below target: ${why}.` : "";
  }
}
