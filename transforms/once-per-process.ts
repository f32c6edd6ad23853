/**
 * numpy's once-per-process guard (the opt-out the isolating-extensions howto documents): a static
 * flag checked at the top of exec, so that a second exec in the same process (re-import after
 * `del sys.modules[...]`, a legacy subinterpreter) raises ImportError instead of re-running code
 * that clobbers process-global state. It is added when asked for (`--once-per-process always`) or
 * when the module needs it for a reason the tool names (see `secondExec`); by default a module with
 * process-global state replays its first exec instead (replay-first-exec.ts), as CPython did for
 * the single-phase original. The comment above the flag says why, so the diff explains itself.
 */
import { insert } from '../src/engine/edits';
import type { Transform, TransformContext } from '../src/engine/transform';
import { lineStart } from '../src/c/text';
import { field, named, same, unparen } from '../src/c/syntax';
import { constantValue } from './m-size';
import { readInitializer } from '../src/c/initializer';
import type { Node } from '../src/c/parse';
import { insertionPointBefore } from './module-slots';

/**
 * What a second exec in one process does (a re-import after `del sys.modules[...]`, a legacy
 * subinterpreter), and why, in one sentence for the comment above the code:
 * - `guard`: it raises ImportError. Asked for (`--once-per-process always`), or needed for a reason
 *   the tool names: functions that found the module with PyState_FindModule now use one
 *   process-wide reference to it.
 * - `replay`: the default when exec touches process-global state and the original's `m_size` was
 *   negative. CPython ran such a single-phase init once and gave every later module a copy of its
 *   dict; replay-first-exec.ts does the same (the body runs once, later execs get its attributes).
 * - null: nothing to add. Exec sets up no process-global state, or the original's `m_size` was >= 0
 *   (CPython ran that init again on every import, as exec now runs again), or `never`.
 */
export type SecondExec = { kind: 'guard' | 'replay'; reason: string } | null;

export function secondExec(ctx: TransformContext): SecondExec {
  const choice = ctx.options.oncePerProcess ?? 'auto';
  if (!ctx.hasExec || choice === 'never') return null;
  if (ctx.moduleRefUsers?.length) {
    const users = [...new Set(ctx.moduleRefUsers.map((u) => u.name))];
    const one = users.length === 1;
    return {
      kind: 'guard',
      reason:
        `Exec refuses to run twice in one process: ${users.join(', ')} ${one ? 'finds' : 'find'} the module through ` +
        `${ctx.names.module}, a reference to the one module this process loads (${one ? 'it' : 'they'} used PyState_FindModule).`,
    };
  }
  if (choice === 'always') return { kind: 'guard', reason: 'Exec refuses to run twice in one process, as requested (--once-per-process always).' };
  const names = [...new Set(ctx.audit.touched.map((t) => t.name))];
  // numpy's import_array()/import_umath() and datetime's PyDateTime_IMPORT fill a static C-API
  // pointer in the file. Run again in a legacy subinterpreter, they point it at objects that die
  // with that interpreter (udatetime crashed on 3.13), or numpy refuses to import at all.
  if (/\b(import_array|import_umath|import_ufunc)\w*\s*\(|\bPy(Array|UFunc)_Import\w*\s*\(/.test(ctx.init.body.text)) names.push("numpy's C-API table (import_array)");
  if (/\bPyDateTime_IMPORT\b/.test(ctx.init.body.text)) names.push("datetime's C-API pointer (PyDateTime_IMPORT)");
  if (!names.length || !originalSizeNegative(ctx)) return null;
  return {
    kind: 'replay',
    reason:
      `A re-import or a legacy subinterpreter runs exec again; CPython ran the single-phase init once per ` +
      `process and gave each later module a copy of its attributes. Exec uses ${namesList(names)}, ` +
      `process-global state a second run would overwrite: so the body runs once, and later modules get the same objects.`,
  };
}

/** The first names, and how many more: a comment in the user's file names a few, not every global. */
function namesList(names: string[]): string {
  const SHOWN = 6;
  return names.length <= SHOWN + 1 ? names.join(', ') : `${names.slice(0, SHOWN).join(', ')} and ${names.length - SHOWN} more`;
}

/** Why the guard is added (one sentence), or null when it is not. */
export function guardReason(ctx: TransformContext): string | null {
  const s = secondExec(ctx);
  return s?.kind === 'guard' ? s.reason : null;
}

/**
 * Was the original's `m_size` negative (CPython then ran init once per process)? A missing entry is
 * 0, a `sizeof` is positive; a value m-size cannot read is refused there, so it counts as negative.
 */
function originalSizeNegative(ctx: TransformContext): boolean {
  const size = readInitializer(ctx.init.def.initList).value('m_size');
  if (!size) return false;
  if (unparen(size).type === 'sizeof_expression') return false;
  const value = constantValue(size, ctx.text);
  return value === null || value < 0;
}

/** The file-scope construct holding `n` (its function, or the extern "C" block around it). */
function topLevel(n: Node): Node {
  let top = n;
  while (top.parent && top.parent.type !== 'translation_unit') top = top.parent;
  return top;
}

/** A block comment wrapped to about 78 columns. */
export function blockComment(sentence: string): string {
  const lines: string[] = [];
  let current = '';
  for (const word of sentence.split(/\s+/)) {
    if (current && current.length + word.length + 1 > 74) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  lines.push(current);
  return lines.map((l, i) => (i === 0 ? `/* ${l}` : ` * ${l}`)).join('\n') + ' */\n';
}

/** Where the check goes: after the leading declarations (C89), before the first statement that stays. */
function checkPoint(ctx: TransformContext): number {
  // C89 declarations come first, also those under `#ifdef` (a preprocessor block of declarations).
  const isDeclarations = (s: Node): boolean =>
    s.type === 'declaration' ||
    (/^preproc_(if|ifdef)$/.test(s.type) &&
      named(s).every((c) => c.type === 'declaration' || same(c, field(s, 'name')) || same(c, field(s, 'condition')) || (/^preproc_(else|elif)$/.test(c.type) && isDeclarations(c)))) ||
    (/^preproc_(else|elif)$/.test(s.type) && named(s).every((c) => c.type === 'declaration' || same(c, field(s, 'condition'))));
  // A rewritten create (`other = m;`, `mod_global = module;`) stays a statement: the check goes
  // above it, or a refused second exec would already have repointed the global.
  const statements = named(ctx.init.body).filter((s) => !ctx.vanishes(s) || ctx.init.rewrites.some((r) => same(r.node, s)));
  const first = statements.find((s) => !isDeclarations(s));
  if (!first) return ctx.init.body.lastChild!.startIndex;
  // Above the comment that introduces the statement, not between them.
  let top: Node = first;
  for (let prev = first.previousSibling; prev?.type === 'comment'; prev = prev.previousSibling) {
    if ((ctx.text.slice(prev.endIndex, top.startIndex).match(/\n/g) ?? []).length > 1) break;
    // A comment at the end of the statement before (`return NULL; /* ... */`) belongs to that one.
    if (!/^[ \t]*$/.test(ctx.text.slice(lineStart(ctx.text, prev.startIndex), prev.startIndex))) break;
    top = prev;
  }
  return lineStart(ctx.text, top.startIndex);
}

export const oncePerProcess: Transform = {
  meta: { id: 'once-per-process', description: 'refuse a second exec in one process when the module keeps process-global state' },
  apply(ctx) {
    const reason = guardReason(ctx);
    if (!reason) return [];
    const flag = ctx.names.loaded;
    const u = ctx.indentUnit;
    const declaration = blockComment(reason) + `static int ${flag} = 0;\n\n`;
    const ref = ctx.moduleRefUsers?.length ? ctx.names.module : null;
    const check =
      `${u}if (${flag}) {\n` +
      `${u}${u}PyErr_SetString(PyExc_ImportError,\n` +
      `${u}${u}                "cannot load module more than once per process");\n` +
      `${u}${u}return -1;\n` +
      `${u}}\n` +
      `${u}${flag} = 1;\n` +
      // A strong reference, as PyState_AddModule's was: the module lives as long as the process.
      (ref ? `${u}Py_INCREF(${ctx.param.name});\n${u}${ref} = ${ctx.param.name};\n` : '') +
      '\n';
    const fnStart = insertionPointBefore(ctx, ctx.init.fn);
    const edits = [insert(fnStart, declaration, this.meta.id), insert(checkPoint(ctx), check, this.meta.id)];
    if (ref) {
      // Declared before the first function that uses it, which may come long before exec.
      const first = [...ctx.moduleRefUsers!].sort((a, b) => a.fn.startIndex - b.fn.startIndex)[0].fn;
      const at = Math.min(insertionPointBefore(ctx, topLevel(first)), fnStart);
      const declare = `/* The module, for functions that have no module at hand (they used PyState_FindModule). */\nstatic PyObject *${ref} = NULL;\n\n`;
      if (at === fnStart) edits[0] = insert(fnStart, declare + declaration, this.meta.id);
      else edits.push(insert(at, declare, this.meta.id));
    }
    return edits;
  },
};
