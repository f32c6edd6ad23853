/** Small helpers over tree-sitter nodes, so rules read as C rather than as tree walking. */
import type { Node, Tree } from './parse';

export function named(n: Node): Node[] {
  return n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
}

export function children(n: Node): Node[] {
  return n.children.filter((c): c is Node => c !== null);
}

export function field(n: Node, name: string): Node | null {
  return n.childForFieldName(name);
}

/** Every descendant (including `n`) for which `pred` holds, in source order. */
export function findAll(n: Node, pred: (x: Node) => boolean): Node[] {
  // A cursor walk: much cheaper than materialising `children` arrays at every level.
  const out: Node[] = [];
  const cursor = n.walk();
  try {
    for (;;) {
      const current = cursor.currentNode;
      if (pred(current)) out.push(current);
      if (cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) if (!cursor.gotoParent()) return out;
    }
  } finally {
    cursor.delete();
  }
}

/** Whole-tree searches, by tree and types: the rules and the audit ask the same ones of one tree. */
const wholeTreeSearches = new WeakMap<Tree, Map<string, Node[]>>();

/** Descendants of the given types, found natively (cheapest way to scan a whole file). */
export function ofType(n: Node, types: string | string[]): Node[] {
  if (n.parent !== null) return n.descendantsOfType(types).filter((c): c is Node => c !== null);
  let byTypes = wholeTreeSearches.get(n.tree);
  if (!byTypes) wholeTreeSearches.set(n.tree, (byTypes = new Map()));
  const key = typeof types === 'string' ? types : types.join(' ');
  let found = byTypes.get(key);
  if (!found) byTypes.set(key, (found = n.descendantsOfType(types).filter((c): c is Node => c !== null)));
  return found.slice();
}

export function ancestors(n: Node): Node[] {
  const out: Node[] = [];
  for (let p = n.parent; p; p = p.parent) out.push(p);
  return out;
}

export function isInside(inner: Node, outer: Node): boolean {
  return inner.startIndex >= outer.startIndex && inner.endIndex <= outer.endIndex;
}

/** Strips parentheses: `((x))` is `x` (and C++'s `if (x)` condition clause is `x`). */
export function unparen(n: Node): Node {
  while (n.type === 'parenthesized_expression' || n.type === 'condition_clause') {
    const inner = named(n)[0];
    if (!inner) break;
    n = inner;
  }
  return n;
}

/** Strips parentheses and casts: `((PyObject *)m)` is `m`. */
export function uncast(n: Node): Node {
  let x = unparen(n);
  while (x.type === 'cast_expression') x = unparen(field(x, 'value') ?? x);
  return x;
}

/** The name of parameter `i` of a function definition, or null (unnamed, variadic, or a macro). */
export function parameterName(fn: Node, i: number): string | null {
  const declarator = ofType(fn, 'function_declarator')[0];
  const params = declarator && field(declarator, 'parameters');
  const param = params ? params.namedChildren.filter((p) => p?.type === 'parameter_declaration')[i] : null;
  let d = param ? field(param, 'declarator') : null;
  while (d && d.type !== 'identifier') d = field(d, 'declarator');
  return d?.text ?? null;
}

/** The called function's name for `f(...)`, or null. */
export function calleeName(call: Node): string | null {
  if (call.type !== 'call_expression') return null;
  const fn = field(call, 'function');
  return fn && fn.type === 'identifier' ? fn.text : null;
}

export function callArgs(call: Node): Node[] {
  const args = field(call, 'arguments');
  return args ? named(args) : [];
}

export function isIdentifier(n: Node | null, name: string): boolean {
  return !!n && n.type === 'identifier' && n.text === name;
}

/** `NULL`, `0`, or either of them cast or parenthesised: what a failing init returns. */
export function isNullLiteral(n: Node | null): boolean {
  if (!n) return false;
  n = unparen(n);
  if (n.type === 'cast_expression') return isNullLiteral(field(n, 'value'));
  if (n.type === 'null' || n.type === 'nullptr') return true;
  if (n.type === 'identifier') return n.text === 'NULL';
  return n.type === 'number_literal' && /^0[uUlL]*$/.test(n.text);
}

/** True when evaluating `cond` has no side effect, so an `if` around a removed statement can go whole. */
export function isPure(cond: Node): boolean {
  return findAll(cond, (n) => /^(call_expression|assignment_expression|update_expression)$/.test(n.type)).length === 0;
}

/** The statement that follows `n` in its block, skipping comments. */
export function nextStatement(n: Node): Node | null {
  let s = n.nextNamedSibling;
  while (s && s.type === 'comment') s = s.nextNamedSibling;
  return s;
}

export function line(n: Node): number {
  return n.startPosition.row + 1;
}

/** The same node? web-tree-sitter hands out a new object on every access, so `===` does not work. */
export function same(a: Node | null | undefined, b: Node | null | undefined): boolean {
  return !!a && !!b && a.id === b.id;
}
