/**
 * The slots array: the exec function, then the two declarations every converted module makes, each
 * behind `#ifdef` of its slot macro so one source builds on CPython 3.8 through 3.14+ and under the
 * limited API. It goes right before the module definition (above any comment that belongs to it);
 * when the exec function comes later in the file, a prototype goes first.
 */
import { insert } from '../src/edits';
import { GIL_MACRO, INTERPRETERS_MACRO } from '../src/options';
import type { Transform, TransformContext } from '../src/transform';
import { indentationAt, lineStart } from '../src/text';
import type { Node } from '../src/parse';
import { ancestors, isInside } from '../src/syntax';

/** Where to insert before `decl`: above the comment lines directly attached to it. */
export function insertionPointBefore(ctx: TransformContext, decl: Node): number {
  let top: Node = decl;
  for (let prev = decl.previousSibling; prev?.type === 'comment'; prev = prev.previousSibling) {
    const gap = ctx.text.slice(prev.endIndex, top.startIndex);
    if ((gap.match(/\n/g) ?? []).length > 1) break;
    top = prev;
  }
  return lineStart(ctx.text, top.startIndex);
}

export function slotsArrayText(ctx: TransformContext, indent: string): string {
  const u = indent + ctx.indentUnit;
  // C++ will not convert a function pointer to void * implicitly.
  const fnRef = ctx.lang === 'cpp' ? `(void *)${ctx.names.exec}` : ctx.names.exec;
  const lines = [`${indent}static PyModuleDef_Slot ${ctx.names.slots}[] = {`];
  if (ctx.hasExec) lines.push(`${u}{Py_mod_exec, ${fnRef}},`);
  lines.push(
    `#ifdef Py_mod_multiple_interpreters`,
    `${u}{Py_mod_multiple_interpreters, ${INTERPRETERS_MACRO[ctx.options.interpreters]}},`,
    `#endif`,
    `#ifdef Py_mod_gil`,
    `${u}{Py_mod_gil, ${GIL_MACRO[ctx.gil]}},`,
    `#endif`,
    `${u}{0, NULL}`,
    `${indent}};`,
  );
  return lines.join('\n') + '\n';
}

export const moduleSlots: Transform = {
  meta: { id: 'module-slots', description: 'add the PyModuleDef_Slot array: exec, multiple interpreters, GIL' },
  apply(ctx) {
    const decl = ctx.init.def.declaration;
    const at = insertionPointBefore(ctx, decl);
    const indent = indentationAt(ctx.text, decl.startIndex);
    const execComesLater = ctx.hasExec && ctx.init.fn.startIndex > decl.startIndex;
    const slots = slotsArrayText(ctx, indent) + '\n';
    if (!execComesLater) return [insert(at, slots, this.meta.id)];
    // C++: a definition inside a namespace or an extern "C" block sees a prototype written before
    // that block, while one written inside it would declare a different (never defined) function.
    const enclosing = ancestors(decl)
      .filter((a) => a.type === 'namespace_definition' || a.type === 'linkage_specification')
      .pop();
    const prototypeAt = enclosing && !isInside(ctx.init.fn, enclosing) ? insertionPointBefore(ctx, enclosing) : at;
    // An exec defined inside `extern "C" { ... }` has C linkage: its prototype must say so too.
    const fnBlock = ancestors(ctx.init.fn).find((a) => a.type === 'linkage_specification');
    const inSameBlock = fnBlock && fnBlock.startIndex <= prototypeAt && prototypeAt < fnBlock.endIndex;
    const prototype = `static int ${ctx.names.exec}(${ctx.param.text});`;
    const prototypeText = fnBlock && !inSameBlock ? `extern "C" {\n${prototype}\n}\n\n` : `${indent}${prototype}\n\n`;
    if (prototypeAt === at) return [insert(at, prototypeText + slots, this.meta.id)];
    return [insert(prototypeAt, prototypeText, this.meta.id), insert(at, slots, this.meta.id)];
  },
};
