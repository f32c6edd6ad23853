/**
 * Just enough control flow to answer "what runs next?" inside an init function: after a statement
 * completes, which statement executes, following blocks, if/else, labels and `goto`. Loops and
 * switches are not followed (the answer is then "unknown"), which makes the callers refuse.
 */
import type { Node } from './parse';
import { field, findAll, named, nextStatement, ofType, same } from './syntax';

export type Next = Node | 'end' | 'unknown';

const JUMPS = ['goto_statement', 'return_statement', 'break_statement', 'continue_statement'];

const TRANSPARENT = /^(compound_statement|labeled_statement|preproc_if|preproc_ifdef|preproc_else|preproc_elif|if_statement|else_clause)$/;

/** The statement that runs after `stmt` completes normally, within `body`. */
export function following(stmt: Node, body: Node): Next {
  let s = stmt;
  for (;;) {
    const parent = s.parent;
    if (!parent) return 'unknown';
    if (!TRANSPARENT.test(parent.type)) return 'unknown';
    if (parent.type === 'compound_statement' || parent.type.startsWith('preproc_')) {
      const n = nextStatement(s);
      if (n && !n.type.startsWith('#') && n.type !== 'preproc_else' && n.type !== 'preproc_elif') return n;
      if (same(parent, body)) return 'end';
    }
    s = parent;
  }
}

/** Follows `next` to the first statement that does something: into blocks, through labels and gotos. */
export function resolve(next: Next, body: Node, seen = new Set<number>()): Next {
  while (next !== 'end' && next !== 'unknown') {
    if (seen.has(next.id)) return 'unknown';
    seen.add(next.id);
    if (next.type === 'compound_statement') {
      const first = named(next)[0];
      next = first ?? following(next, body);
    } else if (next.type === 'labeled_statement') {
      next = named(next).find((c) => c.type !== 'statement_identifier') ?? following(next, body);
    } else if (next.type === 'goto_statement') {
      const target = labelTarget(next, body);
      if (!target) return 'unknown';
      next = target;
    } else if (next.type === 'expression_statement' && named(next).length === 0) {
      next = following(next, body);
    } else if (/^preproc_(if|ifdef)$/.test(next.type) && ofType(next, JUMPS).length > 0) {
      // Which branch runs is the build's choice, and a jump in one means it may not fall through.
      return 'unknown';
    } else {
      return next;
    }
  }
  return next;
}

export function labelTarget(gotoStmt: Node, body: Node): Node | null {
  const label = field(gotoStmt, 'label')?.text;
  return ofType(body, 'labeled_statement').filter((n) => field(n, 'label')?.text === label)[0] ?? null;
}

/** What runs after `stmt`, resolved to a real statement. */
export function continuation(stmt: Node, body: Node): Next {
  return resolve(following(stmt, body), body);
}

/** Calls that never return: a path ending in one does not reach the closing brace. */
const NO_RETURN = /^(Py_FatalError|abort|exit|_exit|Py_Exit|Py_UNREACHABLE|__builtin_unreachable)$/;

/** Preprocessor nodes with no statement in them (`#ifdef X` / `#else` / `#endif` around nothing, a `#define`). */
function statementless(n: Node): boolean {
  const hasStatement = (x: Node): boolean => named(x).some((c) => /_statement$|^declaration$/.test(c.type) || hasStatement(c));
  return n.type.startsWith('preproc_') && !hasStatement(n);
}

/**
 * The last statement of a function body after which control reaches the closing brace without a
 * return (a PyInit that falls off its end returns garbage: undefined behaviour the conversion would
 * carry into exec, and worse once a release before it is gone); null when every path returns, or
 * when the ending cannot be judged (loops, switches, a conditional whose branches end differently,
 * a statement `mayJump` says a macro in it may leave by).
 */
export function fallsOffEnd(body: Node, mayJump: (stmt: Node) => boolean = () => false): Node | null {
  const lastOf = (block: Node): Node | null => {
    // A stray `;` after the last return (`return m;;`) does nothing.
    const stmts = named(block).filter((c) => c.type !== 'comment' && !statementless(c) && !(c.type === 'expression_statement' && named(c).length === 0));
    return stmts[stmts.length - 1] ?? null;
  };
  const ends = (s: Node | null): Node | null | 'unknown' => {
    if (!s) return 'unknown';
    switch (s.type) {
      case 'return_statement':
      case 'goto_statement':
        return null;
      case 'labeled_statement':
        return ends(named(s).filter((c) => c.type !== 'statement_identifier')[0] ?? null) ?? null;
      case 'compound_statement':
        return ends(lastOf(s));
      case 'expression_statement': {
        const e = named(s)[0];
        if (e?.type === 'call_expression' && NO_RETURN.test(field(e, 'function')?.text ?? '')) return null;
        // A macro may hide the return (`MOD_RETURN(m)` as the last line).
        return mayJump(s) ? 'unknown' : s;
      }
      default:
        return 'unknown';
    }
  };
  const last = lastOf(body);
  if (!last) return null;
  const r = ends(last);
  return r === 'unknown' ? null : r;
}
