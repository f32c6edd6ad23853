/**
 * Where a C file's text is not code a rule may rewrite: comments, string and character literals,
 * and preprocessor lines (with their backslash continuations). Read as text, for the preparations
 * that work before tree-sitter can see the code.
 */
import { rememberByText } from './recent-texts';

export type Range = { start: number; end: number };

/** The preparations and the parse view ask about the same few texts. */
const scanned = rememberByText((text) => scanNonCode(text));

export function nonCodeRanges(text: string): Range[] {
  return scanned(text).slice();
}

function scanNonCode(text: string): Range[] {
  const out: Range[] = [];
  let lineHasCode = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      lineHasCode = false;
      continue;
    }
    const start = i;
    if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close === -1 ? text.length - 1 : close + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      const nl = text.indexOf('\n', i);
      i = (nl === -1 ? text.length : nl) - 1;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      i = Math.min(j, text.length - 1);
    } else if (c === '#' && !lineHasCode) {
      let j = i;
      for (;;) {
        const nl = text.indexOf('\n', j);
        if (nl === -1) {
          j = text.length;
          break;
        }
        if (!/\\\r?$/.test(text.slice(j, nl))) {
          j = nl;
          break;
        }
        j = nl + 1;
      }
      i = j - 1;
    } else {
      if (c !== ' ' && c !== '\t' && c !== '\r') lineHasCode = true;
      continue;
    }
    out.push({ start, end: i + 1 });
  }
  return out;
}

/**
 * Matches of `pattern` (a regular expression source) that start in code, not in `nonCode`, within
 * `[from, to)` of the text.
 */
export function codeMatches(text: string, pattern: string, nonCode: readonly Range[], from = 0, to = text.length): RegExpExecArray[] {
  const re = new RegExp(pattern, 'g');
  re.lastIndex = from;
  const out: RegExpExecArray[] = [];
  for (let m = re.exec(text); m && m.index < to; m = re.exec(text)) if (!insideAny(nonCode, m.index)) out.push(m);
  return out;
}

/** The range of `ranges` (sorted, apart, as nonCodeRanges returns them) holding `index`, by binary search. */
export function rangeAt(ranges: readonly Range[], index: number): Range | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid].end <= index) lo = mid + 1;
    else if (ranges[mid].start > index) hi = mid - 1;
    else return ranges[mid];
  }
  return undefined;
}

/** Is `index` inside one of `ranges` (sorted, as nonCodeRanges returns them)? */
export function insideAny(ranges: readonly Range[], index: number): boolean {
  return rangeAt(ranges, index) !== undefined;
}
