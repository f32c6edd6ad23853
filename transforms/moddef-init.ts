/**
 * `PyInit_<name>` now only hands CPython the definition: `return PyModuleDef_Init(&def);`. It is
 * written after the exec function with the original function's own header (return type, name,
 * brace placement), so it reads like the code around it.
 */
import { insert, replace } from '../src/edits';
import type { Transform } from '../src/transform';
import { field } from '../src/syntax';

export const moddefInit: Transform = {
  meta: { id: 'moddef-init', description: 'PyInit_<name> returns PyModuleDef_Init(&def)' },
  apply(ctx) {
    const { fn, def, create } = ctx.init;
    const call = `PyModuleDef_Init(&${def.name})`;
    if (!ctx.hasExec) return [replace(create.startIndex, create.endIndex, call, this.meta.id)];
    const body = field(fn, 'body')!;
    const header = ctx.text.slice(fn.startIndex, body.startIndex + 1);
    return [insert(fn.endIndex, `\n\n${header}\n${ctx.indentUnit}return ${call};\n}`, this.meta.id)];
  },
};
