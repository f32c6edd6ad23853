/**
 * The slots array: the exec function, then the two declarations every converted module makes, each
 * behind `#ifdef` of its slot macro so one source builds on CPython 3.8 through 3.14+ and under the
 * limited API. It goes right before the module definition (above any comment that belongs to it);
 * when the exec function comes later in the file, a prototype goes first.
 */
import { insert } from '../src/engine/edits';
import { GIL_MACRO, INTERPRETERS_MACRO } from '../src/engine/options';
import type { Transform, TransformContext } from '../src/engine/transform';
import { indentationAt, lineStart } from '../src/c/text';
import type { Node } from '../src/c/parse';
import { ancestors, isInside } from '../src/c/syntax';
import { Refusal } from '../src/engine/refusal';
import { replaysFirstExec } from './replay-first-exec';

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

/**
 * The limited API before 3.12 has no Py_mod_multiple_interpreters, so the `#ifdef` drops the slot,
 * and CPython 3.12+ takes a multi-phase module without it as supporting subinterpreters: a claim
 * the module has not earned when it should say not-supported (psutil builds for 3.6's limited API).
 * The slot cannot be written by number either: 3.8 to 3.11 reject an unknown slot id.
 */
function refuseUndeclarableUnderLimitedApi(ctx: TransformContext): void {
  if (ctx.options.interpreters !== 'not-supported') return;
  const limited = limitedApiVersion(ctx.text, ctx.options.defines ?? [], ctx.options.buildDefines);
  if (!limited || limited.version >= 0x030c0000) return;
  const hex = `0x${limited.version.toString(16).padStart(8, '0')}`;
  throw new Refusal(
    `the module builds for the limited API of ${limited.version >> 24}.${(limited.version >> 16) & 0xff} (Py_LIMITED_API=${hex}, ${limited.where}), which cannot declare Py_mod_multiple_interpreters, and a multi-phase module without it counts as safe in subinterpreters on CPython 3.12+: keep it single-phase until it builds for the 3.12 limited API, or pass --interpreters supported once it is isolated`,
    limited.line ?? ctx.init.entry.startPosition.row + 1,
  );
}

/** Py_LIMITED_API as the file or the build's -D defines it; a bare define means 3.2. */
function limitedApiVersion(text: string, defines: string[], build?: { defines: string[]; from: string }): { version: number; where: string; line?: number } | null {
  const parse = (value: string | undefined): number => (value === undefined || value.trim() === '' ? 0x03020000 : Number(value.trim().replace(/[uUlL]+$/, '')));
  const limited = (d: string) => /^Py_LIMITED_API(?:=(.*))?$/.exec(d);
  const fromFlag = defines.map(limited).find((m) => m);
  if (fromFlag) return { version: parse(fromFlag[1]), where: `-D ${fromFlag[0]}` };
  const fromBuild = build?.defines.map(limited).find((m) => m);
  if (fromBuild) return { version: parse(fromBuild[1]), where: `from ${build!.from}` };
  const m = /^[ \t]*#[ \t]*define[ \t]+Py_LIMITED_API\b[ \t]*([^\n/]*)/m.exec(text);
  if (!m) return null;
  const line = text.slice(0, m.index).split('\n').length;
  const version = parse(m[1]);
  return Number.isFinite(version) ? { version, where: `line ${line}`, line } : null;
}

/** The function the exec slot names: exec, or the one that replays its first run. */
function slotExec(ctx: TransformContext): string {
  return replaysFirstExec(ctx) ? ctx.names.execOnce : ctx.names.exec;
}

export function slotsArrayText(ctx: TransformContext, indent: string): string {
  const u = indent + ctx.indentUnit;
  // C++ will not convert a function pointer to void * implicitly.
  const fnRef = ctx.lang === 'cpp' ? `(void *)${slotExec(ctx)}` : slotExec(ctx);
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
  meta: { id: 'module-slots', description: 'add the PyModuleDef_Slot array: the exec function (when there is one), multiple interpreters, GIL' },
  apply(ctx) {
    refuseUndeclarableUnderLimitedApi(ctx);
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
    const prototype = replaysFirstExec(ctx)
      ? `static int ${ctx.names.execOnce}(PyObject *${ctx.names.locals.module});`
      : `static int ${ctx.names.exec}(${ctx.param.text});`;
    const prototypeText = fnBlock && !inSameBlock ? `extern "C" {\n${prototype}\n}\n\n` : `${indent}${prototype}\n\n`;
    if (prototypeAt === at) return [insert(at, prototypeText + slots, this.meta.id)];
    return [insert(prototypeAt, prototypeText, this.meta.id), insert(at, slots, this.meta.id)];
  },
};
