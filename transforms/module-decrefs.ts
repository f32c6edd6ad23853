/**
 * The module passed to exec is borrowed: `Py_DECREF(m)`, `Py_XDECREF(m)` and `Py_CLEAR(m)` go
 * (a DECREF there frees the module under the import machinery's feet). Cleanups of other objects stay.
 * A file-scope module variable (hiredis, xxtea) is the exception: exec takes a reference for it.
 * `Py_CLEAR(m)` also sets m to NULL, so where it leads straight to `return m;` it becomes the
 * failing `return -1;` instead, and where later code reads m it becomes `m = NULL;` (see
 * `moduleNullingsThatAreRead`).
 */
import { Edit, replace } from '../src/engine/edits';
import { continuation } from '../src/c/control-flow';
import type { Node } from '../src/c/parse';
import { refuse } from '../src/engine/refusal';
import { removeStatements } from '../src/engine/removal';
import type { Transform, TransformContext } from '../src/engine/transform';
import { callArgs, calleeName, field, isIdentifier, isInside, isNullLiteral, isPure, named, nextStatement, ofType, same, unparen } from '../src/c/syntax';
import { returnsModule } from './error-returns';

const RELEASES = new Set(['Py_DECREF', 'Py_XDECREF', 'Py_CLEAR', 'Py_DecRef', 'Py_XDecRef']);

/** The calls in `scope` that release `variable`: `Py_DECREF(m)`, `Py_XDECREF((m))`, `Py_CLEAR(m)`. */
export function releasesOf(scope: Node, variable: string): Node[] {
  return ofType(scope, 'call_expression').filter((n) => RELEASES.has(calleeName(n) ?? '') && isIdentifier(unparen(callArgs(n)[0] ?? n), variable));
}

/**
 * What goes when the release statement `stmt` goes: the statement itself (in a block, a
 * preprocessor branch, or under a label that moves onto the next statement), or the `if` whose
 * pure condition it is the whole body of (`if (m) Py_DECREF(m);`). Null when neither can go.
 */
export function releaseRemoval(stmt: Node): Node | null {
  const parent = stmt.parent!;
  if (parent.type === 'compound_statement' || parent.type.startsWith('preproc_')) return stmt;
  if (parent.type === 'labeled_statement' && nextStatement(parent)) return stmt;
  if (parent.type === 'if_statement' && !field(parent, 'alternative') && isPure(field(parent, 'condition')!)) return parent;
  return null;
}

/**
 * `if (m != NULL) { Py_DECREF(m); m = NULL; }` on an error path, with no `return m;` after it: the
 * whole block only released the module, so it goes whole (rather than leaving an empty `if`).
 */
const cleanupBlocks = new WeakMap<TransformContext, Node[]>();

export function moduleCleanupBlocks(ctx: TransformContext): Node[] {
  // Asked by both this rule and error-returns for the same conversion.
  let found = cleanupBlocks.get(ctx);
  if (!found) cleanupBlocks.set(ctx, (found = findCleanupBlocks(ctx)));
  return found;
}

function findCleanupBlocks(ctx: TransformContext): Node[] {
  const { body, moduleVar } = ctx.init;
  // A file-scope module variable must end up NULL where the original's did (module-decrefs keeps
  // its clears), so its cleanup blocks are not removed whole.
  if (!moduleVar || !ctx.hasExec || ctx.init.globalModule) return [];
  const releasesOrNulls = (st: Node) => {
    if (st.type !== 'expression_statement') return false;
    const e = named(st)[0];
    if (!e) return false;
    if (e.type === 'call_expression') return RELEASES.has(calleeName(e) ?? '') && isIdentifier(unparen(callArgs(e)[0] ?? e), moduleVar);
    return e.type === 'assignment_expression' && isIdentifier(field(e, 'left'), moduleVar) && isNullLiteral(field(e, 'right'));
  };
  const returnsM = ofType(body, 'return_statement').filter((r) => returnsModule(r, moduleVar));
  return ofType(body, 'if_statement').filter((i) => {
    if (field(i, 'alternative') || ctx.vanishes(i)) return false;
    const cond = field(i, 'condition')!;
    const ids = ofType(cond, 'identifier').filter((n) => n.text !== 'NULL');
    if (!isPure(cond) || ids.length !== 1 || ids[0].text !== moduleVar) return false;
    const then = field(i, 'consequence')!;
    const stmts = then.type === 'compound_statement' ? named(then) : [then];
    return stmts.length > 0 && stmts.every(releasesOrNulls) && !returnsM.some((r) => r.startIndex > i.startIndex);
  });
}

/**
 * `Py_CLEAR(m)` and `m = NULL;` set m to NULL, and the code after them may test that (pycrypto:
 * `errout: Py_CLEAR(m); goto out;` ... `out: if (m == NULL && !PyErr_Occurred()) ...; return m;`).
 * Removing the clear would leave m the module on that path, and it would return 0 with an
 * exception set. So where anything that runs after such a statement (up to a return) reads m, exec
 * keeps m NULL there as the original did: `Py_CLEAR(m);` becomes `m = NULL;` (exec does not own
 * the module, the import machinery drops it on failure), and every `return m;` becomes
 * `return m != NULL ? 0 : -1;` (error-returns). These are those statements; for a file-scope
 * module variable (hiredis' `mod_hiredis`), which other functions read later, all of them.
 */
const nullingsRead = new WeakMap<TransformContext, Node[]>();

export function moduleNullingsThatAreRead(ctx: TransformContext): Node[] {
  // Asked by both this rule and error-returns for the same conversion.
  let found = nullingsRead.get(ctx);
  if (!found) nullingsRead.set(ctx, (found = findNullingsThatAreRead(ctx)));
  return found;
}

function findNullingsThatAreRead(ctx: TransformContext): Node[] {
  const { body, moduleVar } = ctx.init;
  if (!moduleVar || !ctx.hasExec) return [];
  const cleanups = moduleCleanupBlocks(ctx);
  const clears = releasesOf(body, moduleVar)
    .filter((c) => calleeName(c) === 'Py_CLEAR' && c.parent?.type === 'expression_statement')
    .map((c) => c.parent!);
  const assignments = ofType(body, 'assignment_expression')
    .filter((a) => isIdentifier(field(a, 'left'), moduleVar) && isNullLiteral(field(a, 'right')) && a.parent?.type === 'expression_statement')
    .map((a) => a.parent!);
  // A file-scope module variable is read by other functions too, later: every clear stays a clear.
  const global = !!ctx.init.globalModule;
  return [...clears, ...assignments].filter(
    (stmt) =>
      !ctx.vanishes(stmt) &&
      !cleanups.some((c) => isInside(stmt, c)) &&
      reachableInExec(ctx, stmt) &&
      (global || (!returnsModule(continuation(stmt, body), moduleVar) && readAfter(stmt, body, moduleVar))),
  );
}

/**
 * The `return m;` statements that a path through one of those statements reaches; 'all' when a
 * path cannot be followed (a jump inside a conditional): then every one may see m NULL.
 */
export function returnsAfterModuleNulling(ctx: TransformContext): Node[] | 'all' {
  const out: Node[] = [];
  for (const stmt of moduleNullingsThatAreRead(ctx)) {
    const { end } = pathAfter(stmt, ctx.init.body);
    if (end === 'unknown') return 'all';
    if (end !== 'end') out.push(end);
  }
  return out;
}

/**
 * What runs after `stmt` up to a return: the statements, and how the path ends (that return, the
 * end of the body, or 'unknown' when it cannot be followed or runs on past 50 statements).
 */
function pathAfter(stmt: Node, body: Node): { runs: Node[]; end: Node | 'end' | 'unknown' } {
  const runs: Node[] = [];
  let at: Node = stmt;
  for (let step = 0; step < 50; step++) {
    const next = continuation(at, body);
    if (next === 'end' || next === 'unknown' || next.type === 'return_statement') return { runs, end: next };
    runs.push(next);
    at = next;
  }
  return { runs, end: 'unknown' };
}

/**
 * May anything that runs after `stmt`, up to a return, read the module variable? Yes when the path
 * cannot be followed (a jump inside a conditional): keeping `m = NULL;` is always what the
 * original did, removing it is only tidier.
 */
function readAfter(stmt: Node, body: Node, moduleVar: string): boolean {
  const { runs, end } = pathAfter(stmt, body);
  const reads = (n: Node) => {
    const scope = n.type === 'labeled_statement' ? named(n)[named(n).length - 1] ?? n : n;
    return ofType(scope, 'identifier').some((id) => id.text === moduleVar);
  };
  return end === 'unknown' || runs.some(reads);
}

/** Is `cond` true only when the module variable is NULL (`m == NULL`, `!m`, `!m && ...`)? */
function onlyWhenNull(cond: Node, moduleVar: string): boolean {
  const c = unparen(cond);
  if (c.type === 'binary_expression' && field(c, 'operator')?.text === '&&') return onlyWhenNull(field(c, 'left')!, moduleVar) || onlyWhenNull(field(c, 'right')!, moduleVar);
  if (c.type === 'unary_expression' && c.text.startsWith('!')) return isIdentifier(unparen(field(c, 'argument')!), moduleVar);
  if (c.type === 'binary_expression' && field(c, 'operator')?.text === '==') {
    const [l, r] = [unparen(field(c, 'left')!), unparen(field(c, 'right')!)];
    return (isIdentifier(l, moduleVar) && isNullLiteral(r)) || (isIdentifier(r, moduleVar) && isNullLiteral(l));
  }
  return false;
}

/**
 * Can exec reach the statement at all? An error label reached only from the create's NULL check
 * (gone with the create) or from an `if (m == NULL ...)` (never true in exec), and not by falling
 * through, is dead code there (pycrypto's strxor): what it does to m cannot matter.
 */
function reachableInExec(ctx: TransformContext, stmt: Node): boolean {
  let first = stmt;
  while (first.parent?.type !== 'labeled_statement') {
    const prev = first.previousNamedSibling;
    if (!prev || first.parent?.type !== 'compound_statement') return true;
    if (prev.type === 'labeled_statement') {
      first = named(prev)[named(prev).length - 1] ?? prev;
      break;
    }
    first = prev;
  }
  const label = first.parent!;
  const name = field(label, 'label')?.text;
  const before = label.previousNamedSibling;
  const last = (n: Node | null): Node | null => (n && n.type.startsWith('preproc_') ? last(n.lastNamedChild) : n);
  const endsPath = (n: Node | null) => !!n && /^(return_statement|goto_statement)$/.test(last(n)?.type ?? '');
  if (!endsPath(before)) return true;
  const { moduleVar } = ctx.init;
  return ofType(ctx.init.body, 'goto_statement').some(
    (g) =>
      field(g, 'label')?.text === name &&
      !ctx.vanishes(g) &&
      !(moduleVar && ancestorsUpTo(g, ctx.init.body).some((a) => a.type === 'if_statement' && onlyWhenNull(field(a, 'condition')!, moduleVar))),
  );
}

function ancestorsUpTo(n: Node, top: Node): Node[] {
  const out: Node[] = [];
  for (let p = n.parent; p && p.id !== top.id; p = p.parent) out.push(p);
  return out;
}

export const moduleDecrefs: Transform = {
  meta: { id: 'module-decrefs', description: 'remove Py_DECREF/Py_XDECREF/Py_CLEAR of the borrowed module' },
  apply(ctx) {
    const { body, moduleVar } = ctx.init;
    // A file-scope module variable holds a reference exec takes (remove-create writes its
    // Py_INCREF): the releases of it release that one, as the original's released its own.
    if (!moduleVar || !ctx.hasExec || ctx.init.globalModule) return [];
    const id = this.meta.id;
    const calls = releasesOf(body, moduleVar).filter((n) => !ctx.vanishes(n));
    const cleanups = moduleCleanupBlocks(ctx);
    const deletions: Node[] = [...cleanups];
    const edits: Edit[] = [];
    for (const call of calls) {
      if (cleanups.some((c) => isInside(call, c))) continue;
      const stmt = call.parent!;
      if (stmt.type !== 'expression_statement') refuse(`${call.text} is part of a larger expression; convert it by hand`, call);
      if (moduleNullingsThatAreRead(ctx).some((n) => same(n, stmt))) {
        edits.push(replace(stmt.startIndex, stmt.endIndex, `${moduleVar} = NULL;`, id));
        continue;
      }
      if (calleeName(call) === 'Py_CLEAR' && returnsModule(continuation(stmt, body), moduleVar)) {
        edits.push(replace(stmt.startIndex, stmt.endIndex, 'return -1;', id));
        continue;
      }
      const removal = releaseRemoval(stmt);
      if (!removal) refuse(`${stmt.text} is the whole body of a ${stmt.parent!.type.replace(/_/g, ' ')}; convert it by hand`, stmt);
      deletions.push(removal);
    }
    return [...edits, ...removeStatements(ctx.text, deletions, id)];
  },
};
