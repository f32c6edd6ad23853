/**
 * `PyMODINIT_FUNC PyInit_spam(void)` becomes `static int spam_exec(PyObject *m)`: the body stays where
 * it is, so the diff shows only the lines that had to change. The parameter keeps the name and
 * spelling of the user's module variable.
 */
import { replace } from '../src/edits';
import type { Transform } from '../src/transform';
import { field } from '../src/syntax';

export const execFunction: Transform = {
  meta: { id: 'exec-function', description: 'turn the PyInit_<name> function into the static exec function' },
  apply(ctx) {
    if (!ctx.hasExec) return [];
    const { fn } = ctx.init;
    let decl = field(fn, 'declarator')!;
    while (decl.type !== 'function_declarator') decl = field(decl, 'declarator')!;
    const type = field(fn, 'type')!;
    // Keep the file's layout: return type on its own line or not.
    const nameNode = field(decl, 'declarator')!;
    const sep = /\n/.test(ctx.text.slice(type.endIndex, nameNode.startIndex)) ? '\n' : ' ';
    return [replace(fn.startIndex, decl.endIndex, `static int${sep}${ctx.names.exec}(${ctx.param.text})`, this.meta.id)];
  },
};
