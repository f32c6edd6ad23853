/**
 * Bytes in, text out, and back again, without changing a byte the conversion did not touch.
 *
 * Valid UTF-8 is decoded as UTF-8 (a BOM is remembered and removed, so tree-sitter and the edits
 * never see it). Anything else is decoded as Latin-1, one character per byte: the edits only ever
 * insert ASCII, so encoding back as Latin-1 gives every original byte exactly as it was.
 */
import { rememberByText } from './recent-texts';

export type Encoding = 'utf8' | 'latin1';

export interface DecodedText {
  text: string;
  encoding: Encoding;
  bom: boolean;
}

export class BinaryFileError extends Error {}

const BOM = '\uFEFF';

export function decode(bytes: Uint8Array): DecodedText {
  if (bytes.includes(0)) throw new BinaryFileError('contains NUL bytes, so it is not a C source file');
  let text: string;
  let encoding: Encoding = 'utf8';
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    text = Buffer.from(bytes).toString('latin1');
    encoding = 'latin1';
  }
  const bom = encoding === 'utf8' && text.startsWith(BOM);
  return { text: bom ? text.slice(1) : text, encoding, bom };
}

export function encode(decoded: DecodedText): Buffer {
  const text = decoded.bom ? BOM + decoded.text : decoded.text;
  return Buffer.from(text, decoded.encoding === 'utf8' ? 'utf8' : 'latin1');
}

/** The line ending most lines of the file use; new lines are written the same way. */
export function detectEol(text: string): '\n' | '\r\n' {
  const crlf = text.match(/\r\n/g)?.length ?? 0;
  const lf = (text.match(/\n/g)?.length ?? 0) - crlf;
  return crlf > lf ? '\r\n' : '\n';
}

/** Shorter texts are counted directly: indexing them costs more than it saves. */
const INDEX_FROM_LENGTH = 8192;

/** The offsets of a text's newlines (a conversion asks about a few texts many times). */
const newlinesOf = rememberByText((text) => {
  const at: number[] = [];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) at.push(i);
  return Int32Array.from(at);
});

/** 1-based line number of a string index: 1 + the newlines before it. */
export function lineOf(text: string, index: number): number {
  if (text.length < INDEX_FROM_LENGTH) {
    let line = 1;
    for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
    return line;
  }
  // Asked once per #define, per refusal, per finding: counting from the start each time made a 2 MB
  // file's conversion quadratic. The newlines' offsets, found once, are searched instead.
  const newlines = newlinesOf(text);
  let lo = 0;
  let hi = newlines.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (newlines[mid] < index) lo = mid + 1;
    else hi = mid;
  }
  return lo + 1;
}

export function lineStart(text: string, index: number): number {
  return text.lastIndexOf('\n', index - 1) + 1;
}

/** Index just past the end of the line holding `index` (past its newline, if it has one). */
export function lineEndAfterNewline(text: string, index: number): number {
  const nl = text.indexOf('\n', index);
  return nl === -1 ? text.length : nl + 1;
}

/** The leading whitespace of the line holding `index`. */
export function indentationAt(text: string, index: number): string {
  const start = lineStart(text, index);
  return /^[ \t]*/.exec(text.slice(start, index))![0];
}
