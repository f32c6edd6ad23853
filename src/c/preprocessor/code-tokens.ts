/**
 * The tokens of a stretch of code as the compiler reads it: directive lines are not code (their
 * `#define`s are in the macro table already), and a quoted `#include` in the middle of a function
 * brings the header's tokens in its place (`if (` / `#include "flags.h"` / `) return NULL;`).
 * Tokens that come from a header point at the `#include` line.
 */
import { tokenize, type Token } from './tokens';

const MAX_DEPTH = 3;

export function codeTokens(text: string, start: number, end: number, header: (name: string) => string | undefined = () => undefined, depth = 0): Token[] {
  const out: Token[] = [];
  // A directive line and its backslash continuations.
  const directive = /^[ \t]*#(?:[^\n\\]|\\(?!\r?\n))*(?:\\\r?\n(?:[^\n\\]|\\(?!\r?\n))*)*/gm;
  directive.lastIndex = start;
  let from = start;
  for (let m = directive.exec(text); m && m.index < end; m = directive.exec(text)) {
    out.push(...tokenize(text, from, m.index));
    from = Math.min(m.index + m[0].length, end);
    const include = /^[ \t]*#[ \t]*include[ \t]*"([^"]+)"/.exec(m[0]);
    const included = include && depth < MAX_DEPTH ? header(include[1]) : undefined;
    if (included !== undefined)
      for (const t of codeTokens(included, 0, included.length, header, depth + 1)) out.push({ ...t, start: m.index, end: m.index });
    if (m[0].length === 0) directive.lastIndex++;
  }
  out.push(...tokenize(text, from, end));
  return out;
}
