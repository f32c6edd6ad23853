/**
 * Dual Python 2/3 sources split the init across version conditionals:
 *
 *     #if PY_MAJOR_VERSION >= 3
 *     PyMODINIT_FUNC PyInit_foo(void)
 *     #else
 *     void initfoo(void)
 *     #endif
 *     { ... #if PY_MAJOR_VERSION >= 3  return m;  #endif }
 *
 * The exec function cannot serve both, so the conditionals that the init spans or contains keep
 * only their Python 3 side (the directives go too). Version conditionals elsewhere in the file stay,
 * unless `--drop-py2` asks for all of them to go. A conditional is a version test only when its
 * condition is one this rule understands (PY_MAJOR_VERSION, PY_VERSION_HEX at the 2/3 boundary,
 * IS_PY3K-style macros); others are left alone.
 */
import { Edit, remove } from '../src/engine/edits';
import { Conditional, isVersionConditional, py3Branch, scanConditionals } from '../src/c/conditionals';
import type { Preparation } from '../src/engine/transform';

/**
 * Where the init function's text begins (its name) and ends (its closing brace), found as text; and
 * the same for a helper it returns (`return moduleinit();`). A header split across branches can
 * leave the braces unbalanced as text: then only the header's position counts.
 */
function initExtents(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const extentOf = (at: number, headerEnd: number) => {
    const open = nextCode(text, headerEnd, '{');
    const close = open === -1 ? -1 : matchingBrace(text, open);
    return { start: at, end: close === -1 ? at : close + 1 };
  };
  // `PyInit_x(void)`, or a macro the file defines as PyInit_x: `#define init_function PyInit_x`.
  const aliases = [...text.matchAll(/^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+PyInit_\w+[ \t]*$/gm)].map((m) => m[1]);
  // ... or `MOD_INIT(foo)` for `#define MOD_INIT(name) PyMODINIT_FUNC PyInit_##name(void)`.
  const initMacros = [...text.matchAll(/^[ \t]*#[ \t]*define[ \t]+(\w+)\(\s*(\w+)\s*\)[^\n]*\bPyInit_\s*##\s*\2\b/gm)].map((m) => m[1]);
  const header = new RegExp(
    `\\b(?:PyInit_\\w+${aliases.map((a) => '|' + a).join('')})\\s*\\(\\s*(void)?\\s*\\)` +
      initMacros.map((m) => `|\\b${m}\\s*\\(\\s*\\w+\\s*\\)`).join(''),
    'g',
  );
  for (let m = header.exec(text); m; m = header.exec(text)) {
    const after = text.slice(m.index + m[0].length).trimStart();
    if (after.startsWith(';')) continue; // a prototype
    if (/^[ \t]*#/.test(text.slice(text.lastIndexOf('\n', m.index) + 1, m.index))) continue; // a #define
    const extent = extentOf(m.index, m.index + m[0].length);
    out.push(extent);
    const helper = /\breturn\s+(\w+)\s*\(\s*\)\s*;/.exec(text.slice(extent.start, extent.end))?.[1];
    const def = helper && new RegExp(`\\b${helper}\\s*\\(\\s*(void)?\\s*\\)\\s*(?=\\{|\\n|$)`, 'g');
    for (let h = def ? def.exec(text) : null; def && h; h = def.exec(text)) {
      const e = extentOf(h.index, h.index + h[0].length);
      if (e.end > e.start) out.push(e);
    }
  }
  return out;
}

/** Index of the next `ch` outside comments, strings and preprocessor lines. */
function nextCode(text: string, from: number, ch: string): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '*') i = text.indexOf('*/', i + 2) + 1 || text.length;
    else if (c === '/' && text[i + 1] === '/') i = text.indexOf('\n', i);
    else if (c === '#' && /(^|\n)[ \t]*$/.test(text.slice(Math.max(0, i - 200), i))) i = text.indexOf('\n', i);
    else if (c === '"' || c === "'") i = skipLiteral(text, i);
    else if (c === ch) return i;
    if (i === -1) return -1;
  }
  return -1;
}

function skipLiteral(text: string, i: number): number {
  const quote = text[i];
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === quote || text[j] === '\n') return j;
  }
  return text.length;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '*') i = text.indexOf('*/', i + 2) + 1 || text.length;
    else if (c === '/' && text[i + 1] === '/') i = text.indexOf('\n', i);
    else if (c === '"' || c === "'") i = skipLiteral(text, i);
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
    if (i === -1) return -1;
  }
  return -1;
}

const isBlank = (line: string) => /^[ \t]*\r?\n?$/.test(line);

function lineBefore(text: string, at: number): { start: number; text: string } | null {
  if (at === 0) return null;
  const start = text.lastIndexOf('\n', at - 2) + 1;
  return { start, text: text.slice(start, at) };
}

function lineAt(text: string, at: number): { end: number; text: string } | null {
  if (at >= text.length) return null;
  const nl = text.indexOf('\n', at);
  const end = nl === -1 ? text.length : nl + 1;
  return { end, text: text.slice(at, end) };
}

/**
 * A removed run of lines should not leave two blank lines in a row, nor a blank line between a
 * function header and its opening brace.
 */
function tidy(text: string, r: { start: number; end: number }): { start: number; end: number } {
  const before = lineBefore(text, r.start);
  const after = lineAt(text, r.end);
  if (before && isBlank(before.text) && after && isBlank(after.text)) return { start: r.start, end: after.end };
  if (before && isBlank(before.text) && after && /^\s*\{/.test(after.text)) return { start: before.start, end: r.end };
  return r;
}

/** Edits that keep the Python 3 side of `c`. */
function keepPy3(text: string, c: Conditional): { edits: Edit[]; removed: { start: number; end: number }[] } {
  const b = py3Branch(c);
  const removed = b ? [{ start: c.start, end: b.bodyStart }, { start: b.bodyEnd, end: c.end }] : [{ start: c.start, end: c.end }];
  const edits = removed.filter((r) => r.end > r.start).map((r) => tidy(text, r));
  return { edits: edits.map((r) => remove(r.start, r.end, 'py2-branches')), removed };
}

export const py2Branches: Preparation = {
  worksOnText: true,
  meta: {
    id: 'py2-branches',
    description: 'keep only the Python 3 side of the version conditionals the init spans (all of them with --drop-py2)',
  },
  apply({ text, options }) {
    const versionTests = scanConditionals(text).filter(isVersionConditional);
    if (versionTests.length === 0) return [];
    const inits = initExtents(text);
    const targets = options.dropPy2
      ? versionTests
      : versionTests.filter((c) =>
          inits.some((x) => (c.start <= x.start && x.start < c.end) || (x.start <= c.start && c.end <= x.end)),
        );
    const edits: Edit[] = [];
    const removed: { start: number; end: number }[] = [];
    for (const c of targets) {
      // Nested in a branch that already goes: it goes with it.
      if (removed.some((r) => r.start <= c.start && c.end <= r.end)) continue;
      const kept = keepPy3(text, c);
      edits.push(...kept.edits);
      removed.push(...kept.removed);
    }
    return edits;
  },
};
