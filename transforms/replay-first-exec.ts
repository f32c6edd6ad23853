/**
 * Keeping import behaviour: CPython ran a single-phase init with a negative `m_size` once per
 * process, kept a copy of the module's dict, and gave every later module (a re-import after
 * `del sys.modules[...]`, a legacy subinterpreter) a copy of it: the same objects, init not run
 * again. When exec touches process-global state (see `secondExec` in once-per-process.ts), the
 * conversion does the same: the exec slot names a small function written after exec, which runs
 * exec's body the first time and remembers what it added (the keys it added or replaced: not the
 * import system's `__name__`, `__spec__`, ...), and gives later modules those attributes. A failed
 * first exec remembers nothing, so a later import tries again, as a failed single-phase init did.
 */
import { insert } from '../src/engine/edits';
import type { Transform, TransformContext } from '../src/engine/transform';
import { blockComment, secondExec } from './once-per-process';

/** Whether the exec slot names the replaying function rather than exec itself. */
export function replaysFirstExec(ctx: TransformContext): boolean {
  return secondExec(ctx)?.kind === 'replay';
}

function replayingFunction(ctx: TransformContext, reason: string): string {
  const u = ctx.indentUnit;
  const { exec, execOnce, first } = ctx.names;
  const { module, dict, before, key, value, pos } = ctx.names.locals;
  return (
    `\n\n${blockComment(reason)}static PyObject *${first} = NULL;\n\n` +
    `static int\n${execOnce}(PyObject *${module})\n{\n` +
    `${u}PyObject *${dict} = PyModule_GetDict(${module});\n` +
    `${u}PyObject *${before}, *${key}, *${value};\n` +
    `${u}Py_ssize_t ${pos} = 0;\n\n` +
    `${u}if (${first} != NULL)\n` +
    `${u}${u}return PyDict_Update(${dict}, ${first});\n` +
    `${u}${before} = PyDict_Copy(${dict});\n` +
    `${u}if (${before} == NULL)\n` +
    `${u}${u}return -1;\n` +
    // An exception exec left set while returning 0 (an unchecked call in the original) fails here,
    // before the dict is walked with it pending; CPython would have raised SystemError for it anyway.
    `${u}if (${exec}(${module}) < 0 || PyErr_Occurred()) {\n` +
    `${u}${u}Py_DECREF(${before});\n` +
    `${u}${u}return -1;\n` +
    `${u}}\n` +
    `${u}/* Remember what exec added or replaced, not the import system's __name__, __spec__, ... */\n` +
    `${u}${first} = PyDict_New();\n` +
    `${u}while (${first} != NULL && PyDict_Next(${dict}, &${pos}, &${key}, &${value})) {\n` +
    `${u}${u}if (PyDict_GetItem(${before}, ${key}) != ${value} && PyDict_SetItem(${first}, ${key}, ${value}) < 0)\n` +
    `${u}${u}${u}Py_CLEAR(${first});\n` +
    `${u}}\n` +
    `${u}Py_DECREF(${before});\n` +
    `${u}return ${first} != NULL ? 0 : -1;\n` +
    `}`
  );
}

export const replayFirstExec: Transform = {
  meta: {
    id: 'replay-first-exec',
    description: 'a module with process-global state runs exec once; later execs get its attributes, as CPython did for the single-phase original',
  },
  apply(ctx) {
    const second = secondExec(ctx);
    if (second?.kind !== 'replay') return [];
    // Right after exec, which it calls; the exec slot and its prototype name it (module-slots).
    return [insert(ctx.init.fn.endIndex, replayingFunction(ctx, second.reason), this.meta.id)];
  },
};
