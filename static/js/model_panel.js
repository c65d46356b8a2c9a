// The model panel: upload an .onnx (browse or drag and drop), see the check's result or
// its specific error; the model in use stays when an upload is refused.

import { pressable } from "./keys.js";

/** "12.3 KB" for a byte count. */
export function formatBytes(n) {
  if (!Number.isFinite(n)) return "?";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** "[1, 1, 28, 28]" for a shape whose dimensions may be symbolic names or null. */
export function formatShape(shape) {
  if (!Array.isArray(shape)) return "?";
  return `[${shape.map((d) => (d === null || d === undefined ? "?" : String(d))).join(", ")}]`;
}

/** A refused upload's message, naming the file once: the server's reasons usually begin
 * with the name it was uploaded under, a network failure does not. */
export function uploadError(file, err) {
  const message = String(err.message);
  return message.startsWith(`${file.name}:`) ? message : `${file.name}: ${message}`;
}

export class ModelPanel {
  /**
   * `root` holds the panel's elements (see index.html: .model-drop, input[type=file],
   * .model-spec, .model-error, .model-default). `api` uploads.
   */
  constructor(root, api) {
    this.api = api;
    this.drop = root.querySelector(".model-drop");
    pressable(this.drop, root.querySelector("input[type=file]"));
    this.input = root.querySelector("input[type=file]");
    this.specEl = root.querySelector(".model-spec");
    this.errorEl = root.querySelector(".model-error");
    this.doctorEl = root.querySelector(".model-doctor");
    this.statusEl = root.querySelector(".model-status");
    this.defaultButton = root.querySelector(".model-default");

    this.input.addEventListener("change", () => {
      if (this.input.files.length) this.upload(this.input.files[0]);
      this.input.value = ""; // picking the same file again must upload again
    });
    this.defaultButton.addEventListener("click", () => this.useDefault());
    for (const type of ["dragenter", "dragover"]) {
      this.drop.addEventListener(type, (event) => {
        event.preventDefault();
        this.drop.classList.add("dragging");
      });
    }
    for (const type of ["dragleave", "drop"]) {
      this.drop.addEventListener(type, () => this.drop.classList.remove("dragging"));
    }
    this.drop.addEventListener("drop", (event) => {
      event.preventDefault();
      const file = event.dataTransfer && event.dataTransfer.files[0];
      if (file) this.upload(file);
    });
  }

  async upload(file) {
    this.setBusy(`checking ${file.name}…`);
    try {
      const answer = await this.api.uploadModel(file);
      this.showSpec(answer && answer.spec ? answer.spec : answer);
      this.showDoctor(answer && answer.doctor);
      this.showError(null);
    } catch (err) {
      this.showError(uploadError(file, err), err.code);
    } finally {
      this.setBusy("");
    }
  }

  async useDefault() {
    this.setBusy("loading the default model…");
    try {
      const answer = await this.api.useDefaultModel();
      if (answer) this.showSpec(answer.spec ? answer.spec : answer);
      this.showDoctor(null);
      this.showError(null);
    } catch (err) {
      this.showError(err.message, err.code);
    } finally {
      this.setBusy("");
    }
  }

  setBusy(text) {
    this.statusEl.textContent = text;
    this.drop.classList.toggle("busy", Boolean(text));
  }

  /** The model in use (from `model`/`state` messages or an upload's answer). */
  showSpec(spec) {
    if (!spec || typeof spec !== "object" || !spec.name) return;
    const rows = [
      ["file", spec.default ? `${spec.name} (default)` : spec.name],
      ["size", formatBytes(spec.size_bytes)],
      ["input", formatShape(spec.input_shape)],
      ["output", formatShape(spec.output_shape)],
      ["output kind", spec.output_kind || "?"],
      ["normalization", spec.normalization || "?"],
      ["latency", Number.isFinite(spec.latency_ms) ? `${spec.latency_ms.toFixed(2)} ms` : "?"],
    ];
    this.specEl.replaceChildren();
    for (const [key, value] of rows) {
      const dt = document.createElement("dt");
      dt.textContent = key;
      const dd = document.createElement("dd");
      dd.textContent = value;
      dd.dataset.key = key;
      this.specEl.append(dt, dd);
    }
    this.specEl.title = spec.sha256 ? `sha256 ${spec.sha256}` : "";
    this.defaultButton.disabled = Boolean(spec.default);
  }

  /** The model doctor's findings on the model just uploaded: how it reads 100 MNIST test
   * digits, and each piece of advice (null hides it). */
  showDoctor(doctor) {
    const sample = doctor && doctor.mnist_sample;
    this.doctorEl.hidden = !sample;
    this.doctorEl.replaceChildren();
    if (!sample) return;
    const advice = Array.isArray(doctor.advice) ? doctor.advice : [];
    const line = document.createElement("p");
    line.className = "doctor-sample";
    line.textContent = `Reads ${sample.read_right} of ${sample.of} MNIST test digits as the exercise feeds it (${sample.scaling}).`;
    this.doctorEl.append(line);
    for (const text of advice) {
      const item = document.createElement("p");
      item.className = "doctor-advice";
      item.textContent = text;
      this.doctorEl.append(item);
    }
    this.doctorEl.dataset.advice = String(advice.length);
  }

  /** A refused upload's message in red (null hides it). */
  showError(message, code) {
    this.errorEl.hidden = !message;
    this.errorEl.textContent = message || "";
    this.errorEl.dataset.code = code || "";
  }
}
