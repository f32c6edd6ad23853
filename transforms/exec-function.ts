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

/** Where a function's declaration starts, including an `extern "C"` written on it alone. */
export function declarationStart(fn: Node): number {
  return fn.parent?.type === 'linkage_specification' ? fn.parent.startIndex : fn.startIndex;
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
