/**
 * The parse view: a copy of the text in which every macro use tree-sitter cannot read is replaced
 * by a stand-in of exactly the same length and the same role, so that offsets (and lines) map 1:1
 * to the real text. The tree is parsed from the view; edits are always made to the real text, and
 * nodes show the real text (c-view.ts points the tree's text at it).
 *
 *   Py_BEGIN_ALLOW_THREADS        ->  {                        (block open)
 *   Py_END_ALLOW_THREADS          ->                     }      (block close)
 *   X_IGNORE_DEPRECATED_BEGIN     ->                           (empty: only _Pragma)
 *   MOD_RETURN(NULL)   (no `;`)   ->  _               ;         (a whole statement)
 *   PyObject_HEAD     (no `;`)   ->  int _        ;          (declarations: a struct's fields too)
 *   UNLESS(ok) return NULL;       ->  if    (ok) return NULL;  (if head, arguments kept)
 *   STR(MAJOR) "." STR(MINOR)     ->  "        " "." "        " (string literal)
 *
 * Line breaks inside a use stay where they are.
 */
import { insideAny, nonCodeRanges, type Range } from '../non-code';
import type { MacroTable } from './macro-table';
import { roleOf, type Role } from './roles';

export interface StandIn extends Range {
  macro: string;
  role: Role;
}

export interface ParseView {
  text: string;
  standIns: StandIn[];
}

/** `int _` padded with blanks to the use's length, then `;`. */
function declarationStandIn(original: string): string {
  return 'int _' + ' '.repeat(original.length - 6) + ';';
}

/** Index past the `)` matching the `(` at `open`, skipping strings and comments; -1 when unclosed. */
export function closingParen(text: string, open: number, skip: readonly Range[]): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (insideAny(skip, i)) continue;
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

/** `fill` repeated over the span, keeping line breaks, with `head` first. */
export function standInText(original: string, head: string, tail = ''): string | null {
  const chars = original.split('');
  const body = chars.length - head.length - tail.length;
  if (body < 0) return null;
  const out = head + ' '.repeat(body) + tail;
  // Line breaks stay put; a stand-in that would put one inside its head or tail is not made.
  let result = '';
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === '\n' || chars[i] === '\r') {
      if (i < head.length || i >= chars.length - tail.length) return null;
      result += chars[i];
    } else result += out[i];
  }
  return result;
}

function nextNonSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text[i])) i++;
  return i;
}

/**
 * Directive lines inside an expression (`if (` / `#define JOIN ||` / `#include "flags.h"` /
 * `#undef JOIN` / `)`): tree-sitter cannot read a directive there. An `#include` stands in as the
 * operand `0`, the others as nothing. A conditional there (`f(m, "X",` / `#ifdef A` / `1` / `#else`
 * / `0` / `#endif` / `);`, pylibacl) reads as its first branch: the others are blanked with their
 * directives, or the expression would read `1 0`.
 */
function directivesInExpressions(text: string, skip: readonly Range[]): (StandIn & { text: string })[] {
  const out: (StandIn & { text: string })[] = [];
  let depth = 0;
  let r = 0;
  // Conditionals opened inside the current expression; where the branch being blanked started.
  let open = 0;
  let blankFrom = -1;
  let blankLevel = 0;
  let readNext = false;
  // Brace depth inside an initializer (`= { ... }`).
  let braces = 0;
  const blank = (start: number, end: number) => {
    const replacement = standInText(text.slice(start, end), '');
    if (replacement !== null) out.push({ start, end, macro: '#directive', role: 'empty', text: replacement });
  };
  for (let i = 0; i < text.length; i++) {
    while (r < skip.length && skip[r].end <= i) r++;
    const range = skip[r];
    if (range && range.start <= i) {
      const line = text.slice(range.start, range.end);
      if ((depth > 0 || blankFrom >= 0) && /^#/.test(line)) {
        const word = /^#[ \t]*(\w+)/.exec(line)?.[1] ?? '';
        if (/^if/.test(word)) open++;
        if (blankFrom >= 0) {
          // Inside a blanked branch: only its own conditional's end stops it, or, after a branch
          // no multi-phase CPython compiles, the next one.
          if (word === 'endif' && open === blankLevel) {
            blank(blankFrom, range.end);
            blankFrom = -1;
            open--;
          } else if (word === 'endif') open--;
          else if (readNext && open === blankLevel && (word === 'else' || word.startsWith('elif'))) {
            blank(blankFrom, range.end);
            blankFrom = -1;
            readNext = false;
          }
        } else if (word === 'if' && onlyBefore35(line.replace(/^#[ \t]*if\b/, ''))) {
          // `#if PY_MINOR_VERSION <= 4` / `.m_reload = NULL,` / `#else` / `.m_slots = NULL,`
          // (pytun): the branch multi-phase CPythons (3.5+) compile is the next one.
          blankFrom = range.start;
          blankLevel = open;
          readNext = true;
        } else if ((word === 'else' || word.startsWith('elif')) && open > 0) {
          blankFrom = range.start;
          blankLevel = open;
        } else {
          if (word === 'endif' && open > 0) open--;
          const include = word === 'include';
          // An included list whose items end with the joining operator (`add(x) JOINER`,
          // python-systemd) is followed by one more operand: `0 +` keeps the expression whole.
          const replacement = standInText(line, include ? (operandFollows(text, range.end, skip) ? '0+' : '0') : '');
          if (replacement !== null) out.push({ start: range.start, end: range.end, macro: include ? '#include' : '#directive', role: 'empty', text: replacement });
        }
      }
      i = range.end - 1;
      continue;
    }
    if (blankFrom >= 0) continue;
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (ch === '{' && (braces > 0 || /=\s*$/.test(text.slice(Math.max(0, i - 40), i)))) {
      // An initializer's braces (`= {`, and the braces nested in it) are an expression too: a
      // `#define ENTRY(...)` inside a method table (dbus-python) is as unreadable there.
      braces++;
      depth++;
    } else if (ch === '}' && braces > 0) {
      braces--;
      depth = Math.max(0, depth - 1);
    } else if (ch === ';' || ch === '{' || ch === '}') {
      depth = 0;
      open = 0;
      braces = 0;
    }
  }
  return out;
}

/**
 * Is `condition` false on every CPython that has multi-phase init (3.5+): a test of the 3.x minor
 * version or of PY_VERSION_HEX below 3.5?
 */
export function onlyBefore35(condition: string): boolean {
  const c = condition.replace(/\/\*.*?\*\/|\/\/.*$/g, '').trim().replace(/^\((.*)\)$/, '$1').trim();
  let m = /^PY_MINOR_VERSION\s*(<=|<)\s*(\d+)$/.exec(c);
  if (m) return m[1] === '<=' ? Number(m[2]) <= 4 : Number(m[2]) <= 5;
  m = /^PY_VERSION_HEX\s*(<=|<)\s*(0[xX][0-9a-fA-F]+)$/.exec(c);
  if (m) {
    const v = Number.parseInt(m[2], 16);
    return v >= 0x03000000 && (m[1] === '<' ? v <= 0x03050000 : v < 0x03050000);
  }
  return false;
}

/** Does an operand (not `)`, `,`, `;` or an operator) come next after `from`, past blanks, comments and directives? */
function operandFollows(text: string, from: number, skip: readonly Range[]): boolean {
  let i = from;
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    const range = skip.find((r) => r.start <= i && i < r.end);
    if (!range) break;
    // A string or character literal is skipped as non-code, but it is an operand.
    if (text[range.start] === '"' || text[range.start] === "'" || /^[LuU8]+["']/.test(text.slice(range.start, range.start + 3))) return true;
    i = range.end;
  }
  return /[A-Za-z0-9_("'!~]/.test(text[i] ?? '');
}

export function parseView(text: string, table: MacroTable, skip: readonly Range[] = nonCodeRanges(text)): ParseView {
  const directives = text.includes('#') ? directivesInExpressions(text, skip) : [];
  const standIns: StandIn[] = [];
  const pieces: string[] = [];
  let copied = 0;
  const names = table.names().filter((n) => roleOf(n, table) !== 'other');
  if (names.length === 0 && directives.length === 0) return { text, standIns };
  const wanted = new Set(names);
  const replacements: (StandIn & { text: string })[] = [...directives];
  const ident = /\b[A-Za-z_]\w*\b/g;
  for (let m = names.length ? ident.exec(text) : null; m; m = ident.exec(text)) {
    const name = m[0];
    // Not inside a branch or directive the view already blanks (spidev's `#else` arm of a type's
    // head): two replacements of one span would shift every offset after it.
    if (!wanted.has(name) || insideAny(skip, m.index) || insideAny(directives, m.index)) continue;
    const macro = table.first(name)!;
    const start = m.index;
    let end = start + name.length;
    if (macro.params !== null) {
      const open = nextNonSpace(text, end);
      if (text[open] !== '(') continue;
      const close = closingParen(text, open, skip);
      if (close === -1) continue;
      end = close;
    }
    const role = roleOf(name, table);
    const original = text.slice(start, end);
    const after = text[nextNonSpace(text, end)];
    let replacement: string | null = null;
    switch (role) {
      case 'empty':
      case 'attribute':
        // An attribute reads as nothing: tree-sitter knows `__attribute__`, not a macro spelling it.
        replacement = standInText(original, '');
        break;
      case 'block-open':
        replacement = standInText(original, '{');
        break;
      case 'block-close':
        // The brace last, so that the block's node ends where the use ends.
        replacement = standInText(original, '', '}');
        break;
      case 'statement':
        // Followed by its own `;` it reads as a call already. `_` first and `;` last: the
        // statement's node then covers the whole use (a bare `;` would cover only its last
        // character, and a rule moving the statement would move that character alone).
        if (after !== ';') replacement = standInText(original, original.length >= 2 ? '_' : '', ';');
        break;
      case 'declaration':
        // `int x;` fits a struct's fields as well as a block; too short a name reads as a statement.
        if (after !== ';') replacement = original.length >= 6 && !original.includes('\n') ? declarationStandIn(original) : standInText(original, original.length >= 2 ? '_' : '', ';');
        break;
      case 'if-head':
        // The macro's name becomes `if`, its arguments stay as the condition.
        if (macro.params !== null && name.length >= 2) replacement = 'if' + ' '.repeat(name.length - 2) + text.slice(start + name.length, end);
        break;
      case 'string':
        if (original.length >= 2) replacement = standInText(original, '"', '"');
        break;
      case 'element':
        // Read as it is when nothing follows it in the list (`{ PyObject_HEAD_INIT(NULL) }`); before
        // the next element, as an element and its comma.
        if (operandFollows(text, end, skip)) replacement = standInText(original, '{0', '},');
        break;
    }
    if (replacement === null || replacement === original) continue;
    replacements.push({ start, end, macro: name, role, text: replacement });
    ident.lastIndex = end;
  }
  if (replacements.length === 0) return { text, standIns };
  replacements.sort((a, b) => a.start - b.start);
  for (const r of replacements) {
    if (r.start < copied) continue; // overlaps the one before: the view keeps one reading of a span
    pieces.push(text.slice(copied, r.start), r.text);
    copied = r.end;
    standIns.push({ start: r.start, end: r.end, macro: r.macro, role: r.role });
  }
  pieces.push(text.slice(copied));
  return { text: pieces.join(''), standIns };
}
