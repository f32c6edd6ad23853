// The fuzzing harness behind scripts/fuzz.js and test/fuzz.test.ts (issue "Wrong conversions found
// by fuzzing"). The invariant it checks: when a file compiles, its conversion compiles too, in every
// setting of the FUZZ_F* feature macros the mutated file tests.
//
// Mutants are made from the fixture inputs whose meta.json status is "changed" or "failed", each
// with its own PRNG seeded from (run seed, mutant index), so `--seed S` reproduces a run and
// `--seed S --only I` one mutant of it, whatever --jobs is.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

/** The conversion's options (the issue's); a fixture's own meta.json options are laid over them. */
const BASE_OPTIONS = { interpreters: 'not-supported', gil: 'used', oncePerProcess: 'auto', numpyImport: 'any' };

/**
 * What counts as "does not compile": an error of gcc 14's defaults (implicit function declarations,
 * int <-> pointer conversions, incompatible pointer types are errors there), and a `return` with a
 * value missing or extra (gcc 14's -Wreturn-mismatch, part of -Wreturn-type in older gcc). Other
 * warnings never count, nor does a function with no return statement at all (see RETURN_TYPE_WARNINGS).
 */
const C_ERRORS = [
  '-Werror=implicit-function-declaration',
  '-Werror=implicit-int',
  '-Werror=int-conversion',
  '-Werror=incompatible-pointer-types',
  '-Werror=return-type',
];
const CXX_ERRORS = ['-Werror=return-type'];
/**
 * -Wreturn-type diagnostics that stay warnings (in gcc 14 too). They must not count: gcc reports
 * "no return statement" from its front end but "control reaches end" only when it optimises, so an
 * init that falls off its end in some setting passes -fsyntax-only while the exec it becomes, which
 * lost its create check's `return`, would fail.
 */
const RETURN_TYPE_WARNINGS = /no return statement in function returning non-void|control reaches end of non-void function/;

// ---------------------------------------------------------------------------------------------
// PRNG

/** mulberry32: a tiny, good enough 32-bit PRNG. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(seed) {
    this.next = mulberry32(seed);
  }
  /** An integer in [0, n). */
  int(n) {
    return Math.floor(this.next() * n);
  }
  /** An integer in [lo, hi]. */
  between(lo, hi) {
    return lo + this.int(hi - lo + 1);
  }
  chance(p) {
    return this.next() < p;
  }
  pick(items) {
    return items[this.int(items.length)];
  }
  /** One of `[weight, value]` pairs. */
  weighted(pairs) {
    const total = pairs.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of pairs) {
      if ((r -= w) < 0) return v;
    }
    return pairs[pairs.length - 1][1];
  }
}

/** The seed of mutant `index` of a run: independent of the order mutants are processed in. */
function mutantSeed(runSeed, index) {
  const r = mulberry32((runSeed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  r();
  return Math.floor(r() * 4294967296) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Seeds: the fixture inputs

/** Fixture inputs to mutate: status "changed" or "failed", not needing headers this machine lacks (numpy). */
function loadSeeds(root = ROOT, only) {
  const fixtures = path.join(root, 'fixtures');
  const seeds = [];
  for (const name of fs.readdirSync(fixtures).sort()) {
    const dir = path.join(fixtures, name);
    if (!fs.statSync(dir).isDirectory()) continue;
    if (only && !only.includes(name)) continue;
    let meta;
    try {
      meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
    } catch {
      continue;
    }
    if (meta.status !== 'changed' && meta.status !== 'failed') continue;
    const files = fs.readdirSync(dir).sort();
    const input = files.find((f) => f === 'input.c' || f === 'input.cpp');
    if (!input) continue;
    const text = fs.readFileSync(path.join(dir, input), 'latin1');
    if (meta.numpy === true || /^[ \t]*#[ \t]*include[ \t]*<numpy\//m.test(text)) continue;
    seeds.push({
      name,
      dir,
      file: input,
      lang: input.endsWith('.cpp') ? 'c++' : 'c',
      text,
      headers: files.filter((f) => /\.(h|hh|hpp)$/.test(f)),
      options: { ...BASE_OPTIONS, ...(meta.options || {}) },
    });
  }
  return seeds;
}

// ---------------------------------------------------------------------------------------------
// Reading C text just enough to aim mutations

/**
 * The text with comments, the insides of string and character literals, and preprocessor directive
 * lines (with their continuations) replaced by spaces; newlines and offsets are kept. The code of
 * every `#else` / `#elif` branch is blanked too, so braces are counted in the first branch only
 * (as one setting of the macros would see them).
 */
function codeMask(text) {
  const directives = [];
  const out = rawMask(text, directives);
  const stack = [];
  let inactiveFrom = -1;
  const blankRange = (from, to) => {
    for (let i = from; i < to; i++) if (out[i] !== '\n') out[i] = ' ';
  };
  for (const at of directives) {
    const kw = (/^#\s*(\w+)/.exec(text.slice(at, at + 40)) || [])[1] || '';
    const inactive = () => stack.some((x) => x);
    const before = inactive();
    if (kw === 'if' || kw === 'ifdef' || kw === 'ifndef') stack.push(false);
    else if ((kw === 'else' || kw === 'elif') && stack.length) stack[stack.length - 1] = true;
    else if (kw === 'endif' && stack.length) stack.pop();
    else continue;
    const after = inactive();
    if (!before && after) inactiveFrom = at;
    else if (before && !after && inactiveFrom >= 0) {
      blankRange(inactiveFrom, at);
      inactiveFrom = -1;
    }
  }
  if (inactiveFrom >= 0) blankRange(inactiveFrom, text.length);
  return out.join('');
}

function rawMask(text, directives) {
  const out = Array.from(text);
  const n = text.length;
  let state = 'code';
  let back = 'code'; // where a block comment returns to
  let lineStart = true;
  const blank = (i) => {
    if (out[i] !== '\n') out[i] = ' ';
  };
  for (let i = 0; i < n; i++) {
    const c = text[i];
    const d = text[i + 1];
    if (c === '\n') {
      const continued = i > 0 && (text[i - 1] === '\\' || (text[i - 1] === '\r' && text[i - 2] === '\\'));
      if (!continued && (state === 'line-comment' || state === 'directive' || state === 'string' || state === 'char')) state = 'code';
      lineStart = true;
      continue;
    }
    switch (state) {
      case 'code':
        if (lineStart && (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v')) continue;
        if (lineStart && c === '#') {
          directives.push(i);
          state = 'directive';
          lineStart = false;
          blank(i);
          continue;
        }
        lineStart = false;
        if (c === '/' && d === '*') {
          back = 'code';
          state = 'block-comment';
          blank(i);
          blank(++i);
        } else if (c === '/' && d === '/') {
          state = 'line-comment';
          blank(i);
        } else if (c === '"') state = 'string';
        else if (c === "'") state = 'char';
        break;
      case 'directive':
        if (c === '/' && d === '*') {
          back = 'directive';
          state = 'block-comment';
          blank(i);
          blank(++i);
        } else if (c === '/' && d === '/') {
          state = 'line-comment';
          blank(i);
        } else blank(i);
        break;
      case 'block-comment':
        blank(i);
        if (c === '*' && d === '/') {
          blank(++i);
          state = back;
        }
        break;
      case 'line-comment':
        blank(i);
        break;
      case 'string':
      case 'char':
        if (c === '\\') {
          blank(i);
          if (d !== '\n') blank(++i);
        } else if ((state === 'string' && c === '"') || (state === 'char' && c === "'")) state = 'code';
        else blank(i);
        break;
    }
  }
  return out;
}

const DECLARATION = /^\s*(?:static\s+|const\s+|register\s+|unsigned\s+|signed\s+|struct\s+|enum\s+)*[A-Za-z_]\w*(?:\s*\*+\s*|\s+)\**\s*[A-Za-z_]\w*\s*(?:=|;|\[|,)/;

/** Functions (with their header and body lines) and per-line facts of a text split in lines. */
function analyze(lines) {
  const text = lines.join('\n');
  const mask = codeMask(text);
  const maskLines = mask.split('\n');
  const starts = [];
  let off = 0;
  for (const l of lines) {
    starts.push(off);
    off += l.length + 1;
  }
  const lineOf = (o) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  // Braces: pairs, and which opening braces are at file scope (inside extern "C" / namespace only).
  const functions = [];
  const stack = []; // { open, kind }
  let lastDelim = -1;
  for (let i = 0; i < mask.length; i++) {
    const c = mask[i];
    if (c === '{') {
      const prefix = mask.slice(lastDelim + 1, i).trim();
      const atFileScope = stack.every((s) => s.kind === 'container');
      let kind = 'block';
      if (atFileScope) {
        if (/^extern\s*"\s*"$/.test(prefix) || /^(?:inline\s+)?namespace\b[\w\s:]*$/.test(prefix)) kind = 'container';
        else if (/\)\s*(?:const\s*|noexcept\s*)*$/.test(prefix) && !/=/.test(prefix) && !/^(?:if|for|while|switch|do|else)\b/.test(prefix))
          kind = 'function';
        else kind = 'other';
      }
      let headerStart = lastDelim + 1;
      while (headerStart < i && /\s/.test(mask[headerStart])) headerStart++;
      stack.push({ open: i, kind, headerStart, prefix });
      lastDelim = i;
    } else if (c === '}') {
      const s = stack.pop();
      if (s && s.kind === 'function') {
        const name = (/([A-Za-z_]\w*)\s*\(/.exec(s.prefix) || [])[1] || '';
        functions.push({
          name,
          prefix: s.prefix,
          headerLine: lineOf(s.headerStart),
          openLine: lineOf(s.open),
          openCol: s.open - starts[lineOf(s.open)],
          closeLine: lineOf(i),
          open: s.open,
          close: i,
        });
      }
      lastDelim = i;
    } else if (c === ';') lastDelim = i;
  }
  functions.sort((a, b) => a.open - b.open);
  const body = (f) => mask.slice(f.open, f.close);
  const inits = [];
  for (const f of functions) {
    if (/PyInit_/.test(f.prefix) || /^[A-Z0-9_]*INIT[A-Z0-9_]*$/.test(f.name)) inits.push(f);
  }
  for (const f of functions) {
    if (!inits.includes(f) && /\bPyModule_Create2?\s*\(|\b[A-Z_]*(?:MOD_DEF|CREATE)[A-Z_]*\s*\(/.test(body(f))) inits.push(f);
  }
  if (inits.length === 0 && functions.length) inits.push(functions[functions.length - 1]);
  const others = functions.filter((f) => !inits.includes(f));
  /** The last code character before line `l` (directives and comments do not count), or ''. */
  const codeBefore = (l) => {
    for (let i = starts[l] - 1; i >= 0; i--) if (!/\s/.test(mask[i])) return mask[i];
    return '';
  };
  return { lines, maskLines, functions, inits, others, codeBefore };
}

/** Lines strictly inside a function's braces (empty if the body shares a line with its braces). */
function bodyRange(f) {
  return f.closeLine - f.openLine >= 2 ? [f.openLine + 1, f.closeLine - 1] : null;
}

const continues = (line) => /\\\s*$/.test(line || '');
const indentOf = (line) => (/^[ \t]*/.exec(line || '') || [''])[0];

/** Lines of `[a, b]` where a statement starts (the code before them ends one). */
function statementStarts(an, a, b) {
  const out = [];
  for (let l = a; l <= b; l++) {
    if (!an.maskLines[l].trim()) continue;
    if (/[;{}:]/.test(an.codeBefore(l)) && !continues(an.lines[l - 1])) out.push(l);
  }
  return out;
}

/** Ranges [s, e] of whole statements: balanced braces and parentheses, at most `max` lines. */
function balancedRanges(an, a, b, max = 5) {
  const out = [];
  for (const s of statementStarts(an, a, b)) {
    let depth = 0;
    let bad = false;
    for (let e = s; e <= Math.min(b, s + max - 1) && !bad; e++) {
      for (const c of an.maskLines[e]) {
        if (c === '{' || c === '(') depth++;
        else if (c === '}' || c === ')') depth--;
        if (depth < 0) bad = true;
      }
      const t = an.maskLines[e].trim();
      if (!bad && depth === 0 && /[;}]$/.test(t) && !continues(an.lines[e])) {
        // `} else {` and friends are not ends: the next line must start a statement or close a block.
        const next = an.maskLines[e + 1] !== undefined ? an.maskLines[e + 1].trim() : '';
        if (!/^else\b/.test(next)) out.push([s, e]);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The mutant being built

class Mutant {
  constructor(seed) {
    let text = seed.text;
    this.bom = '';
    if (text.startsWith('\xEF\xBB\xBF')) {
      this.bom = '\xEF\xBB\xBF';
      text = text.slice(3);
    }
    this.crlf = /\r\n/.test(text);
    this.lines = (this.crlf ? text.replace(/\r\n/g, '\n') : text).split('\n');
    this.eol = this.crlf ? 'crlf' : 'lf';
    this.eolSeed = 0;
    this.topDefines = [];
    this.flags = 0;
    this.k = 0; // mutation number, for unique macro names
    this.lang = seed.lang;
  }
  flag() {
    return `FUZZ_F${++this.flags}`;
  }
  analyze() {
    return analyze(this.lines);
  }
  /** Inserts `newLines` before line `l`. */
  insert(l, newLines) {
    this.lines.splice(l, 0, ...newLines);
  }
  replace(a, b, newLines) {
    this.lines.splice(a, b - a + 1, ...newLines);
  }
  /** The bytes: top #defines after the Python.h include, BOM and line endings put back. */
  bytes() {
    const lines = [...this.lines];
    if (this.topDefines.length) {
      let at = lines.findIndex((l) => /^\s*#\s*include\s*[<"]Python\.h[>"]/.test(l));
      if (at < 0) at = lines.findIndex((l) => /^\s*#\s*include\b/.test(l));
      lines.splice(at + 1, 0, ...this.topDefines);
    }
    let text;
    if (this.eol === 'mixed') {
      const r = new Rng(this.eolSeed);
      text = lines.map((l, i) => (i < lines.length - 1 ? l + (r.chance(0.5) ? '\r\n' : '\n') : l)).join('');
    } else text = lines.join(this.eol === 'crlf' ? '\r\n' : '\n');
    return Buffer.from(this.bom + text, 'latin1');
  }
  /** The FUZZ_F* macros the final text still tests. */
  usedFlags() {
    const all = this.lines.join('\n');
    const out = [];
    for (let i = 1; i <= this.flags; i++) if (new RegExp(`\\bFUZZ_F${i}\\b`).test(all)) out.push(`FUZZ_F${i}`);
    return out;
  }
}

/** Lines `[a, b]` of the init (usually) or of any function, or the whole file. */
function pickRegion(rng, an, mutant, pInit = 0.8) {
  const fns = rng.chance(pInit) ? an.inits : an.functions;
  const f = fns.length ? rng.pick(fns) : null;
  const r = f && bodyRange(f);
  if (r) return { f, a: r[0], b: r[1] };
  return { f: null, a: 0, b: mutant.lines.length - 1 };
}

const lineNo = (l) => l + 1;

// ---------------------------------------------------------------------------------------------
// Mutations: each returns a description, or null when it does not apply to this text.

const MUTATIONS = {
  /** Wraps a statement or a line range of the init in #ifdef FUZZ_Fk / #else (duplicate or empty) / #endif. */
  'wrap-ifdef'(rng, m) {
    const an = m.analyze();
    const { f, a, b } = pickRegion(rng, an, m, 0.85);
    if (!f) return null;
    let s;
    let e;
    const ranges = balancedRanges(an, a, b);
    if (ranges.length && rng.chance(0.7)) [s, e] = rng.pick(ranges);
    else {
      s = rng.between(a, b);
      e = Math.min(b, s + rng.int(3));
    }
    if (continues(m.lines[s - 1])) return null;
    for (let l = s; l <= e; l++) if (continues(m.lines[l])) return null;
    const F = m.flag();
    const body = m.lines.slice(s, e + 1);
    const variant = rng.pick(['dup', 'empty-else', 'empty-then', 'ifndef-dup', 'if-defined-dup']);
    let out;
    if (variant === 'dup') out = [`#ifdef ${F}`, ...body, '#else', ...body, '#endif'];
    else if (variant === 'empty-else') out = [`#ifdef ${F}`, ...body, '#else', '#endif'];
    else if (variant === 'empty-then') out = [`#ifdef ${F}`, '#else', ...body, '#endif'];
    else if (variant === 'ifndef-dup') out = [`#ifndef ${F}`, ...body, '#else', ...body, `#endif /* ${F} */`];
    else out = [`#if defined(${F})`, ...body, `#elif !defined(${F})`, ...body, '#endif'];
    m.replace(s, e, out);
    return `wrap-ifdef ${variant} ${F} lines ${lineNo(s)}-${lineNo(e)} of ${f.name}`;
  },

  /** Splits the init's header across #ifdef FUZZ_Fk branches (the same header, or laid out differently). */
  'split-header'(rng, m) {
    const an = m.analyze();
    const f = an.inits.length ? rng.pick(an.inits) : null;
    if (!f) return null;
    const braceAlone = an.maskLines[f.openLine].trim() === '{';
    const hs = f.headerLine;
    const he = braceAlone ? f.openLine - 1 : f.openLine;
    if (he < hs || continues(m.lines[hs - 1])) return null;
    const F = m.flag();
    const header = m.lines.slice(hs, he + 1);
    const variant = rng.pick(['dup', 'part', 'relayout']);
    if (variant === 'dup') {
      m.replace(hs, he, [`#ifdef ${F}`, ...header, '#else', ...header, '#endif']);
      return `split-header dup ${F} lines ${lineNo(hs)}-${lineNo(he)} of ${f.name}`;
    }
    if (variant === 'part') {
      const s = rng.between(hs, he);
      const e = rng.between(s, he);
      const part = m.lines.slice(s, e + 1);
      m.replace(s, e, [`#ifdef ${F}`, ...part, '#else', ...part, '#endif']);
      return `split-header part ${F} lines ${lineNo(s)}-${lineNo(e)} of ${f.name}`;
    }
    // relayout: one branch as written, the other joined on one line, or split after the return type.
    let other;
    if (header.length > 1) other = [header.map((l) => l.trim()).join(' ')];
    else {
      const mm = /^(\s*.*?\S)\s+([A-Za-z_]\w*\s*\(.*)$/.exec(header[0]);
      if (!mm) other = [header[0]];
      else other = [mm[1], mm[2]];
    }
    const [x, y] = rng.chance(0.5) ? [header, other] : [other, header];
    m.replace(hs, he, [`#ifdef ${F}`, ...x, '#else', ...y, '#endif']);
    return `split-header relayout ${F} lines ${lineNo(hs)}-${lineNo(he)} of ${f.name}`;
  },

  /** Moves an opening brace of the init (its body's, or a block's) into #ifdef FUZZ_Fk branches. */
  'brace-in-conditional'(rng, m) {
    const an = m.analyze();
    const f = an.inits.length ? rng.pick(an.inits) : null;
    if (!f) return null;
    const cands = [];
    for (let l = f.openLine; l < f.closeLine; l++) if (/\{$/.test(an.maskLines[l].trimEnd())) cands.push(l);
    if (!cands.length) return null;
    const l = rng.chance(0.5) && cands.includes(f.openLine) ? f.openLine : rng.pick(cands);
    if (continues(m.lines[l]) || continues(m.lines[l - 1])) return null;
    const col = an.maskLines[l].lastIndexOf('{');
    const F = m.flag();
    const line = m.lines[l];
    const alone = an.maskLines[l].trim() === '{';
    const ind = alone ? indentOf(line) : l === f.openLine ? '' : indentOf(line);
    const elseBrace = rng.chance(0.3) ? `${ind}{ /* ${F} */` : `${ind}{`;
    const block = [rng.chance(0.5) ? `#ifdef ${F}` : `#ifndef ${F}`, `${ind}{`, '#else', elseBrace, '#endif'];
    let desc = `brace-in-conditional ${F} line ${lineNo(l)} of ${f.name}`;
    // The matching closing brace too, sometimes (when it is alone on its line).
    let closeLine = -1;
    if (rng.chance(0.3)) {
      let depth = 0;
      for (let k = l; k < an.maskLines.length && closeLine < 0; k++) {
        const ml = an.maskLines[k];
        for (let c = k === l ? col : 0; c < ml.length; c++) {
          if (ml[c] === '{') depth++;
          else if (ml[c] === '}' && --depth === 0) {
            if (ml.trim() === '}') closeLine = k;
            else closeLine = -2;
            break;
          }
        }
        if (closeLine === -2) break;
      }
    }
    if (closeLine >= 0) {
      const ci = indentOf(m.lines[closeLine]);
      m.replace(closeLine, closeLine, [`#ifdef ${F}`, `${ci}}`, '#else', `${ci}}`, '#endif']);
      desc += ` and its closing brace line ${lineNo(closeLine)}`;
    }
    if (alone) m.replace(l, l, block);
    else {
      const rest = (line.slice(0, col) + line.slice(col + 1)).replace(/\s+$/, '');
      m.replace(l, l, [rest, ...block]);
    }
    return desc;
  },

  /** A statement macro defined at the top, used in the init (without a semicolon, or with one). */
  'statement-macro'(rng, m) {
    const an = m.analyze();
    const { f, a, b } = pickRegion(rng, an, m, 0.9);
    if (!f) return null;
    const pos = [];
    for (let l = a; l <= b + 1; l++) if (/[;{}:)]/.test(an.codeBefore(l)) && !continues(m.lines[l - 1])) pos.push(l);
    if (!pos.length) return null;
    const l = rng.pick(pos);
    const k = ++m.k;
    const ind = indentOf(m.lines[l] && m.lines[l].trim() !== '}' ? m.lines[l] : m.lines[l - 1]);
    const variant = rng.pick(['nop', 'do-while', 'do-while-semicolon', 'nop-call', 'block']);
    let def;
    let use;
    if (variant === 'nop') [def, use] = [`#define FUZZ_NOP_${k}`, `FUZZ_NOP_${k}`];
    else if (variant === 'do-while') [def, use] = [`#define FUZZ_STMT_${k} do { } while (0)`, `FUZZ_STMT_${k};`];
    else if (variant === 'do-while-semicolon') [def, use] = [`#define FUZZ_STMT_${k} do { } while (0);`, `FUZZ_STMT_${k}`];
    else if (variant === 'nop-call') [def, use] = [`#define FUZZ_NOP_${k}(x)`, `FUZZ_NOP_${k}(0)`];
    else [def, use] = [`#define FUZZ_STMT_${k} { (void)0; }`, `FUZZ_STMT_${k}`];
    m.topDefines.push(def);
    m.insert(l, [ind + use]);
    return `statement-macro ${variant} ${use} before line ${lineNo(l)} of ${f.name}`;
  },

  /** A `return NULL;` (or another return) of the init replaced by a macro that expands to it. */
  'return-macro'(rng, m) {
    const an = m.analyze();
    const cands = [];
    for (const f of an.inits) {
      const r = bodyRange(f);
      if (!r) continue;
      for (let l = r[0]; l <= r[1]; l++) {
        const re = /\breturn\b\s*([^;]*?)\s*;/g;
        let mm;
        while ((mm = re.exec(an.maskLines[l]))) {
          const value = m.lines[l].slice(mm.index, mm.index + mm[0].length).replace(/^return\s*/, '').replace(/\s*;$/, '');
          cands.push({ f, l, at: mm.index, len: mm[0].length, value, isNull: /^(NULL|nullptr|0|\(PyObject\s*\*\)\s*NULL)$/.test(value) });
        }
      }
    }
    if (!cands.length) return null;
    const nulls = cands.filter((c) => c.isNull);
    const c = nulls.length && rng.chance(0.75) ? rng.pick(nulls) : rng.pick(cands);
    const k = ++m.k;
    const v = c.value;
    const variant = rng.pick(['direct', 'direct-semicolon', 'through-second', 'function-like', 'value']);
    let use;
    if (variant === 'direct') {
      m.topDefines.push(`#define FUZZ_RET_${k} return ${v}`);
      use = `FUZZ_RET_${k};`;
    } else if (variant === 'direct-semicolon') {
      m.topDefines.push(`#define FUZZ_RET_${k} return ${v};`);
      use = `FUZZ_RET_${k}`;
    } else if (variant === 'through-second') {
      m.topDefines.push(`#define FUZZ_FAIL_${k} FUZZ_RET_${k}`, `#define FUZZ_RET_${k} return ${v}`);
      use = `FUZZ_FAIL_${k};`;
    } else if (variant === 'function-like') {
      m.topDefines.push(`#define FUZZ_RETURN_${k}(x) return x`);
      use = `FUZZ_RETURN_${k}(${v});`;
    } else {
      m.topDefines.push(`#define FUZZ_VAL_${k} ${v}`);
      use = `return FUZZ_VAL_${k};`;
    }
    const line = m.lines[c.l];
    m.lines[c.l] = line.slice(0, c.at) + use + line.slice(c.at + c.len);
    return `return-macro ${variant} "return ${v};" -> "${use}" line ${lineNo(c.l)} of ${c.f.name}`;
  },

  'delete-line'(rng, m) {
    const an = m.analyze();
    const { a, b } = pickRegion(rng, an, m, 0.7);
    const l = rng.between(a, b);
    const was = m.lines[l].trim();
    m.replace(l, l, []);
    return `delete-line ${lineNo(l)} (${was.slice(0, 40)})`;
  },

  'duplicate-line'(rng, m) {
    const an = m.analyze();
    const { a, b } = pickRegion(rng, an, m, 0.7);
    const l = rng.between(a, b);
    m.insert(l + 1, [m.lines[l]]);
    return `duplicate-line ${lineNo(l)} (${m.lines[l].trim().slice(0, 40)})`;
  },

  'swap-lines'(rng, m) {
    const an = m.analyze();
    const { a, b } = pickRegion(rng, an, m, 0.7);
    if (b <= a) return null;
    const l = rng.between(a, b - 1);
    [m.lines[l], m.lines[l + 1]] = [m.lines[l + 1], m.lines[l]];
    return `swap-lines ${lineNo(l)} and ${lineNo(l + 1)}`;
  },

  /** A blank line or a comment (one that looks like code, sometimes). */
  'insert-comment'(rng, m) {
    const an = m.analyze();
    const { a, b } = pickRegion(rng, an, m, 0.75);
    const l = rng.between(a, b + 1);
    if (continues(m.lines[l - 1])) return null;
    const ind = indentOf(m.lines[l]);
    const variant = rng.pick(['blank', 'block', 'line', 'code-like', 'multi-line', 'trailing']);
    if (variant === 'trailing') {
      const t = l <= b ? l : b;
      if (!/[;{})]$/.test(an.maskLines[t].trimEnd()) || continues(m.lines[t])) return null;
      m.lines[t] += rng.pick([' /* fuzz */', ' // fuzz', ' /* } */', ' // return NULL;']);
      return `insert-comment trailing line ${lineNo(t)}`;
    }
    const text = {
      blank: [''],
      block: [`${ind}/* fuzz */`],
      line: [`${ind}// fuzz`],
      'code-like': [`${ind}${rng.pick(['/* return NULL; */', '/* { */', '// }', '/* PyModule_Create(&fuzz_def); */', '// if (m == NULL) {'])}`],
      'multi-line': [`${ind}/*`, `${ind} * fuzz {`, `${ind} */`],
    }[variant];
    m.insert(l, text);
    return `insert-comment ${variant} before line ${lineNo(l)}`;
  },

  /** Other indentation: tabs, two spaces, none, or more, on a line, a range or the whole init. */
  reindent(rng, m) {
    const an = m.analyze();
    const { a, b } = pickRegion(rng, an, m, 0.8);
    let s = a;
    let e = b;
    const scope = rng.pick(['line', 'range', 'all']);
    if (scope === 'line') s = e = rng.between(a, b);
    else if (scope === 'range') {
      s = rng.between(a, b);
      e = Math.min(b, s + rng.int(5));
    }
    const variant = rng.pick(['tabs', 'two', 'none', 'more', 'tab-prefix']);
    for (let l = s; l <= e; l++) {
      const line = m.lines[l];
      if (l > 0 && continues(m.lines[l - 1]) && /^\s/.test(line) === false) continue;
      const ind = indentOf(line);
      const rest = line.slice(ind.length);
      const width = ind.replace(/\t/g, '    ').length;
      let ni;
      if (variant === 'tabs') ni = '\t'.repeat(Math.floor(width / 4)) + ' '.repeat(width % 4);
      else if (variant === 'two') ni = ' '.repeat(Math.floor(width / 2));
      else if (variant === 'none') ni = '';
      else if (variant === 'more') ni = '   ' + ind;
      else ni = '\t' + ind;
      m.lines[l] = ni + rest;
    }
    return `reindent ${variant} lines ${lineNo(s)}-${lineNo(e)}`;
  },

  /** Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS around a statement of a function other than the init. */
  'allow-threads'(rng, m) {
    const an = m.analyze();
    const pool = an.others.length && rng.chance(0.9) ? an.others : an.inits;
    const cands = [];
    for (const f of pool) {
      const r = bodyRange(f);
      if (!r) continue;
      for (const [s, e] of balancedRanges(an, r[0], r[1], 3)) {
        const t = an.maskLines[s];
        if (!DECLARATION.test(t) || /^\s*return\b/.test(t)) cands.push({ f, s, e });
      }
    }
    if (!cands.length) return null;
    const { f, s, e } = rng.pick(cands);
    if (continues(m.lines[s - 1])) return null;
    const ind = indentOf(m.lines[s]);
    m.replace(s, e, [`${ind}Py_BEGIN_ALLOW_THREADS`, ...m.lines.slice(s, e + 1), `${ind}Py_END_ALLOW_THREADS`]);
    return `allow-threads lines ${lineNo(s)}-${lineNo(e)} of ${f.name}`;
  },

  /** The module renamed to start with a digit: PyInit_2spam, "2spam". */
  'digit-name'(rng, m) {
    const all = m.lines.join('\n');
    const mm = /\bPyInit_([A-Za-z_]\w*)/.exec(all);
    if (!mm) return null;
    const name = mm[1];
    const to = `${rng.between(1, 9)}${name}`;
    const init = new RegExp(`\\bPyInit_${name}\\b`, 'g');
    const str = new RegExp(`"${name}"`, 'g');
    m.lines = m.lines.map((l) => l.replace(init, `PyInit_${to}`).replace(str, `"${to}"`));
    return `digit-name ${name} -> ${to}`;
  },

  /** CRLF line endings (LF for a CRLF file), or a mixture. */
  'line-endings'(rng, m) {
    if (rng.chance(0.2)) {
      m.eol = 'mixed';
      m.eolSeed = Math.floor(rng.next() * 4294967296) >>> 0;
      return 'line-endings mixed';
    }
    m.eol = m.eol === 'crlf' ? 'lf' : 'crlf';
    return `line-endings ${m.eol}`;
  },
};

const WEIGHTS = [
  [5, 'wrap-ifdef'],
  [2, 'split-header'],
  [2, 'brace-in-conditional'],
  [2, 'statement-macro'],
  [3, 'return-macro'],
  [1, 'delete-line'],
  [1, 'duplicate-line'],
  [1, 'swap-lines'],
  [2, 'insert-comment'],
  [1, 'reindent'],
  [1.5, 'allow-threads'],
  [1, 'digit-name'],
  [1, 'line-endings'],
];

/** FNV-1a of a string: mixes a fixture's name into its mutants' seed. */
function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Mutant `index` of the run seeded `runSeed`: its seed fixture, bytes, macros and mutation list.
 * The fixture is drawn from the run's list; the mutations from (run seed, index, fixture name), so
 * `--seed S --only I --fixture NAME` makes the same mutant even after fixtures were added or removed.
 */
function makeMutant(seeds, runSeed, index) {
  const seed = new Rng(mutantSeed(runSeed, index)).pick(seeds);
  const rng = new Rng(mutantSeed((runSeed ^ fnv1a(seed.name)) >>> 0, index));
  const m = new Mutant(seed);
  const want = rng.between(1, 3);
  const mutations = [];
  for (let tries = 0; mutations.length < want && tries < 20; tries++) {
    const id = rng.weighted(WEIGHTS);
    if (id === 'line-endings' && mutations.some((d) => d.startsWith('line-endings'))) continue;
    if (id === 'digit-name' && mutations.some((d) => d.startsWith('digit-name'))) continue;
    const desc = MUTATIONS[id](rng, m);
    if (desc) mutations.push(desc);
  }
  return { index, seed, bytes: m.bytes(), flags: m.usedFlags(), mutations };
}

// ---------------------------------------------------------------------------------------------
// The compiler

/** gcc and a CPython 3.12 include folder (any python3's if there is no 3.12), or why not. */
function findToolchain() {
  const gcc = process.env.FUZZ_CC || 'gcc';
  try {
    execFileSync(gcc, ['--version'], { stdio: 'ignore' });
  } catch {
    return { missing: `no ${gcc} on PATH` };
  }
  const pythons = [];
  let pyenvRoot = process.env.PYENV_ROOT;
  if (!pyenvRoot) {
    try {
      pyenvRoot = execFileSync('pyenv', ['root'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      pyenvRoot = path.join(os.homedir(), '.pyenv');
    }
  }
  try {
    const versions = path.join(pyenvRoot, 'versions');
    for (const v of fs.readdirSync(versions).filter((v) => /^3\.12/.test(v)).sort().reverse()) pythons.push(path.join(versions, v, 'bin', 'python'));
  } catch {
    // no pyenv
  }
  pythons.push('python3.12', 'python3', 'python');
  for (const py of pythons) {
    try {
      const inc = execFileSync(py, ['-c', "import sysconfig; print(sysconfig.get_paths()['include'])"], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
      if (inc && fs.existsSync(path.join(inc, 'Python.h'))) return { gcc, include: inc, python: py };
    } catch {
      // next
    }
  }
  return { missing: 'no CPython with its headers (Python.h) found (pyenv 3.12, python3.12, python3, python)' };
}

/** Runs at most `n` tasks at once. */
function limiter(n) {
  let active = 0;
  const queue = [];
  const pump = () => {
    while (active < n && queue.length) {
      const { fn, resolve, reject } = queue.shift();
      active++;
      Promise.resolve()
        .then(fn)
        .then(resolve, reject)
        .finally(() => {
          active--;
          pump();
        });
    }
  };
  return (fn) =>
    new Promise((resolve, reject) => {
      queue.push({ fn, resolve, reject });
      pump();
    });
}

/**
 * Which precompiled Python.h a file can use without changing what it compiles to: only when all that
 * comes before its `#include <Python.h>` is comments, blank lines and `#define PY_SSIZE_T_CLEAN`
 * (then `-include` of the same lines is a no-op the second time round).
 */
function pchVariant(text) {
  let t = text.replace(/^\xEF\xBB\xBF/, '');
  const at = /^[ \t]*#[ \t]*include[ \t]*[<"]Python\.h[>"][ \t]*\r?$/m.exec(t);
  if (!at) return null;
  const prefix = t
    .slice(0, at.index)
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/[^\n]*/g, '');
  let ssize = false;
  for (const raw of prefix.split('\n')) {
    const l = raw.trim();
    if (!l) continue;
    if (/^#[ \t]*define[ \t]+PY_SSIZE_T_CLEAN$/.test(l) && !ssize) ssize = true;
    else return null;
  }
  return ssize ? 'ssize' : 'plain';
}

class Compiler {
  constructor(toolchain, tmp, jobs) {
    this.tc = toolchain;
    this.tmp = tmp;
    this.limit = limiter(jobs);
    this.pch = new Map();
    this.children = new Set();
    this.runs = 0;
  }
  run(args, cwd) {
    return this.limit(
      () =>
        new Promise((resolve) => {
          this.runs++;
          const child = spawn(this.tc.gcc, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
          this.children.add(child);
          let err = '';
          child.stderr.on('data', (d) => {
            if (err.length < 64 * 1024) err += d;
          });
          const timer = setTimeout(() => child.kill('SIGKILL'), 120000);
          child.on('error', (e) => {
            err += String(e);
          });
          child.on('close', (code, signal) => {
            clearTimeout(timer);
            this.children.delete(child);
            resolve({ ok: code === 0, code, signal, stderr: err });
          });
        }),
    );
  }
  /** The -include file of a precompiled Python.h for (lang, variant), built once; null if it would not build. */
  async pchFor(lang, variant) {
    const key = `${lang}-${variant}`;
    if (!this.pch.has(key)) {
      this.pch.set(
        key,
        (async () => {
          const dir = path.join(this.tmp, 'pch');
          fs.mkdirSync(dir, { recursive: true });
          const header = path.join(dir, `${key}.h`);
          fs.writeFileSync(header, `${variant === 'ssize' ? '#define PY_SSIZE_T_CLEAN\n' : ''}#include <Python.h>\n`);
          const r = await this.run(['-x', lang === 'c++' ? 'c++-header' : 'c-header', `-I${this.tc.include}`, header, '-o', `${header}.gch`], dir);
          return r.ok ? header : null;
        })(),
      );
    }
    return this.pch.get(key);
  }
  /** `gcc -fsyntax-only` of `file` with `defines`; ok, and gcc's error lines when not. */
  async check(file, text, lang, fixtureDir, defines, extraDefines) {
    const args = ['-fsyntax-only', '-x', lang, '-fmax-errors=20', ...(lang === 'c++' ? CXX_ERRORS : C_ERRORS), `-I${this.tc.include}`, `-I${fixtureDir}`];
    for (const d of [...extraDefines, ...defines]) args.push(`-D${d}`);
    const variant = extraDefines.length ? null : pchVariant(text);
    if (variant) {
      const pch = await this.pchFor(lang, variant);
      if (pch) args.push('-include', pch);
    }
    args.push(file);
    const r = await this.run(args, path.dirname(file));
    if (r.ok) return { ok: true, args, errors: [] };
    const counted = r.stderr.split('\n').filter((l) => /\b(?:error|fatal error):/.test(l) && !RETURN_TYPE_WARNINGS.test(l));
    const ok = !r.signal && r.code === 1 && counted.length === 0 && !/-fmax-errors|compilation terminated/.test(r.stderr);
    return { ok, args, errors: ok ? [] : errorLines(r.stderr, r.signal) };
  }
  killAll() {
    for (const c of this.children) {
      try {
        c.kill('SIGKILL');
      } catch {
        // gone
      }
    }
  }
}

function errorLines(stderr, signal) {
  const lines = stderr.split('\n');
  const out = [];
  for (let i = 0; i < lines.length && out.length < 12; i++) {
    if (/\berror\b|fatal/.test(lines[i]) && !RETURN_TYPE_WARNINGS.test(lines[i])) {
      out.push(lines[i]);
      if (lines[i + 1] && /^\s+\d*\s*\|/.test(lines[i + 1])) out.push(lines[i + 1]);
    }
  }
  if (!out.length) out.push(signal ? `gcc killed by ${signal}` : lines.slice(0, 6).join('\n') || 'gcc failed with no message');
  return out;
}

/** Every subset of `flags`, the empty one first. */
function settingsOf(flags) {
  const out = [];
  for (let mask = 0; mask < 1 << flags.length; mask++) out.push(flags.filter((_, i) => mask & (1 << i)));
  return out;
}

const settingName = (s) => (s.length ? s.map((f) => `-D${f}`).join(' ') : '(none defined)');

// ---------------------------------------------------------------------------------------------
// A run

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The built converter (dist/src/cli/runner's convertBytes), from a private copy of dist/ in the run's
 * temporary folder: other work on the project rebuilds dist/ (the test suite's global setup does),
 * and a run must not see it half-written. A dist/ being written when the run starts is waited for;
 * a missing one is built with scripts/build.js.
 */
async function loadConverter(root, tmp) {
  const dist = path.join(root, 'dist');
  const parts = [['src', 'cli', 'runner.js'], ['grammars', 'tree-sitter-c.wasm'], ['grammars', 'tree-sitter-cpp.wasm']];
  const ready = () => parts.every((p) => fs.existsSync(path.join(dist, ...p)));
  if (!fs.existsSync(dist)) execFileSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { cwd: root, stdio: 'inherit' });
  let lastError;
  for (let attempt = 0; attempt < 40; attempt++) {
    if (attempt === 30 && !ready()) execFileSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { cwd: root, stdio: 'inherit' });
    if (!ready()) {
      await sleep(2000);
      continue;
    }
    const snap = path.join(tmp, `dist-copy-${attempt}`);
    try {
      fs.mkdirSync(snap);
      fs.cpSync(dist, path.join(snap, 'dist'), { recursive: true });
      if (!parts.every((p) => fs.existsSync(path.join(snap, 'dist', ...p)))) throw new Error('dist/ changed while it was copied');
      fs.symlinkSync(path.join(root, 'node_modules'), path.join(snap, 'node_modules'), 'dir');
      fs.copyFileSync(path.join(root, 'package.json'), path.join(snap, 'package.json'));
      const runner = require(path.join(snap, 'dist', 'src', 'cli', 'runner'));
      // One conversion proves the copy whole (every module it loads, both grammars).
      for (const f of ['minimal/input.c', 'cpp-extern-c/input.cpp']) {
        const file = path.join(root, 'fixtures', f);
        if (fs.existsSync(file)) await runner.convertBytes(file, fs.readFileSync(file), { ...BASE_OPTIONS });
      }
      return runner.convertBytes;
    } catch (e) {
      lastError = e;
      await sleep(2000);
    }
  }
  throw new Error(`fuzz: cannot load the built converter from ${dist}: ${lastError ? lastError.message : 'dist/ is incomplete'}`);
}

/**
 * Runs `count` mutants (or only mutant `only`) of the run seeded `seed`. Findings are written under
 * `out`; the summary's counts add up to the number of mutants run.
 */
async function runFuzz(opts) {
  const root = opts.root || ROOT;
  const seed = opts.seed >>> 0;
  const count = opts.count;
  const jobs = Math.max(1, opts.jobs || 2);
  const log = opts.log || (() => {});
  const toolchain = opts.toolchain || findToolchain();
  if (toolchain.missing) throw new Error(`fuzz: cannot compile: ${toolchain.missing}`);
  const seeds = loadSeeds(root, opts.fixtures);
  if (!seeds.length) throw new Error('fuzz: no fixture inputs to mutate');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pep489-fuzz-'));
  const compiler = new Compiler(toolchain, tmp, jobs);
  const counts = { discarded: 0, changed: 0, refused: 0, other: 0 };
  const findings = [];
  const started = Date.now();
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    compiler.killAll();
    if (!opts.keepTemp) fs.rmSync(tmp, { recursive: true, force: true });
  };
  const onSigint = () => {
    cleanup();
    process.stderr.write(`\nfuzz: interrupted (seed ${seed})\n`);
    process.exit(130);
  };
  if (opts.handleSigint) process.on('SIGINT', onSigint);
  let convertBytes;
  try {
    // The built converter; a test may hand in another (a broken one, to see the harness catch it).
    convertBytes = opts.convertBytes || (await loadConverter(root, tmp));
  } catch (e) {
    cleanup();
    if (opts.handleSigint) process.removeListener('SIGINT', onSigint);
    throw e;
  }

  // Conversions run one at a time on this thread; gcc runs beside them.
  let convertChain = Promise.resolve();
  const convert = (file, bytes, options) => {
    const p = convertChain.then(() => convertBytes(file, bytes, options));
    convertChain = p.catch(() => {});
    return p;
  };

  const indexes = opts.only !== undefined ? [opts.only] : Array.from({ length: count }, (_, i) => i);
  let done = 0;

  async function one(index) {
    const mutant = makeMutant(seeds, seed, index);
    const { seed: fx } = mutant;
    const dir = path.join(tmp, `m${index}`);
    fs.mkdirSync(dir);
    for (const h of fx.headers) fs.copyFileSync(path.join(fx.dir, h), path.join(dir, h));
    const file = path.join(dir, fx.file);
    fs.writeFileSync(file, mutant.bytes);
    const text = mutant.bytes.toString('latin1');
    const defines = fx.options.defines || [];
    const settings = settingsOf(mutant.flags);
    const inputResults = await Promise.all(settings.map((s) => compiler.check(file, text, fx.lang, fx.dir, s, defines)));
    const compiled = settings.filter((_, i) => inputResults[i].ok);
    const base = { seed, index, fixture: fx.name, file: fx.file, mutations: mutant.mutations, flags: mutant.flags, options: fx.options };
    const finding = (extra, after) => {
      findings.push({ ...base, ...extra });
      if (opts.out) saveFinding(opts.out, { ...base, ...extra }, mutant, after, fx);
    };
    try {
      if (!compiled.length) {
        counts.discarded++;
        return;
      }
      let result;
      try {
        result = await convert(file, mutant.bytes, { ...fx.options });
      } catch (e) {
        finding({ kind: 'crash', error: (e && e.stack) || String(e) });
        return;
      }
      if (result.reason && /internal error|this is a bug/i.test(result.reason)) {
        finding({ kind: 'internal error', status: result.status, reason: result.reason, line: result.line });
        return;
      }
      if (result.status !== 'changed') {
        if (result.status === 'failed') counts.refused++;
        else counts.other++;
        return;
      }
      if (!result.after) {
        finding({ kind: 'changed without output', status: result.status });
        return;
      }
      const out = path.join(dir, `output${path.extname(fx.file)}`);
      fs.writeFileSync(out, result.after);
      const outText = result.after.toString('latin1');
      const outResults = await Promise.all(compiled.map((s) => compiler.check(out, outText, fx.lang, fx.dir, s, defines)));
      const broken = compiled.map((s, i) => ({ setting: s, r: outResults[i] })).filter((x) => !x.r.ok);
      if (broken.length) {
        finding(
          {
            kind: 'output does not compile',
            inputCompiles: compiled.map(settingName),
            outputFails: broken.map((b) => ({ setting: settingName(b.setting), errors: b.r.errors, command: ['gcc', ...b.r.args].join(' ') })),
          },
          result.after,
        );
        return;
      }
      counts.changed++;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      done++;
      if (opts.progress && done % 500 === 0 && done < indexes.length)
        log(
          `fuzz: ${done}/${indexes.length} mutants, ${findings.length} finding(s), ${counts.discarded} discarded, ${Math.round((Date.now() - started) / 1000)}s`,
        );
    }
  }

  try {
    // A few more mutants in flight than gcc slots, so a conversion never leaves gcc idle.
    const inFlight = limiter(jobs * 2 + 1);
    await Promise.all(indexes.map((i) => inFlight(() => one(i))));
  } finally {
    cleanup();
    if (opts.handleSigint) process.removeListener('SIGINT', onSigint);
  }
  findings.sort((a, b) => a.index - b.index);
  const n = indexes.length;
  const line =
    `fuzz: seed ${seed}, ${n} mutants: ${counts.discarded} discarded (input does not compile), ` +
    `${counts.changed} changed (all compiled), ${counts.refused} refused, ${counts.other} skipped/unchanged, ${findings.length} findings`;
  return { seed, mutants: n, ...counts, findings, line, tmp, gccRuns: compiler.runs, seconds: (Date.now() - started) / 1000, toolchain };
}

function saveFinding(outDir, f, mutant, after, fx) {
  const dir = path.join(outDir, `seed${f.seed}-${String(f.index).padStart(5, '0')}-${f.fixture}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const h of fx.headers) fs.copyFileSync(path.join(fx.dir, h), path.join(dir, h));
  fs.writeFileSync(path.join(dir, fx.file), mutant.bytes);
  if (after) fs.writeFileSync(path.join(dir, `output${path.extname(fx.file)}`), after);
  fs.writeFileSync(path.join(dir, 'finding.json'), JSON.stringify(f, null, 2) + '\n');
  const lines = [
    `kind: ${f.kind}`,
    `seed: ${f.seed}  mutant: ${f.index}  (node scripts/fuzz.js --seed ${f.seed} --only ${f.index} --fixture ${f.fixture})`,
    `fixture: fixtures/${f.fixture}/${f.file}`,
    `options: ${JSON.stringify(f.options)}`,
    `feature macros: ${f.flags.length ? f.flags.join(' ') : '(none)'}`,
    'mutations:',
    ...f.mutations.map((d) => `  - ${d}`),
  ];
  if (f.reason) lines.push(`reason: ${f.reason}${f.line ? ` (line ${f.line})` : ''}`);
  if (f.error) lines.push('error:', f.error);
  if (f.inputCompiles) lines.push(`input compiles with: ${f.inputCompiles.join('; ')}`);
  for (const b of f.outputFails || []) lines.push(`output fails with ${b.setting}:`, `  ${b.command}`, ...b.errors.map((e) => `  ${e}`));
  fs.writeFileSync(path.join(dir, 'finding.txt'), lines.join('\n') + '\n');
  return dir;
}

/** One finding in a few lines, for the console. */
function describeFinding(f) {
  const head = `finding: mutant ${f.index} of fixtures/${f.fixture} (--seed ${f.seed} --only ${f.index} --fixture ${f.fixture}): ${f.kind}`;
  const body = f.mutations.map((d) => `    ${d}`);
  if (f.reason) body.push(`    reason: ${f.reason}`);
  if (f.error) body.push(`    ${f.error.split('\n').slice(0, 3).join('\n    ')}`);
  for (const b of f.outputFails || []) body.push(`    output fails with ${b.setting}: ${b.errors[0]}`);
  return [head, ...body].join('\n');
}

module.exports = {
  BASE_OPTIONS,
  mulberry32,
  Rng,
  mutantSeed,
  loadSeeds,
  codeMask,
  analyze,
  makeMutant,
  MUTATIONS,
  findToolchain,
  pchVariant,
  settingsOf,
  runFuzz,
  describeFinding,
};
