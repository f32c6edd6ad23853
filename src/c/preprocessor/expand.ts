/**
 * Macro expansion as the standard says (C11 6.10.3): object-like and function-like macros, `#` and
 * `##`, `__VA_ARGS__`, arguments expanded before substitution (except next to `#`/`##`), and the
 * result rescanned with the macro's own name hidden, so a macro is never expanded inside its own
 * expansion (Prosser's hide sets). Tokens of an expansion point back at the use they came from.
 */
import type { Macro, MacroTable } from './macro-table';
import { spell, tokenize, type Token } from './tokens';

export interface Expanded extends Token {
  /** Names that may not expand again in this token (its hide set). */
  hide: ReadonlySet<string>;
  /** Offset of the outermost macro use this token came from (its own start when it is source text). */
  from: number;
  /** The chain of macros that produced it, outermost first. */
  via: readonly string[];
}

/** Beyond this many tokens an expansion is given up (a runaway or a huge table). */
const MAX_TOKENS = 200_000;

export class ExpansionError extends Error {}

const EMPTY: ReadonlySet<string> = new Set();

/** Source tokens start with an empty hide set; tokens of an expansion (arguments) keep theirs. */
function lift(t: Token | Expanded): Expanded {
  return 'hide' in t ? t : { ...t, hide: EMPTY, from: t.start, via: [] };
}

/** Expands `tokens` through `table`; `pick` chooses among several definitions of a name (default: the first). */
export function expand(tokens: readonly (Token | Expanded)[], table: MacroTable, pick: (name: string) => Macro | undefined = (n) => table.first(n)): Expanded[] {
  const input: Expanded[] = tokens.map(lift);
  const out: Expanded[] = [];
  let produced = 0;
  // A work list processed from the front; expansions are pushed back onto it for rescanning.
  const work = input.reverse();
  while (work.length) {
    const t = work.pop()!;
    if (++produced > MAX_TOKENS) throw new ExpansionError('expansion too long');
    const macro = t.kind === 'ident' && !t.hide.has(t.text) ? pick(t.text) : undefined;
    if (!macro) {
      out.push(t);
      continue;
    }
    if (macro.params === null) {
      const hide = new Set(t.hide).add(macro.name);
      const body = substitute(macro, [], hide, t, table, pick);
      for (let i = body.length - 1; i >= 0; i--) work.push(body[i]);
      continue;
    }
    // A function-like macro name not followed by `(` is an ordinary identifier.
    const next = work[work.length - 1];
    if (!next || next.text !== '(') {
      out.push(t);
      continue;
    }
    work.pop();
    const args: Expanded[][] = [[]];
    let depth = 0;
    let close: Expanded | undefined;
    while (work.length) {
      const a = work.pop()!;
      if (a.text === '(') depth++;
      else if (a.text === ')') {
        if (depth === 0) {
          close = a;
          break;
        }
        depth--;
      } else if (a.text === ',' && depth === 0 && !(macro.variadic && args.length > macro.params.length)) {
        args.push([]);
        continue;
      }
      args[args.length - 1].push(a);
    }
    if (!close) throw new ExpansionError(`unterminated call of ${macro.name}`);
    if (macro.params.length === 0 && !macro.variadic && args.length === 1 && args[0].length === 0) args.length = 0;
    const hide = new Set([...t.hide].filter((h) => close!.hide.has(h))).add(macro.name);
    const body = substitute(macro, args, hide, t, table, pick);
    for (let i = body.length - 1; i >= 0; i--) work.push(body[i]);
  }
  return out;
}

/** The body with arguments substituted, `#` stringized and `##` pasted. */
function substitute(macro: Macro, args: Expanded[][], hide: ReadonlySet<string>, use: Expanded, table: MacroTable, pick: (name: string) => Macro | undefined): Expanded[] {
  const params = macro.params ?? [];
  const argOf = (name: string): Expanded[] | null => {
    if (macro.variadic && name === macro.variadicName) {
      const joined: Expanded[] = [];
      args.slice(params.length).forEach((a, i) => {
        if (i > 0) joined.push({ kind: 'punct', text: ',', start: -1, end: -1, space: false, hide: EMPTY, from: use.from, via: use.via });
        joined.push(...a);
      });
      return joined;
    }
    const i = params.indexOf(name);
    return i === -1 ? null : args[i] ?? [];
  };
  const at = (t: Token): Expanded => ({ ...t, start: -1, end: -1, hide, from: use.from, via: [...use.via, macro.name] });
  const body = macro.body;
  const out: Expanded[] = [];
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (b.text === '#' && macro.params !== null && i + 1 < body.length && argOf(body[i + 1].text)) {
      const arg = argOf(body[i + 1].text)!;
      out.push(at({ kind: 'string', text: JSON.stringify(spell(arg)), start: -1, end: -1, space: b.space }));
      i++;
      continue;
    }
    const pastedLeft = body[i + 1]?.text === '##';
    const pastedRight = body[i - 1]?.text === '##';
    if (b.text === '##') continue;
    const arg = b.kind === 'ident' ? argOf(b.text) : null;
    let pieces: Expanded[];
    if (arg) pieces = pastedLeft || pastedRight ? arg.map((a) => ({ ...a, hide: new Set([...a.hide, ...hide]) })) : expand(arg, table, pick).map((a) => ({ ...a, hide: new Set([...a.hide, ...hide]) }));
    else pieces = [at(b)];
    if (pieces.length) pieces[0] = { ...pieces[0], space: b.space };
    if (pastedRight && out.length && pieces.length) {
      // `a ## b`: the last token so far and the first of this piece become one token.
      const left = out.pop()!;
      const joined = tokenize(left.text + pieces[0].text);
      out.push(...joined.map((j, k) => ({ ...at(j), space: k === 0 ? left.space : false })));
      pieces = pieces.slice(1);
    }
    // A loop, not push(...pieces): a long argument would overflow the call stack.
    for (const p of pieces) out.push(p);
  }
  // The expansion stands where the use stood, with the use's spacing.
  if (out.length) out[0] = { ...out[0], space: use.space };
  return out;
}

/** Expands the text between `start` and `end` of `text` (one statement, one function body). */
export function expandText(text: string, start: number, end: number, table: MacroTable): Expanded[] {
  return expand(tokenize(text, start, end), table);
}
