// Everything the page needs from CodeMirror 6, re-exported from one module so that
// build.mjs can bundle it into static/vendor/codemirror.js (no npm or CDN at run time).
export { Annotation, EditorState, StateEffect, StateField, Compartment } from "@codemirror/state";
export {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, Decoration, gutter, GutterMarker,
} from "@codemirror/view";
export { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
export {
  syntaxHighlighting, defaultHighlightStyle, indentOnInput, bracketMatching, foldGutter, indentUnit,
} from "@codemirror/language";
export { python } from "@codemirror/lang-python";
export { linter, lintGutter, setDiagnostics, forEachDiagnostic } from "@codemirror/lint";
export { searchKeymap, highlightSelectionMatches } from "@codemirror/search";
export { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
