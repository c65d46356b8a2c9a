// The code editor: CodeMirror 6 with Python highlighting, line numbers, and the pre-run
// check's errors shown at their lines.

import {
  Annotation, EditorState, EditorView, closeBrackets, closeBracketsKeymap, defaultKeymap,
  drawSelection, highlightActiveLine, highlightActiveLineGutter, highlightSelectionMatches,
  history, historyKeymap, indentOnInput, indentUnit, indentWithTab, keymap, lineNumbers, lintGutter,
  python, searchKeymap, setDiagnostics, syntaxHighlighting, defaultHighlightStyle, bracketMatching,
} from "../vendor/codemirror.js";

/** Marks transactions the page made itself (load from server): they are not autosaved. */
const fromServer = Annotation.define();

export class CodeEditor {
  /**
   * Mounts an editor in `parent`. `onUserEdit(code)` is called after every change the
   * user typed (not after setCode); the caller debounces the autosave. `onRun()` is
   * called for Ctrl+Enter (Cmd+Enter on a Mac), which would otherwise insert a line.
   */
  constructor(parent, onUserEdit, onRun) {
    this.onUserEdit = onUserEdit;
    this.hasErrors = false;
    // Tab indents only once the student is editing (clicked in, or typed since arriving);
    // arriving by Tab, the next Tab moves on instead of indenting line 1. Esc stops editing.
    this.editing = false;
    const tab = (indent) => (view) => this.editing && indent(view);
    this.view = new EditorView({
      parent,
      state: EditorState.create({
        doc: "",
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          lintGutter(),
          history(),
          drawSelection(),
          indentOnInput(),
          indentUnit.of("    "),
          bracketMatching(),
          closeBrackets(),
          highlightActiveLine(),
          highlightSelectionMatches(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          python(),
          keymap.of([
            { key: "Mod-Enter", run: () => { onRun(); return true; }, preventDefault: true },
            { key: "Tab", run: tab(indentWithTab.run), shift: tab(indentWithTab.shift) },
            ...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...searchKeymap]),
          EditorView.updateListener.of((update) => this.changed(update)),
          EditorView.contentAttributes.of({ "aria-label": "Brain code (Python)" }),
        ],
      }),
    });
    // Seen before CodeMirror's own handlers (capture), whatever its keymaps do with the key.
    const content = this.view.contentDOM;
    content.addEventListener("mousedown", () => { this.editing = true; }, true);
    content.addEventListener("blur", () => { this.editing = false; });
    content.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.editing = false;
      else if (!["Tab", "Shift", "Control", "Alt", "Meta"].includes(event.key)) this.editing = true;
    }, true);
  }

  /** The code in the editor. */
  getCode() {
    return this.view.state.doc.toString();
  }

  /** Replaces the code (from the server or a loaded file) without triggering an autosave. */
  setCode(code, { save = false } = {}) {
    if (code === this.getCode()) return;
    this.view.dispatch({
      changes: { from: 0, to: this.view.state.doc.length, insert: code },
      annotations: save ? [] : [fromServer.of(true)],
    });
    this.clearErrors();
  }

  /**
   * Shows an error at a 1-based line (the pre-run check's syntax error, or the line a
   * running brain raised at): a red diagnostic in the gutter and underline on the line.
   */
  markError(line, message) {
    const doc = this.view.state.doc;
    if (!Number.isInteger(line) || line < 1 || line > doc.lines) return false;
    const target = doc.line(line);
    this.view.dispatch(
      setDiagnostics(this.view.state, [
        { from: target.from, to: Math.max(target.to, target.from), severity: "error", message, source: "brain" },
      ]),
    );
    this.view.dispatch({ effects: EditorView.scrollIntoView(target.from, { y: "center" }) });
    this.hasErrors = true;
    return true;
  }

  clearErrors() {
    this.hasErrors = false;
    this.view.dispatch(setDiagnostics(this.view.state, []));
  }

  changed(update) {
    if (!update.docChanged) return;
    if (update.transactions.some((tr) => tr.annotation(fromServer))) return;
    // The user's edit makes an old error marker stale; an update listener may not
    // dispatch, so the clearing waits for the current update to finish.
    if (this.hasErrors) queueMicrotask(() => this.clearErrors());
    this.onUserEdit(this.getCode());
  }
}
