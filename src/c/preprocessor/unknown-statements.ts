/**
 * Macro calls used as whole statements whose definition no header we can see gives: pyuv's
 *
 *     #define XX(uc, lc) PyModule_AddIntMacro(pyuv, UV_##uc);
 *         UV_HANDLE_TYPE_MAP(XX)
 *     #undef XX
 *
 * (`UV_HANDLE_TYPE_MAP` is libuv's, in uv.h). With no `;` after it tree-sitter reads the call and
 * the next statement as one broken expression, and the init around it does not parse. Read as a
 * statement (`_                     ;`), the rest of the function reads as written.
 *
 * Only a reading aid: the exec check still refuses such a macro in exec (its expansion could return),
 * unless --verify builds and probes the conversion. The readable tree takes these stand-ins only
 * where a parse problem sits on the use, and only when the file then reads better.
 */
import { insideAny, rangeAt, type Range } from '../non-code';
import type { MacroTable } from './macro-table';
import { closingParen, standInText, type StandIn } from './parse-view';

export interface UnknownStatement extends StandIn {
  text: string;
}

/** The last code character before `at` (comments, strings and directive lines in `skip` passed over), or '' at the start. */
function codeCharBefore(text: string, at: number, skip: readonly Range[]): { char: string; afterDirective: boolean } {
  let i = at - 1;
  let afterDirective = false;
  while (i >= 0) {
    const range = rangeAt(skip, i);
    if (range) {
      if (text[range.start] === '#') afterDirective = true;
      i = range.start - 1;
    } else if (/\s/.test(text[i])) i--;
    else return { char: text[i], afterDirective };
  }
  return { char: '', afterDirective };
}

/**
 * Uses of `NAME(...)` (all capitals, not in the table) that stand where a statement starts, end
 * their line with no `;`, and are followed on a later line by what starts a statement, a `}` or a
 * directive.
 */
export function unknownStatementMacros(text: string, table: MacroTable, skip: readonly Range[]): UnknownStatement[] {
  const out: UnknownStatement[] = [];
  const call = /\b([A-Z_][A-Z0-9_]*[A-Z][A-Z0-9_]*)[ \t]*\(/g;
  for (let m = call.exec(text); m; m = call.exec(text)) {
    const name = m[1];
    const start = m.index;
    if (table.has(name) || insideAny(skip, start)) continue;
    const before = codeCharBefore(text, start, skip);
    if (!(before.char === '' || /[;{}:]/.test(before.char) || before.afterDirective)) continue;
    const end = closingParen(text, start + m[0].length - 1, skip);
    if (end === -1) continue;
    // Nothing but blanks (or a comment) after it on its line.
    let i = end;
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || (insideAny(skip, i) && text[i] !== '\n'))) i++;
    if (i < text.length && text[i] !== '\n' && text[i] !== '\r') continue;
    // The next code on a later line starts a statement (a word), closes the block, or is a directive.
    while (i < text.length && (/\s/.test(text[i]) || (insideAny(skip, i) && text[i] !== '#'))) i++;
    if (i < text.length && !/[A-Za-z_}#]/.test(text[i])) continue;
    // As parse-view.ts stands in a statement macro: `_` first and `;` last, line breaks kept.
    const replacement = standInText(text.slice(start, end), '_', ';');
    if (replacement === null) continue;
    out.push({ start, end, macro: name, role: 'statement', text: replacement });
    call.lastIndex = end;
  }
  return out;
}
