/**
 * A module with per-module state (`m_size > 0`) and its own m_traverse / m_clear / m_free: CPython
 * 3.8 calls them on a multi-phase module before exec has allocated the state (the garbage collector
 * can run between create and exec; 3.9 stopped that, bpo-39824), so `GETSTATE(m)->x` reads through
 * NULL and the process crashes. Single-phase init never showed them a module without its state.
 * Each such function of this file gets a first statement that returns while the state is NULL,
 * unless it already starts with a test of its own. Functions defined elsewhere cannot be seen here
 * (the verifier's fault probe meets the crash on 3.8).
 */
import { insert } from '../src/engine/edits';
import { readInitializer } from '../src/c/initializer';
import { fileScopeFunctions, functionName } from '../src/engine/module-init';
import type { Node } from '../src/c/parse';
import type { Transform } from '../src/engine/transform';
import { field, named, parameterName, uncast, unparen } from '../src/c/syntax';
import { indentationAt } from '../src/c/text';

const HOOKS = ['m_traverse', 'm_clear', 'm_free'] as const;

/** The function named by a def field (`spam_traverse`, `(traverseproc)spam_traverse`), or null. */
function hookName(value: Node | null): string | null {
  const v = value && uncast(value);
  return v?.type === 'identifier' && v.text !== 'NULL' ? v.text : null;
}

/** Already starts with `if (... NULL ...) return ...;` or `if (!st) return ...;`: its own guard. */
function startsWithGuard(body: Node): boolean {
  const first = named(body).find((s) => s.type !== 'comment' && s.type !== 'declaration');
  if (first?.type !== 'if_statement') return false;
  const cond = field(first, 'condition')?.text ?? '';
  const then = field(first, 'consequence');
  return /\bNULL\b|!/.test(cond) && !!then && /^\{?\s*return\b/.test(then.text);
}

/** Is m_size a positive size (`sizeof(...)`, a non-zero number, a name)? Only then is there state. */
function hasState(size: Node | null): boolean {
  if (!size) return false;
  const u = unparen(size);
  if (u.type === 'number_literal') return Number.parseInt(u.text, 0 || undefined) > 0;
  return !(u.type === 'unary_expression' && u.text.startsWith('-'));
}

export const stateNullGuard: Transform = {
  meta: { id: 'state-null-guard', description: 'm_traverse/m_clear/m_free return early while the module state is NULL (CPython 3.8 calls them before exec)' },
  apply(ctx) {
    const def = readInitializer(ctx.init.def.initList);
    if (!hasState(def.value('m_size'))) return [];
    const functions = new Map(fileScopeFunctions(ctx.root).map((f) => [functionName(f), f]));
    const edits = [];
    const done = new Set<string>();
    for (const hook of HOOKS) {
      const name = hookName(def.value(hook));
      const fn = name ? functions.get(name) : undefined;
      const body = fn && field(fn, 'body');
      const param = fn && parameterName(fn, 0);
      if (!name || !body || !param || done.has(name) || startsWithGuard(body)) continue;
      done.add(name);
      // After the leading declarations (C89 style stays C89), unless one of them reads the state.
      const statements = named(body).filter((s) => s.type !== 'comment');
      const leading = statements.slice(0, statements.findIndex((s) => s.type !== 'declaration') >>> 0);
      const after = leading.length && !leading.some((d) => d.text.includes('->')) ? leading[leading.length - 1].endIndex : body.startIndex + 1;
      const first = statements[0];
      const indent = first ? indentationAt(ctx.text, first.startIndex) : indentationAt(ctx.text, fn.startIndex) + ctx.indentUnit;
      const module = hook === 'm_free' ? `(PyObject *)${param}` : param;
      const value = hook === 'm_free' ? '' : ' 0';
      edits.push(
        insert(
          after,
          `\n${indent}if (PyModule_GetState(${module}) == NULL)  /* CPython 3.8 calls this before exec */\n${indent}${ctx.indentUnit}return${value};`,
          this.meta.id,
        ),
      );
    }
    return edits;
  },
};
