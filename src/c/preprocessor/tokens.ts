/**
 * Preprocessing tokens (C11 6.4, the part a macro expander needs): identifiers, numbers, string
 * and character literals, punctuators. Comments and backslash-newlines are white space. Each token
 * keeps where it stands in the text, so an expansion can say which line it came from.
 */

export type TokenKind = 'ident' | 'number' | 'string' | 'char' | 'punct';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Offsets in the text the token was read from (-1 for tokens an expansion made). */
  start: number;
  end: number;
  /** White space (or a comment) before it: `#` of a parameter keeps it when stringizing. */
  space: boolean;
}

const PUNCTUATORS = [
  '...', '<<=', '>>=', '->', '++', '--', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '*=', '/=', '%=',
  '+=', '-=', '&=', '^=', '|=', '##', '::',
];

const IDENT_START = /[A-Za-z_$]/;
const IDENT_PART = /[A-Za-z0-9_$]/;

/** Tokens of `text` between `from` and `to`; a `\n` ends nothing here (directive lines are cut by the caller). */
export function tokenize(text: string, from = 0, to = text.length): Token[] {
  const out: Token[] = [];
  let i = from;
  let space = false;
  while (i < to) {
    const c = text[i];
    if (c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      i += text[i + 1] === '\n' ? 2 : 3;
      space = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      space = true;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? to : end + 2;
      space = true;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < to && text[i] !== '\n') i++;
      space = true;
      continue;
    }
    const start = i;
    let kind: TokenKind;
    const prefixed = /^(u8|u|U|L)?(["'])/.exec(text.slice(i, i + 3));
    if (prefixed) {
      const quote = prefixed[2];
      i += prefixed[0].length;
      while (i < to && text[i] !== quote && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      i = Math.min(i + 1, to);
      kind = quote === '"' ? 'string' : 'char';
    } else if (IDENT_START.test(c)) {
      while (i < to && IDENT_PART.test(text[i])) i++;
      kind = 'ident';
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      // pp-number: digits, letters, dots, and signs after an exponent letter.
      i++;
      while (i < to && (/[A-Za-z0-9_.]/.test(text[i]) || (/[+-]/.test(text[i]) && /[eEpP]/.test(text[i - 1])))) i++;
      kind = 'number';
    } else {
      const p = PUNCTUATORS.find((q) => text.startsWith(q, i));
      i += p ? p.length : 1;
      kind = 'punct';
    }
    out.push({ kind, text: text.slice(start, i), start, end: i, space });
    space = false;
  }
  return out;
}

/** Tokens written back as text, with single spaces where the source had white space. */
export function spell(tokens: readonly Token[]): string {
  return tokens.map((t, i) => (i > 0 && t.space ? ' ' : '') + t.text).join('');
}
