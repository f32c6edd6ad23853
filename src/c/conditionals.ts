/**
 * Preprocessor conditionals read line by line (tree-sitter cannot follow a function header split
 * across `#if` branches, which is exactly the dual Python 2/3 shape), and the test that tells a
 * Python-version conditional from any other.
 */

import { rememberByText } from './recent-texts';

export interface Branch {
  kind: 'if' | 'ifdef' | 'ifndef' | 'elif' | 'else';
  condition: string;
  /** The directive line. */
  directiveStart: number;
  /** Start and end of the code it guards (up to the next directive of the same conditional). */
  bodyStart: number;
  bodyEnd: number;
}

export interface Conditional {
  /** From the start of the `#if` line to past the `#endif` line's newline. */
  start: number;
  end: number;
  branches: Branch[];
  /**
   * Macros this file defines only on the Python 3 side of a version test (`#if PY_MAJOR_VERSION >= 3`
   * / `#define LEV_PYTHON3`): a test of one is a version test too. Shared by all conditionals.
   */
  py3Markers: ReadonlySet<string>;
  /** Likewise, macros defined only on the Python 2 side (`#if PY_MAJOR_VERSION == 2` / `#define IS_PY2`). */
  py2Markers: ReadonlySet<string>;
}

const DIRECTIVE = /^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b(.*)$/;

/** Every conditional in the file, outer ones before the ones nested in them. */
/** The last few texts' conditionals (several rules scan the same text); callers only read them. */
const scanned = rememberByText((text) => scanConditionalsOnce(text));

export function scanConditionals(text: string): Conditional[] {
  return scanned(text);
}

function scanConditionalsOnce(text: string): Conditional[] {
  const done: Conditional[] = [];
  const open: Conditional[] = [];
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const lineEnd = nl === -1 ? text.length : nl + 1;
    let line = text.slice(pos, lineEnd).replace(/\r?\n$/, '');
    let next = lineEnd;
    // A directive continued over several lines with backslashes.
    while (line.endsWith('\\') && next < text.length) {
      const n2 = text.indexOf('\n', next);
      const e2 = n2 === -1 ? text.length : n2 + 1;
      line = line.slice(0, -1) + ' ' + text.slice(next, e2).replace(/\r?\n$/, '');
      next = e2;
    }
    const m = DIRECTIVE.exec(line);
    if (m) {
      const kind = m[1] as Branch['kind'] | 'endif';
      const condition = m[2].replace(/\/\*.*?\*\//g, ' ').replace(/\/\/.*$/, '').trim();
      const top = open[open.length - 1];
      if (kind === 'if' || kind === 'ifdef' || kind === 'ifndef') {
        const c: Conditional = { start: pos, end: -1, branches: [], py3Markers: NO_MARKERS, py2Markers: NO_MARKERS };
        c.branches.push({ kind, condition, directiveStart: pos, bodyStart: next, bodyEnd: -1 });
        open.push(c);
        done.push(c);
      } else if (top) {
        top.branches[top.branches.length - 1].bodyEnd = pos;
        if (kind === 'endif') {
          top.end = next;
          open.pop();
        } else {
          top.branches.push({ kind, condition, directiveStart: pos, bodyStart: next, bodyEnd: -1 });
        }
      }
    }
    pos = next;
  }
  const closed = done.filter((c) => c.end !== -1);
  const markers = new Set([...py3Markers(text, closed), ...headerPy3Markers(text, closed)]);
  for (const c of closed) c.py3Markers = markers;
  const py2 = py2Markers(text, closed);
  for (const c of closed) c.py2Markers = py2;
  return closed;
}

const NO_MARKERS: ReadonlySet<string> = new Set();

/** Object-like macros defined (empty or as 1) only inside the Python 3 branch of a version test. */
function py3Markers(text: string, conditionals: Conditional[]): ReadonlySet<string> {
  return markersOn(text, conditionals, true);
}

/** Object-like macros defined only inside a branch Python 3 does not take, of a version test. */
function py2Markers(text: string, conditionals: Conditional[]): ReadonlySet<string> {
  return markersOn(text, conditionals, false);
}

/**
 * Object-like macros (empty or 1) defined in the branches of version tests that Python 3 takes
 * (`py3`) or does not take, and defined or undefined nowhere else in the file.
 */
function markersOn(text: string, conditionals: Conditional[], py3: boolean): ReadonlySet<string> {
  const inside: { name: string; at: number }[] = [];
  for (const c of conditionals) {
    if (!isVersionConditional(c)) continue;
    const taken = py3Branch(c);
    for (const b of c.branches) {
      if ((b === taken) !== py3) continue;
      const body = text.slice(b.bodyStart, b.bodyEnd);
      for (const m of body.matchAll(/^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]*(1)?[ \t]*(\/\*.*\*\/|\/\/.*)?\r?$/gm))
        inside.push({ name: m[1], at: b.bodyStart + m.index! });
    }
  }
  const out = new Set<string>();
  for (const { name, at } of inside) {
    const elsewhere = [...text.matchAll(new RegExp(`^[ \\t]*#[ \\t]*(define|undef)[ \\t]+${name}\\b`, 'gm'))].some((m) => m.index !== at);
    if (!elsewhere) out.add(name);
  }
  return out;
}

/** Macros projects define for "this is Python 3": IS_PY3K, PY3K, PY3, IS_PY3, PYTHON3, _PYTHON3 (udatetime, from setup.py), ... */
const PY3_MACRO = /^_*(IS_)?PY(THON)?_?3K?$/;
/**
 * The same with the project's prefix, defined in a header of its own under a version test (pyuv's
 * PYUV_PYTHON3, pycares' PYCARES_PYTHON3, set H). Only when the file itself does not define it: a
 * file's own unconditional `#define HAVE_PY3 1` is a feature macro, not a version marker.
 */
const PREFIXED_PY3_MACRO = /^[A-Z][A-Z0-9]*_PYTHON3$/;

/** Prefixed Python 3 markers the file tests but does not define (its headers do). */
function headerPy3Markers(text: string, conditionals: Conditional[]): string[] {
  const tested = new Set<string>();
  for (const c of conditionals)
    for (const b of c.branches) {
      const name = /^(?:defined\s*\(?\s*)?(\w+)\s*\)?$/.exec(b.condition.trim())?.[1];
      if (name && PREFIXED_PY3_MACRO.test(name)) tested.add(name);
    }
  return [...tested].filter((n) => !new RegExp(`^[ \\t]*#[ \\t]*(define|undef)[ \\t]+${n}\\b`, 'm').test(text));
}

function compare(a: number, op: string, b: number): boolean | null {
  switch (op) {
    case '>=':
      return a >= b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '<':
      return a < b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    default:
      return null;
  }
}

/** Is this `#if` expression true on Python 3? null when it is not a Python 2/3 test. */
function py3Expression(expr: string, markers: ReadonlySet<string>, py2: ReadonlySet<string> = NO_MARKERS): boolean | null {
  let e = expr.trim();
  while (/^\(.*\)$/.test(e) && balanced(e.slice(1, -1))) e = e.slice(1, -1).trim();
  if (e.startsWith('!')) {
    const inner = py3Expression(e.slice(1), markers, py2);
    return inner === null ? null : !inner;
  }
  let m = /^PY_MAJOR_VERSION\s*(>=|>|<=|<|==|!=)\s*(\d+)$/.exec(e);
  if (m) return compare(3, m[1], Number(m[2]));
  m = /^(\d+)\s*(>=|>|<=|<|==|!=)\s*PY_MAJOR_VERSION$/.exec(e);
  if (m) return compare(Number(m[1]), m[2], 3);
  m = /^PY_VERSION_HEX\s*(>=|>|<=|<|==|!=)\s*(0[xX][0-9a-fA-F]+)$/.exec(e);
  if (m) {
    const v = Number.parseInt(m[2], 16);
    // Only the 2-versus-3 boundary: a test against 3.12 is a real version test, not a py2 branch.
    if (v < 0x02000000 || v > 0x03010000) return null;
    return compare(0x03080000, m[1], v);
  }
  m = /^defined\s*\(?\s*(\w+)\s*\)?$/.exec(e);
  if (m && (PY3_MACRO.test(m[1]) || markers.has(m[1]))) return true;
  if (m && py2.has(m[1])) return false;
  if (PY3_MACRO.test(e)) return true;
  return null;
}

function balanced(s: string): boolean {
  let depth = 0;
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** Truth of a branch's own test on Python 3 (`#else` is handled by the caller). */
export function py3Truth(b: Branch, markers: ReadonlySet<string> = NO_MARKERS, py2: ReadonlySet<string> = NO_MARKERS): boolean | null {
  const marker = PY3_MACRO.test(b.condition) || markers.has(b.condition);
  if (b.kind === 'ifdef') return marker ? true : py2.has(b.condition) ? false : null;
  if (b.kind === 'ifndef') return marker ? false : py2.has(b.condition) ? true : null;
  if (b.kind === 'else') return true;
  return py3Expression(b.condition, markers, py2);
}

/**
 * For a Python-version conditional, the branch Python 3 takes (or null when it takes none): the first
 * whose test is true. undefined when the conditional is not a pure Python 2/3 test.
 */
export function py3Branch(c: Conditional): Branch | null | undefined {
  for (const b of c.branches) {
    const t = py3Truth(b, c.py3Markers, c.py2Markers);
    if (t === null) return undefined;
    if (t) return b;
  }
  return null;
}

export function isVersionConditional(c: Conditional): boolean {
  return c.branches.some((b) => b.kind !== 'else' && py3Truth(b, c.py3Markers, c.py2Markers) !== null) && py3Branch(c) !== undefined;
}

/**
 * The text with one branch of every conditional kept and the others (with their `#else`/`#elif`
 * lines) blanked to spaces, so offsets and lines stay where they were. tree-sitter reads C, not the
 * preprocessor: branches that each open a brace or half a declarator make it lose the function
 * around them. The kept branch is the one Python 3 takes for a version test, else the first one
 * whose condition is not a literal 0.
 */
/** The text with `ranges` turned to spaces, line breaks kept, so offsets and lines stay put. */
export function blankRanges(text: string, ranges: readonly { start: number; end: number }[]): string {
  if (ranges.length === 0) return text;
  // Slices of the text between the merged ranges, and each range's slice with everything but line
  // breaks blanked: no per-character array of a whole file (this runs once per reading tried).
  const sorted = [...ranges].filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let at = 0;
  for (const r of sorted) {
    const start = Math.max(r.start, at);
    const end = Math.min(r.end, text.length);
    if (end <= start) continue;
    parts.push(text.slice(at, start), text.slice(start, end).replace(/[^\r\n]/g, ' '));
    at = end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

export function maskInactiveBranches(text: string): {
  text: string;
  masked: { start: number; end: number }[];
  /** The blanked branches (code, not only directive lines). */
  hidden: { start: number; end: number }[];
  conditionals: Conditional[];
} {
  const conditionals = scanConditionals(text);
  const masked: { start: number; end: number }[] = [];
  const hidden: { start: number; end: number }[] = [];
  for (const c of conditionals) {
    if (c.branches.length < 2) continue;
    const keep = isVersionConditional(c)
      ? py3Branch(c)
      : c.branches.find((b) => !(b.kind === 'if' && /^\(?\s*0\s*\)?$/.test(b.condition))) ?? null;
    // Every directive line goes, and every branch but the kept one: what is left reads as plain C.
    for (const b of c.branches) {
      const r = b === keep ? { start: b.directiveStart, end: b.bodyStart } : { start: b.directiveStart, end: b.bodyEnd };
      masked.push(r);
      if (b !== keep) hidden.push(r);
    }
    const last = c.branches[c.branches.length - 1];
    masked.push({ start: last.bodyEnd, end: c.end });
  }
  return { text: blankRanges(text, masked), masked, hidden, conditionals };
}
