// The page: builds the panels and wires them to the websocket and the REST API.
// Every panel rebuilds itself from `hello` after a (re)connect, so a server restart or a
// reload loses nothing that the server keeps (code, model, camera, targets).

import { Api } from "./api.js";
import { BrowserCamera } from "./browser_camera.js";
import { BudgetView } from "./budget_view.js";
import { CameraView, ModelInputView } from "./camera_view.js";
import { DrawingPad } from "./canvas.js";
import { Connection, Status } from "./connection.js";
import { ConsolePanel } from "./console.js";
import { ComparePanel } from "./compare_panel.js";
import { CodeEditor } from "./editor.js";
import { ExamplesPanel } from "./examples_panel.js";
import { ExplainView } from "./explain_view.js";
import { ModelPanel } from "./model_panel.js";
import { pressable } from "./keys.js";
import { FLAG_FROM_BRAIN, Kind, tokenFromLocation } from "./protocol.js";
import { RecordPanel } from "./recording.js";
import { ReelScore } from "./reel_score.js";
import { DigitResult } from "./results.js";

const AUTOSAVE_DELAY_MS = 500;
const BROWSER_CAMERA = "browser";
const FILE_CAMERA = "file:";
const REEL_CAMERA = "reel:";
/** Sources named by a path typed beside the picker: the prefix and the field's example. */
const PATH_CAMERAS = { [FILE_CAMERA]: "/path/to/video.mp4", [REEL_CAMERA]: "/path/to/reel (frames/ and labels.csv)" };
const pathKind = (spec) => Object.keys(PATH_CAMERAS).find((prefix) => spec.startsWith(prefix)) || null;
/** The rate fields: the command each sends, its field, and its range's name in hello.limits. */
const RATE_FIELDS = [
  { id: "brain-target", type: "set_frequency", field: "hz", limit: "frequency_hz", unit: "Hz" },
  { id: "gui-target", type: "set_gui_rate", field: "fps", limit: "gui_fps", unit: "fps" },
];

const $ = (id) => document.getElementById(id);

/** Probabilities in 0..1 from an answer holding percentages (0..100) or probabilities. */
export function toProbabilities(answer) {
  if (Array.isArray(answer.probabilities)) return answer.probabilities;
  if (!Array.isArray(answer.percentages)) return null;
  return answer.percentages.map((p) => Number(p) / 100);
}

class App {
  constructor() {
    this.token = tokenFromLocation(window.location);
    this.api = new Api(this.token);
    this.connection = new Connection(window.location, this.token);
    this.clientId = null;
    this.dirty = false; // the editor holds edits the server has not acknowledged
    this.saveTimer = null;
    this.saveIds = new Map(); // id of an unanswered save_code or play -> its type
    this.noticesShown = new Set(); // server notices already printed in the console
    this.limits = {}; // what the server accepts (hello.limits)
    this.brainState = "stopped";
    this.playedCode = null; // the code the last Play of this tab ran
    this.cameraSpec = "";

    this.console = new ConsolePanel($("console"));
    this.editor = new CodeEditor($("editor"), () => this.onEdit(), () => this.play());
    this.cameraView = new CameraView($("camera-canvas"), $("camera-info"));
    this.inputView = new ModelInputView($("input-canvas"));
    this.result = new DigitResult($("digit"), $("bars"));
    this.padResult = new DigitResult($("pad-digit"), $("pad-bars"));
    this.reelScore = new ReelScore($("reel-score"));
    this.budgetView = new BudgetView($("budget"));
    this.explainView = new ExplainView(this.connection, {
      button: $("why-toggle"),
      overlay: $("why-canvas"),
      caption: $("why-caption"),
    });
    this.recordPanel = new RecordPanel(this.connection, {
      button: $("record"),
      overlay: $("record-overlay"),
      labelEl: $("record-label"),
      info: $("record-info"),
    });
    this.lastDigit = null; // the last `digit` message: what "Save this digit" offers first
    this.examplesPanel = new ExamplesPanel(
      this.api,
      () => ({
        pixels: this.inputView.pixels,
        stale: this.inputView.canvas.classList.contains("stale"),
        digit: this.lastDigit ? this.lastDigit.digit : null,
        label: this.lastDigit ? this.lastDigit.label : null,
      }),
      { saveButton: $("save-example"), chooser: $("save-chooser"), status: $("save-status"), card: $("examples-panel") },
    );
    this.modelPanel = new ModelPanel($("model-panel"), this.api);
    this.comparePanel = new ComparePanel($("compare-panel"), $("compare-results"), this.api);
    this.pad = new DrawingPad($("pad"), () => this.readPad());
    this.browserCamera = new BrowserCamera(this.connection, (message) => this.showCameraError(message));
    this.cameraRequests = new Map(); // id of an unanswered set_camera -> the source before it

    this.bindButtons();
    this.bindFrequencies();
    this.bindCameraPicker();
    this.bindConnection();
    this.connection.start();
    this.loadCameras();
  }

  // -- wiring -------------------------------------------------------------------------------

  bindButtons() {
    $("play").addEventListener("click", () => this.play());
    $("stop").addEventListener("click", () => this.connection.send("stop"));
    $("pause").addEventListener("click", () =>
      this.connection.send(this.brainState === "paused" || this.brainState === "pausing" ? "resume" : "pause"),
    );
    $("reset").addEventListener("click", () => {
      if (window.confirm("Replace your code with the default template? Save it first if you want to keep it.")) {
        this.connection.send("reset");
      }
    });
    $("save").addEventListener("click", () => this.download());
    $("load").addEventListener("change", (event) => this.loadFile(event.target));
    pressable($("load-label"), $("load"));
    $("console-clear").addEventListener("click", () => this.console.clear());
    $("pad-clear").addEventListener("click", () => {
      this.pad.clear();
      this.padResult.show(null, null);
      $("pad-error").hidden = true;
    });
    $("pad-read").addEventListener("click", () => this.readPad());
    document.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key === ".") {
        event.preventDefault(); // Ctrl+. (Cmd+. on a Mac) stops the brain from anywhere
        this.connection.send("stop");
        return;
      }
      // The editor handles its own Ctrl+Enter (and marks the event handled).
      if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && !event.defaultPrevented) {
        event.preventDefault();
        this.play();
      }
    });
    window.addEventListener("beforeunload", () => this.flushSave());
  }

  bindFrequencies() {
    // A value out of range is refused where it is typed (marked, with the range), never
    // turned silently into another one; the rate in effect stays and comes back on leaving.
    // The ranges are the server's (hello.limits); the markup's min and max until it says.
    for (const { id, type, field, limit, unit } of RATE_FIELDS) {
      const input = $(id);
      input.addEventListener("change", () => {
        const [low, high] = this.limits[limit] || [Number(input.min), Number(input.max)];
        const text = input.value.trim();
        const value = Number(text);
        const ok = text !== "" && Number.isFinite(value) && value >= low && value <= high;
        const why = ok ? "" : `${low} to ${high} ${unit}: the rate in effect, ${input.dataset.value}, is kept`;
        input.setAttribute("aria-invalid", String(!ok));
        input.setCustomValidity(why);
        input.title = why;
        if (!ok) {
          input.reportValidity();
          return;
        }
        this.connection.send(type, { [field]: value });
      });
      input.addEventListener("blur", () => {
        if (input.getAttribute("aria-invalid") !== "true") return;
        input.setAttribute("aria-invalid", "false");
        input.setCustomValidity("");
        input.title = "";
        input.value = input.dataset.value || input.value;
      });
    }
  }

  bindCameraPicker() {
    const select = $("camera-select");
    this.fillCameras([]);
    select.addEventListener("change", () => {
      const spec = select.value;
      const kind = PATH_CAMERAS[spec] ? spec : null;
      this.showPathField(kind, "");
      if (kind) {
        $("camera-file").focus();
        return;
      }
      this.setCamera(spec);
    });
    const openFile = () => {
      const path = $("camera-file").value.trim();
      if (path) this.setCamera(`${select.value}${path}`);
    };
    $("camera-file-open").addEventListener("click", openFile);
    $("camera-file").addEventListener("keydown", (event) => {
      if (event.key === "Enter") openFile();
    });
  }

  bindConnection() {
    const c = this.connection;
    c.on("status", (status) => {
      const el = $("connection");
      el.dataset.status = status;
      el.textContent = status;
      // While the server is away nothing on the page is live: mark it so, not just the dot.
      document.body.classList.toggle("stale", status !== Status.CONNECTED);
      if (status === Status.RECONNECTING) {
        this.setBrainState("stopped", { quiet: true });
        this.recordPanel.reset();
        this.comparePanel.showSecond(null); // the server's next hello says again
      }
    });
    c.on("hello", (msg) => this.onHello(msg));
    c.on("state", (msg) => this.applyState(msg));
    c.on("code", (msg) => this.onCode(msg));
    c.on("digit", (msg) => {
      // Read before a Stop but arrived after it: a stopped brain shows no digit.
      if (this.brainState === "stopped") return;
      this.lastDigit = msg;
      if (msg.digit === null || msg.digit === undefined) this.inputView.fade();
      this.result.show(msg.digit, msg.probabilities);
      this.cameraView.setDigit(msg.digit, msg.box, msg.seq || 0);
      this.reelScore.add(msg);
    });
    c.on("recording", (msg) => this.recordPanel.show(msg));
    c.on("input_explained", (msg) => this.explainView.show(msg));
    c.on("second_model", (msg) => this.comparePanel.showSecond(msg.spec));
    c.on("comparison", (msg) => this.comparePanel.show(msg));
    c.on("frequency", (msg) => this.showFrequency(msg));
    c.on("console", (msg) => this.console.append(msg.lines || []));
    c.on("brain_error", (msg) => this.onBrainError(msg));
    c.on("model", (msg) => this.modelPanel.showSpec(msg.spec));
    c.on("camera", (msg) => this.showCamera(msg));
    c.on("cameras", (msg) => this.fillCameras(msg.sources || []));
    c.on("ack", (msg) => this.onAck(msg));
    c.on("error", (msg) => this.onError(msg));
    c.on("binary", (frame) => this.onBinary(frame));
  }

  // -- server messages ------------------------------------------------------------------------

  onHello(msg) {
    this.clientId = msg.client || null;
    this.limits = msg.limits || {};
    for (const { id, limit } of RATE_FIELDS) {
      const range = this.limits[limit];
      if (range) [$(id).min, $(id).max] = range;
    }
    if (typeof msg.code === "string") this.playedCode = msg.code; // what a running brain runs
    this.saveIds.clear(); // commands sent on a dropped socket are never answered
    if (this.dirty) {
      // Edits typed while the server was away win over its copy: save them now.
      this.sendSave();
    } else {
      this.editor.setCode(typeof msg.code === "string" ? msg.code : "");
      this.showSaveState("saved");
    }
    if (msg.state) this.applyState(msg.state);
    // Notices come with every hello; a reconnect must not print them again.
    for (const notice of msg.notices || []) {
      if (this.noticesShown.has(notice)) continue;
      this.noticesShown.add(notice);
      this.console.note(notice, "error");
    }
    this.connection.send("list_cameras");
  }

  onCode(msg) {
    // Our own save echoed back is skipped; a Reset's template has no origin and applies here too.
    const own = msg.origin !== null && msg.origin !== undefined && msg.origin === this.clientId;
    if (own) return;
    if (typeof msg.code !== "string") return;
    if (this.dirty && msg.origin !== null && msg.code !== this.editor.getCode()) {
      // Typed here while another tab saved: keep these keystrokes (they are saved next, and
      // reach the other tab), and say so rather than drop them.
      this.console.note("another tab changed the code while you were typing here; your edits are kept");
      return;
    }
    this.editor.setCode(msg.code);
    this.dirty = false;
    clearTimeout(this.saveTimer);
    this.saveTimer = null;
    this.showSaveState("saved");
  }

  applyState(state) {
    if (state.brain) {
      this.setBrainState(state.brain.state);
      setInput("brain-target", state.brain.target_hz);
      if (Number.isFinite(state.brain.measured_hz)) $("brain-measured").textContent = state.brain.measured_hz.toFixed(1);
    }
    if (state.gui) {
      setInput("gui-target", state.gui.target_fps);
      if (Number.isFinite(state.gui.measured_fps)) $("gui-measured").textContent = state.gui.measured_fps.toFixed(1);
    }
    if (state.camera) this.showCamera(state.camera);
    if (state.model) this.modelPanel.showSpec(state.model.spec || state.model);
  }

  setBrainState(state, { quiet = false } = {}) {
    const previous = this.brainState;
    this.brainState = state;
    const el = $("brain-state");
    el.dataset.state = state;
    el.textContent = state;
    this.showPlay();
    $("stop").disabled = state === "stopped";
    $("pause").disabled = state === "stopped";
    $("play-hint").hidden = state !== "stopped";
    $("gui-idle").hidden = state === "running";
    // "pausing": asked to pause, but the code is still inside a tick that has not returned.
    $("pause").textContent = state === "paused" || state === "pausing" ? "▶ Resume" : "❚❚ Pause";
    if (state === "stopped" && previous !== "stopped") {
      // A stopped brain reads nothing: its last digit must not look like a live reading.
      this.result.show(null, null);
      this.inputView.clear();
      this.lastDigit = null;
      if (!quiet) this.cameraView.clearDigit();
    }
  }

  showFrequency(msg) {
    const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "–");
    if (msg.brain) {
      $("brain-measured").textContent = fmt(msg.brain.measured);
      setInput("brain-target", msg.brain.target);
    }
    // The GUI target input follows `state` (the rate the user asked for); the rate in
    // `frequency` can be a lower idle rate while nobody watches or the brain is stopped.
    if (msg.gui) $("gui-measured").textContent = fmt(msg.gui.measured);
    $("rtf").textContent = fmt(msg.rtf, 2);
    this.budgetView.show(msg.budget || null, msg.why || "");
  }

  showCamera(camera) {
    const status = $("camera-status");
    const spec = camera.spec || "";
    status.textContent = [spec, camera.state, camera.message].filter(Boolean).join(" · ");
    status.dataset.state = camera.state || "";
    if (spec !== this.cameraSpec) {
      this.cameraSpec = spec;
      this.reelScore.reset(); // a count is of one reel's frames
      this.comparePanel.reset();
      this.selectCamera(spec);
      // Another tab (or the server) picked a source: this tab stops feeding its webcam.
      if (spec !== BROWSER_CAMERA && this.browserCamera.running) this.browserCamera.stop();
    }
  }

  onBrainError(msg) {
    // The traceback already reached the console as the code's stderr: only the summary here.
    this.console.note(msg.line ? `line ${msg.line}: ${msg.message}` : msg.message, "error");
    if (msg.line) this.editor.markError(msg.line, msg.message);
  }

  onAck(msg) {
    if (this.saveIds.delete(msg.id)) this.saved();
    if (this.cameraRequests.delete(msg.id)) this.showCameraError(null);
  }

  /** A save (or a play, which saves first) was answered: "saved" once none is pending. */
  saved() {
    if (this.saveIds.size === 0 && !this.saveTimer) {
      this.dirty = false;
      this.showSaveState("saved");
    }
  }

  onError(msg) {
    if (this.explainView.onError(msg)) return;
    const type = this.saveIds.get(msg.id);
    if (type !== undefined) {
      this.saveIds.delete(msg.id);
      // play saves the code before checking it: a syntax error or a failed start still saved it;
      // a "state" error is a save that failed (the code runs, but is not kept).
      const refused = msg.code === "protocol" || msg.code === "too_large" || msg.code === "state";
      if (type === "play" && !refused) this.saved();
      else this.showSaveState("not saved", true);
    }
    if (this.cameraRequests.has(msg.id)) {
      const previous = this.cameraRequests.get(msg.id);
      this.cameraRequests.delete(msg.id);
      this.selectCamera(previous); // the source in use is unchanged: show it, not the one that failed
      this.showCameraError(msg.message);
      return;
    }
    if (msg.code === "brain_syntax" && msg.line) this.editor.markError(msg.line, msg.message);
    const where = msg.line ? `line ${msg.line}: ` : "";
    this.console.note(`${where}${msg.message}`, "error");
  }

  onBinary(frame) {
    if (frame.kind === Kind.CAMERA_VIEW) {
      this.cameraView.showJpeg(frame.payload, frame.seq, Boolean(frame.flags & FLAG_FROM_BRAIN));
    } else if (frame.kind === Kind.MODEL_INPUT) {
      this.inputView.show(frame.payload);
    }
  }

  // -- commands -------------------------------------------------------------------------------

  /** Play, or while running with edited code, restart with it (the server stops the old run). */
  play() {
    const code = this.editor.getCode();
    if (this.brainState !== "stopped" && code === this.playedCode) {
      this.console.note("already running this code: edit it, then Ctrl+Enter restarts with the edits");
      return;
    }
    this.editor.clearErrors();
    clearTimeout(this.saveTimer);
    this.saveTimer = null;
    // play saves the code it is given, so it is also the autosave.
    const id = this.connection.send("play", { code });
    if (id === null) {
      this.console.note("not connected to the server: nothing was started; your code is kept and saved on reconnect", "error");
      return;
    }
    this.saveIds.set(id, "play");
    this.playedCode = code;
    this.showPlay();
  }

  onEdit() {
    this.scheduleSave();
    this.showPlay();
  }

  /** Play while stopped; "Restart" while running code that has been edited since. */
  showPlay() {
    const button = $("play");
    const edited = this.brainState !== "stopped" && this.editor.getCode() !== this.playedCode;
    button.disabled = this.brainState !== "stopped" && !edited;
    button.textContent = edited ? "↻ Restart" : "▶ Play";
    button.title = edited ? "Restart with the code as it is now (Ctrl+Enter)" : "Check and run the code (Ctrl+Enter)";
  }

  scheduleSave() {
    this.dirty = true;
    this.showSaveState("editing…");
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.sendSave();
    }, AUTOSAVE_DELAY_MS);
  }

  sendSave() {
    const id = this.connection.send("save_code", { code: this.editor.getCode() });
    if (id === null) {
      this.showSaveState("offline: saves when reconnected", true);
      return;
    }
    this.saveIds.set(id, "save_code");
    this.showSaveState("saving…");
  }

  flushSave() {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = null;
      this.sendSave();
    }
  }

  showSaveState(text, bad = false) {
    const el = $("save-state");
    el.textContent = text;
    el.style.color = bad ? "var(--bad)" : "";
    el.dataset.state = text;
  }

  download() {
    const blob = new Blob([this.editor.getCode()], { type: "text/x-python" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "brain.py";
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }

  async loadFile(input) {
    const file = input.files[0];
    input.value = "";
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    let text;
    try {
      if (bytes.includes(0)) throw new Error("it holds NUL bytes");
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch (err) {
      this.console.note(`${file.name} is not a Python text file (${err.message || "not UTF-8 text"}); your code is unchanged`, "error");
      return;
    }
    const current = this.editor.getCode();
    if (current.trim() && current !== text && !window.confirm(`Replace the code in the editor with ${file.name}? Save it first (⤓ Save) if you want to keep it.`)) {
      this.console.note(`${file.name} not loaded; your code is unchanged`);
      return;
    }
    this.editor.setCode(text, { save: true });
    this.console.note(`loaded ${file.name}`);
  }

  /** Switch to `spec`; if it cannot be opened the picker goes back to the source in use. */
  async setCamera(spec) {
    const previous = this.cameraSpec;
    if (spec === BROWSER_CAMERA) {
      // The browser's camera first: if it is refused, the server keeps the source it has.
      if (!(await this.browserCamera.start())) {
        this.selectCamera(previous);
        return;
      }
    } else {
      this.browserCamera.stop();
    }
    const id = this.connection.send("set_camera", { spec });
    if (id !== null) this.cameraRequests.set(id, previous);
    this.cameraView.clear();
  }

  /** A camera problem, shown on the camera card where the student looks, and in the console. */
  showCameraError(message) {
    const el = $("camera-error");
    el.hidden = !message;
    el.textContent = message || "";
    if (message) this.console.note(message, "error");
  }

  async loadCameras() {
    try {
      const answer = await this.api.cameras();
      this.fillCameras(Array.isArray(answer) ? answer : answer.sources || answer.cameras || []);
    } catch (err) {
      this.console.note(`camera list: ${err.message}`, "error");
    }
  }

  /** The picker: the server's sources, then a file path and this browser's webcam. */
  fillCameras(sources) {
    const select = $("camera-select");
    const options = sources
      .filter((s) => s && s.spec && s.spec !== BROWSER_CAMERA && !pathKind(s.spec))
      .map((s) => [s.spec, s.label || s.spec]);
    if (!options.some(([spec]) => spec === "demo")) options.push(["demo", "Demo camera (MNIST digits)"]);
    options.push(
      [FILE_CAMERA, "Video or image file…"],
      [REEL_CAMERA, "Test reel (replay with labels)…"],
      [BROWSER_CAMERA, "This browser's webcam"],
    );
    select.replaceChildren(
      ...options.map(([spec, label]) => {
        const option = document.createElement("option");
        option.value = spec;
        option.textContent = label;
        return option;
      }),
    );
    this.selectCamera(this.cameraSpec);
  }

  selectCamera(spec) {
    const select = $("camera-select");
    if (!spec) return;
    const kind = pathKind(spec);
    const value = kind || spec;
    if (![...select.options].some((o) => o.value === value)) {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = value;
      select.insertBefore(option, select.firstChild);
    }
    select.value = value;
    this.showPathField(kind, kind ? spec.slice(kind.length) : "");
  }

  /** The path field beside the picker, for a file or a reel (`kind`), or hidden (null). */
  showPathField(kind, path) {
    const field = $("camera-file");
    field.hidden = $("camera-file-open").hidden = !kind;
    if (!kind) return;
    field.placeholder = PATH_CAMERAS[kind];
    if (path || document.activeElement !== field) field.value = path;
  }

  async readPad() {
    if (this.pad.empty) return;
    const error = $("pad-error");
    try {
      const answer = await this.api.readDigit(await this.pad.toPng());
      error.hidden = true;
      this.padResult.show(answer.prediction, toProbabilities(answer));
    } catch (err) {
      error.hidden = false;
      error.textContent = err.message;
    }
  }
}

/** Sets a number input from the server unless the user is typing in it. */
/** Show the rate in effect, unless the user is typing in the field (then on leaving it). */
function setInput(id, value) {
  const input = $(id);
  if (!Number.isFinite(value)) return;
  input.dataset.value = String(Math.round(value * 100) / 100);
  if (document.activeElement === input) return;
  input.value = input.dataset.value;
}

window.exercise = new App();
