/**
 * `PyInit_<name>` now only hands CPython the definition: `return PyModuleDef_Init(&def);`. It is
 * written after the exec function with the original function's own header (return type, name,
 * brace placement), so it reads like the code around it.
 */
import { insert, replace } from '../src/edits';
import type { Transform } from '../src/transform';
import { indentationAt } from '../src/text';
import { declarationStart } from './exec-function';

export const moddefInit: Transform = {
  meta: { id: 'moddef-init', description: 'PyInit_<name> returns PyModuleDef_Init(&def)' },
  apply(ctx) {
    const { fn, def, create, directReturn, body, helperCall } = ctx.init;
    const call = `PyModuleDef_Init(&${def.name})`;
    // `return moduleinit();` in PyInit: the helper became exec, PyInit hands over the definition.
    if (helperCall) return [replace(helperCall.startIndex, helperCall.endIndex, call, this.meta.id)];
    if (!ctx.hasExec) {
      // Nothing left to execute: PyInit keeps its place and only hands over the definition.
      if (directReturn) return [replace(create.startIndex, create.endIndex, call, this.meta.id)];
      const closing = body.lastChild!;
      const indent = indentationAt(ctx.text, closing.startIndex);
      return [replace(body.startIndex + 1, closing.startIndex, `\n${indent}${ctx.indentUnit}return ${call};\n${indent}`, this.meta.id)];
    }
    const header = ctx.text.slice(declarationStart(fn), body.startIndex + 1);
    return [insert(fn.endIndex, `\n\n${header}\n${ctx.indentUnit}return ${call};\n}`, this.meta.id)];
  },
};
