/** The two CodeMirror 6 views: the source (editable, with adgen's diagnostics inline) and the generated module. */
import { javascript } from "@codemirror/lang-javascript";
import { lintGutter, setDiagnostics, type Diagnostic as LintDiagnostic } from "@codemirror/lint";
import { EditorState, type Text } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { basicSetup } from "codemirror";
import type { Diagnostic } from "../../src/index.js";

export function sourceEditor(parent: HTMLElement, doc: string, onChange: () => void): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        basicSetup,
        javascript({ typescript: true }),
        lintGutter(),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange();
        }),
      ],
    }),
  });
}

export function outputView(parent: HTMLElement): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      extensions: [
        basicSetup,
        javascript({ typescript: true }),
        EditorState.readOnly.of(true),
        EditorView.editable.of(false),
      ],
    }),
  });
}

export function replaceDoc(view: EditorView, text: string): void {
  if (view.state.doc.toString() !== text)
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

/** Shows adgen's diagnostics at their ranges in the source. */
export function showDiagnostics(view: EditorView, diagnostics: Diagnostic[]): void {
  const doc = view.state.doc;
  const marks: LintDiagnostic[] = diagnostics.map((d) => {
    const from = offset(doc, d.line, d.column);
    const to = Math.max(offset(doc, d.endLine, d.endColumn), from);
    return { from, to, severity: "error", message: `${d.code}: ${d.message}`, source: "adgen" };
  });
  view.dispatch(setDiagnostics(view.state, marks));
}

/** A 1-based line and column as an offset in the document, clamped to it. */
function offset(doc: Text, line: number, column: number): number {
  if (line > doc.lines) return doc.length;
  const l = doc.line(Math.max(1, line));
  return Math.min(l.from + Math.max(0, column - 1), l.to);
}
