/**
 * Returns in the exec function: success is `return 0`, failure is `return -1`.
 *
 * - `return NULL;` (or `0`, or a cast NULL) is a failure: `return -1;`.
 * - `return PyErr_NoMemory();` and friends always return NULL: the call stays, then `return -1;`.
 * - `return m;` returns the module: success, `return 0;`.
 * - `m = NULL;` is how some inits turn a shared `return m;` into a failure. It becomes `return -1;`
 *   when the next thing that runs is that `return m;`, and simply goes when the next thing is already
 *   a failing return. When code after it reads m first, it stays, and `return m;` becomes
 *   `return m != NULL ? 0 : -1;` (see `moduleNullingsThatAreRead` in module-decrefs).
 *
 * `goto` error paths need no rule of their own: the label's block is ordinary code in the exec
 * function, so its `return NULL;` becomes `return -1;` and its `Py_DECREF(m)` goes (module-decrefs),
 * while cleanups of other objects stay. The one trap is a `goto` taken *before* the module was
 * created that lands on `return m;`: there m is still NULL, so that return was a failure, and a single
 * `return 0;` cannot serve both paths. That shape is refused (see `gotosBeforeCreate`).
 */
import { Edit, replace } from '../src/engine/edits';
import { continuation } from '../src/c/control-flow';
import type { Node } from '../src/c/parse';
import { refuse, Refusal } from '../src/engine/refusal';
import { removeStatements } from '../src/engine/removal';
import type { Transform, TransformContext } from '../src/engine/transform';
import { callArgs, calleeName, field, isIdentifier, isInside, isNullLiteral, named, ofType, same, unparen } from '../src/c/syntax';
import { indentationAt, lineOf } from '../src/c/text';
import { fileMacros } from '../src/c/macros';
import { invocationArgs } from '../src/c/macro-expansion';
import { codeMatches, nonCodeRanges } from '../src/c/non-code';
import { moduleCleanupBlocks, moduleNullingsThatAreRead, returnsAfterModuleNulling } from './module-decrefs';

/** C-API functions that set an exception and always return NULL. */
const ALWAYS_NULL = new Set([
  'PyErr_NoMemory',
  'PyErr_Format',
  'PyErr_FormatV',
  'PyErr_SetFromErrno',
  'PyErr_SetFromErrnoWithFilename',
  'PyErr_SetFromErrnoWithFilenameObject',
  'PyErr_SetFromWindowsErr',
  'PyErr_SetExcFromWindowsErr',
]);

export function returnsModule(n: Node | 'end' | 'unknown', moduleVar: string | null): boolean {
  return typeof n !== 'string' && n.type === 'return_statement' && !!moduleVar && isIdentifier(unparen(named(n)[0] ?? n), moduleVar);
}

export function returnsFailure(n: Node | 'end' | 'unknown'): boolean {
  if (typeof n === 'string' || n.type !== 'return_statement') return false;
  const value = named(n)[0];
  return !!value && (isNullLiteral(value) || ALWAYS_NULL.has(calleeName(unparen(value)) ?? ''));
}

function gotosBeforeCreate(ctx: TransformContext): void {
  const { body, create, moduleVar } = ctx.init;
  for (const g of ofType(body, 'goto_statement').filter((n) => n.endIndex <= create.startIndex)) {
    if (returnsModule(continuation(g, body), moduleVar))
      refuse(
        `this goto, taken before the module is created, ends at "return ${moduleVar};" while ${moduleVar} is still NULL; make that path return NULL explicitly, then run again`,
        g,
      );
  }
}

function rewriteReturn(ctx: TransformContext, ret: Node, id: string): Edit[] {
  const value = named(ret)[0];
  if (!value) refuse(`"return;" in PyInit_${ctx.init.name}`, ret);
  if (isNullLiteral(value)) return [replace(value.startIndex, value.endIndex, '-1', id)];
  if (ctx.init.moduleVar && isIdentifier(unparen(value), ctx.init.moduleVar)) {
    // m may be NULL here in exec too (module-decrefs' moduleNullingsThatAreRead): say which.
    const reached = returnsAfterModuleNulling(ctx);
    const nullable = reached === 'all' || reached.some((r) => same(r, ret));
    return [replace(value.startIndex, value.endIndex, nullable ? `${ctx.init.moduleVar} != NULL ? 0 : -1` : '0', id)];
  }
  const call = unparen(value);
  // `return MOD_ERROR_VAL;` / `return MOD_SUCCESS_VAL(m);` (the MOD_INIT idiom): see through the macro.
  const expanded = expandReturnMacro(ctx, call);
  if (expanded === 'failure') return [replace(value.startIndex, value.endIndex, '-1', id)];
  if (expanded === 'success') return [replace(value.startIndex, value.endIndex, '0', id)];
  if (ALWAYS_NULL.has(calleeName(call) ?? '')) {
    if (ret.parent?.type === 'compound_statement') {
      const indent = indentationAt(ctx.text, ret.startIndex);
      return [replace(ret.startIndex, ret.endIndex, `${call.text};\n${indent}return -1;`, id)];
    }
    return [replace(ret.startIndex, ret.endIndex, `{ ${call.text}; return -1; }`, id)];
  }
  refuse(`PyInit_${ctx.init.name} returns ${value.text}, which is neither the module nor NULL; convert it by hand`, ret);
}

/**
 * What a macro used as a return value stands for, when its Python 3 `#define` says: the file's own,
 * else the one in a header it includes with quotes (alsa-python's common.h).
 */
function expandReturnMacro(ctx: TransformContext, value: Node): 'failure' | 'success' | null {
  const definition = (name: string, params: number | null) => macroDefinition(ctx, name, params);
  if (value.type === 'identifier') return isNullMacro(ctx, value.text) ? 'failure' : null;
  const name = calleeName(value);
  const arg = callArgs(value)[0];
  if (name && arg && callArgs(value).length === 1 && ctx.init.moduleVar && isIdentifier(unparen(arg), ctx.init.moduleVar)) {
    const d = definition(name, 1);
    // `#define MOD_SUCCESS_VAL(val) val`
    if (d && new RegExp(`^\\(?\\s*${d.params![0]}\\s*\\)?$`).test(d.body.trim())) return 'success';
  }
  return null;
}

/** The Python 3 `#define` of `name` with `params` parameters (null: object-like), in the file or a quoted header; null when absent or defined more than one way. */
function macroDefinition(ctx: TransformContext, name: string, params: number | null) {
  for (const text of [ctx.text, ...(ctx.headers ?? []).map((h) => h.text)]) {
    const defs = fileMacros(text).filter((d) => d.name === name);
    if (defs.length === 0) continue;
    // Defined more than one way for Python 3: not this rule's to pick.
    if (defs.length > 1 || (params === null ? defs[0].params !== null : defs[0].params?.length !== params)) return null;
    return defs[0];
  }
  return null;
}

/** `MOD_ERROR_VAL` where `#define MOD_ERROR_VAL NULL`. */
function isNullMacro(ctx: TransformContext, name: string): boolean {
  const d = macroDefinition(ctx, name, null);
  return !!d && /^\(?\s*(NULL|0|nullptr)\s*\)?$/.test(d.body.trim());
}

/**
 * A replacement inside a `#define` body: where the line's continuation backslash was aligned with
 * spaces, the spaces before it make up the difference, so the backslashes stay in their column.
 */
function inDefine(text: string, at: number, len: number, by: string, id: string): Edit {
  // What follows on the line (`;`), then the aligning spaces and the backslash.
  const after = /^([^\n\\]*?)( +)\\\r?\n/.exec(text.slice(at + len));
  if (after) {
    const [, rest, spaces] = after;
    const pad = len - by.length;
    // Shorter: pad. Longer: take the padding back, keeping one space before the backslash.
    if (pad > 0) return replace(at, at + len + rest.length, by + rest + ' '.repeat(pad), id);
    if (pad < 0 && spaces.length + pad >= 1) return replace(at, at + len + rest.length - pad, by + rest, id);
  }
  return replace(at, at + len, by, id);
}

/** `m = NULL;` statements: see the header comment. */
function rewriteModuleNulling(ctx: TransformContext, id: string): Edit[] {
  const { body, moduleVar } = ctx.init;
  if (!moduleVar) return [];
  const edits: Edit[] = [];
  const cleanups = moduleCleanupBlocks(ctx);
  const assignments = ofType(body, 'assignment_expression').filter(
    (n) => isIdentifier(field(n, 'left'), moduleVar) && !ctx.vanishes(n) && !cleanups.some((c) => isInside(n, c)),
  );
  const kept = moduleNullingsThatAreRead(ctx);
  for (const a of assignments) {
    const stmt = a.parent!;
    if (kept.some((k) => same(k, stmt))) continue;
    if (!isNullLiteral(field(a, 'right')) || stmt.type !== 'expression_statement')
      refuse(`the module variable ${moduleVar} is reassigned (${a.text}); convert it by hand`, a);
    const next = continuation(stmt, body);
    if (returnsFailure(next)) edits.push(...removeStatements(ctx.text, [stmt], id));
    else if (returnsModule(next, moduleVar)) edits.push(replace(stmt.startIndex, stmt.endIndex, 'return -1;', id));
    else refuse(`${moduleVar} is set to NULL here but is not returned straight after; convert it by hand`, stmt);
  }
  return edits;
}

/**
 * Macros that return from the init: `#define INITERROR return NULL` used as `INITERROR;`, or
 * `#define INTERN(S) if (!(S = ...)) return NULL` used as `INTERN(name);`. What they return is
 * rewritten inside the `#define` (`return NULL` to `return -1`, `return m` to `return 0`), which is
 * right only when every use of the macro is in the exec function: otherwise refused, naming it.
 * Definitions on the Python 2 side of a version conditional are left alone.
 */
/**
 * Does every use of the function-like macro `name` in exec pass NULL or the module as argument `i`?
 * Read from the text: a use with no `;` after it is a stand-in in the tree (parse-view.ts).
 */
function passesOnlyNullOrModule(ctx: TransformContext, name: string, i: number): boolean {
  const { body, moduleVar } = ctx.init;
  const skip = nonCodeRanges(ctx.text);
  const uses = codeMatches(ctx.text, `\\b${name}\\s*\\(`, skip, body.startIndex, body.endIndex);
  return (
    uses.length > 0 &&
    uses.every((u) => {
      const args = invocationArgs(ctx.text, u.index + u[0].length - 1, skip)?.args;
      const arg = args?.[i]?.replace(/^\((.*)\)$/, '$1').trim();
      return arg !== undefined && (/^(NULL|0|nullptr)$/.test(arg) || (!!moduleVar && arg === moduleVar));
    })
  );
}

function rewriteReturningMacros(ctx: TransformContext, id: string): Edit[] {
  const edits: Edit[] = [];
  const { body, moduleVar } = ctx.init;
  // One from a header cannot be rewritten here (and the header has other users).
  for (const h of ctx.headerMacros ?? []) {
    const use = ofType(body, 'identifier').filter((n) => isIdentifier(n, h.name))[0];
    if (use && !fileMacros(ctx.text).some((d) => d.name === h.name))
      refuse(
        `${h.name} (a macro from "${h.header}") returns from the function it is used in, which exec cannot let it do; call what it wraps and return -1 on failure by hand`,
        use,
      );
  }
  const skip = nonCodeRanges(ctx.text);
  const macros = fileMacros(ctx.text);
  // Macros used in code between `from` and `to`, and the file's macros those use, transitively:
  // `DEC_CONST(x)` in the init reaches `ADD_ERROR` through `DEC_CONSTS_`.
  const reached = (ranges: { from: number; to: number }[]): Map<string, RegExpExecArray> => {
    const found = new Map<string, RegExpExecArray>();
    const names = new Set(macros.map((d) => d.name));
    for (const { from, to } of ranges)
      for (const m of codeMatches(ctx.text, '\\b[A-Za-z_]\\w*\\b', skip, from, to)) if (names.has(m[0]) && !found.has(m[0])) found.set(m[0], m);
    for (const queue = [...found.keys()]; queue.length; ) {
      const name = queue.pop()!;
      for (const d of macros.filter((x) => x.name === name))
        for (const w of d.body.match(/\b[A-Za-z_]\w*\b/g) ?? [])
          if (names.has(w) && !found.has(w)) {
            found.set(w, found.get(name)!);
            queue.push(w);
          }
    }
    return found;
  };
  // Uses read from the text: a use with no `;` after it is a stand-in in the tree (parse-view.ts).
  const inside = reached([{ from: body.startIndex, to: body.endIndex }]);
  const outside = reached([{ from: 0, to: body.startIndex }, { from: body.endIndex, to: ctx.text.length }]);
  const lineOfUse = (use: RegExpExecArray) => lineOf(ctx.text, use.index);
  for (const def of macros) {
    const returns = [...def.body.matchAll(/\breturn\b([^;\\]*)/g)];
    if (returns.length === 0) continue;
    const use = inside.get(def.name);
    if (!use) continue;
    if (outside.has(def.name))
      throw new Refusal(
        `the macro ${def.name} returns from the function it is used in, and is used outside PyInit_${ctx.init.name} too; give the exec function its own macro by hand`,
        lineOfUse(use),
      );
    // The macro is exec's alone now: a release of the module in it goes, as in exec's own code.
    if (moduleVar)
      for (const rel of def.body.matchAll(new RegExp(`\\bPy_(X?DECREF|CLEAR)\\s*\\(\\s*${moduleVar}\\s*\\)\\s*;`, 'g'))) {
        const at = def.bodyStart + rel.index!;
        const lineStart = ctx.text.lastIndexOf('\n', at - 1) + 1;
        const lineEnd = ctx.text.indexOf('\n', at) + 1;
        const wholeLine = /^[ \t]*$/.test(ctx.text.slice(lineStart, at)) && /^[ \t]*\\\r?\n$/.test(ctx.text.slice(at + rel[0].length, lineEnd));
        edits.push(wholeLine ? replace(lineStart, lineEnd, '', id) : replace(at, at + rel[0].length, '', id));
      }
    for (const r of returns) {
      const value = r[1].trim().replace(/^\((.*)\)$/, '$1').trim();
      const at = def.bodyStart + r.index! + r[0].indexOf(r[1]) + r[1].indexOf(r[1].trim());
      const len = r[1].trim().length;
      // Already an exec's failure (a header macro redefined for exec by expand-returning-macros).
      if (value === '-1') continue;
      if (/^(NULL|0|nullptr|\(\s*PyObject\s*\*\s*\)\s*(NULL|nullptr))$/.test(value) || (/^[A-Za-z_]\w*$/.test(value) && isNullMacro(ctx, value)))
        edits.push(inDefine(ctx.text, at, len, '-1', id));
      // A parameter first: `#define MOD_RETURN(mod) return mod;` in an init whose variable is also
      // `mod` (py-lmdb) returns whatever each use passes, NULL as well.
      else if (moduleVar && value === moduleVar && !def.params?.includes(value)) edits.push(inDefine(ctx.text, at, len, '0', id));
      else if (def.params?.includes(value) && passesOnlyNullOrModule(ctx, def.name, def.params.indexOf(value)))
        // `#define init_return(v) return v`, used as init_return(NULL) and init_return(m).
        edits.push(inDefine(ctx.text, at, len, `(${value}) ? 0 : -1`, id));
      else
        throw new Refusal(
          `the macro ${def.name} returns ${value || 'nothing'} from PyInit_${ctx.init.name}; rewrite it by hand to return -1 on failure and 0 on success`,
          lineOfUse(use),
        );
    }
  }
  return edits;
}

export const errorReturns: Transform = {
  meta: {
    id: 'error-returns',
    description: 'return NULL (directly or through a goto label) becomes return -1; return of the module becomes return 0',
  },
  apply(ctx) {
    if (!ctx.hasExec) return [];
    const id = this.meta.id;
    gotosBeforeCreate(ctx);
    const returns = ofType(ctx.init.body, 'return_statement').filter((n) => !ctx.vanishes(n) && !same(n, ctx.init.directReturn));
    return [
      ...returns.flatMap((r) => rewriteReturn(ctx, r, id)),
      ...rewriteModuleNulling(ctx, id),
      ...rewriteReturningMacros(ctx, id),
    ];
  },
};
