/**
 * `PyMODINIT_FUNC PyInit_spam(void)` becomes `static int spam_exec(PyObject *m)`: the body stays where
 * it is, so the diff shows only the lines that had to change. The parameter keeps the name and
 * spelling of the user's module variable.
 */
import { Edit, replace } from '../src/engine/edits';
import { functionName } from '../src/engine/module-init';
import { removeStatements } from '../src/engine/removal';
import type { Transform } from '../src/engine/transform';
import type { Node } from '../src/c/parse';
import { field, findAll, ofType } from '../src/c/syntax';

/**
 * Where a function's declaration starts, including an `extern "C"` written on it alone, and the
 * all-caps macros written before its return type on the same line (`PYTHON_ZSTD_VISIBILITY
 * PyMODINIT_FUNC PyInit_x(void)`: an attribute the parse view reads as blank).
 */
export function declarationStart(fn: Node): number {
  if (fn.parent?.type === 'linkage_specification') return fn.parent.startIndex;
  const text = fn.tree.rootNode.text;
  const offset = fn.tree.rootNode.startIndex;
  const lineStart = text.lastIndexOf('\n', fn.startIndex - offset - 1) + 1;
  const before = text.slice(lineStart, fn.startIndex - offset);
  const macros = /^([ \t]*)((?:[A-Z_][A-Z0-9_]*[ \t]+)+)$/.exec(before);
  return macros ? offset + lineStart + macros[1].length : fn.startIndex;
}

export const execFunction: Transform = {
  meta: { id: 'exec-function', description: 'turn the PyInit_<name> function into the static exec function' },
  apply(ctx) {
    if (!ctx.hasExec) return [];
    const { fn } = ctx.init;
    // The whole header up to the parameters' closing parenthesis: `PyInit_x(void)`, or a macro's
    // `MOD_INIT(x)`.
    const decl = field(fn, 'declarator')!;
    const type = field(fn, 'type')!;
    const nameAt = ofType(decl, 'identifier')[0] ?? decl;
    // Keep the file's layout: return type on its own line or not.
    const sep = /\n/.test(ctx.text.slice(type.endIndex, nameAt.startIndex)) ? '\n' : ' ';
    // `extern "C" PyMODINIT_FUNC PyInit_x(void)`: a static exec function cannot keep C linkage.
    const start = declarationStart(fn);
    const edits: Edit[] = [replace(start, decl.endIndex, `static int${sep}${ctx.names.exec}(${ctx.param.text})`, this.meta.id)];
    // A helper's forward declaration (`static PyObject *moduleinit(void);`) would declare a function
    // that no longer exists: it goes (the exec prototype is written where the slots need it).
    if (ctx.init.helperCall) {
      const name = functionName(fn);
      const prototypes = ctx.root.namedChildren.filter(
        (n): n is Node => !!n && n.type === 'declaration' && ofType(n, 'function_declarator').some((d) => field(d, 'declarator')?.text === name),
      );
      edits.push(...removeStatements(ctx.text, prototypes, this.meta.id));
    }
    return edits;
  },
};
