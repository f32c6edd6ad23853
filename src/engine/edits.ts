/**
 * Edits as data, and the one place they are applied.
 *
 * Transforms never touch text: they return `{start, end, text}` edits against the original source.
 * Overlapping edits mean two rules disagree about the same code, which is a bug, so they are
 * rejected rather than resolved. New text is written with '\n' and converted to the file's own line
 * ending here, so no rule has to think about CRLF.
 */
import MagicString from 'magic-string';

export interface Edit {
  start: number;
  end: number;
  text: string;
  /** The id of the transform that made it, for error messages and --explain. */
  rule?: string;
}

export class OverlappingEditsError extends Error {
  constructor(
    readonly first: Edit,
    readonly second: Edit,
  ) {
    super(
      `edits overlap: ${first.rule ?? '?'} [${first.start}, ${first.end}) and ${second.rule ?? '?'} [${second.start}, ${second.end})`,
    );
  }
}

export const insert = (at: number, text: string, rule?: string): Edit => ({ start: at, end: at, text, rule });
export const remove = (start: number, end: number, rule?: string): Edit => ({ start, end, text: '', rule });
export const replace = (start: number, end: number, text: string, rule?: string): Edit => ({ start, end, text, rule });

function overlaps(a: Edit, b: Edit): boolean {
  // An insertion at the boundary of a replaced range does not overlap it; one strictly inside does.
  if (a.start === a.end) return b.start < a.start && a.start < b.end;
  if (b.start === b.end) return a.start < b.start && b.start < a.end;
  return a.start < b.end && b.start < a.end;
}

export function checkOverlaps(edits: readonly Edit[]): void {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && sorted[j].start <= sorted[i].end; j++) {
      if (overlaps(sorted[i], sorted[j])) throw new OverlappingEditsError(sorted[i], sorted[j]);
      if (sorted[i].start === sorted[i].end && sorted[j].start === sorted[j].end) continue;
      if (sorted[i].start === sorted[j].start && sorted[i].end === sorted[j].end && sorted[i].end > sorted[i].start)
        throw new OverlappingEditsError(sorted[i], sorted[j]);
    }
  }
}

/**
 * Applies edits to `source`. Insertions at the same point keep the order they were given in, and come
 * before a replacement that starts there.
 */
export function applyEdits(source: string, edits: readonly Edit[], eol: '\n' | '\r\n' = '\n'): string {
  checkOverlaps(edits);
  const s = new MagicString(source);
  const withEol = (t: string) => (eol === '\n' ? t : t.replace(/\r?\n/g, eol));
  // Replacements first: magic-string's overwrite would otherwise discard text appended at its edges.
  for (const e of edits) {
    if (e.start === e.end) continue;
    if (e.text === '') s.remove(e.start, e.end);
    else s.overwrite(e.start, e.end, withEol(e.text));
  }
  for (const e of edits) if (e.start === e.end) s.appendLeft(e.start, withEol(e.text));
  return s.toString();
}

/**
 * Where each edit's new text lands in the output of `applyEdits` (same order as sorted by position).
 * Used to tell problems in text we wrote from problems in text we kept.
 */
export function outputRanges(edits: readonly Edit[], eol: '\n' | '\r\n' = '\n'): { start: number; end: number }[] {
  const sorted = [...edits].sort((a, b) => a.start - b.start || (a.start === a.end ? -1 : 1));
  let delta = 0;
  return sorted.map((e) => {
    const len = (eol === '\n' ? e.text : e.text.replace(/\r?\n/g, eol)).length;
    const start = e.start + delta;
    delta += len - (e.end - e.start);
    return { start, end: start + len };
  });
}

/** Maps an index in the output of `applyEdits(source, edits)` back to an index in `source`. */
export function originalIndex(index: number, edits: readonly Edit[], eol: '\n' | '\r\n' = '\n'): number {
  const sorted = [...edits].sort((a, b) => a.start - b.start || (a.start === a.end ? -1 : 1));
  const out = outputRanges(sorted, eol);
  let delta = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (index < out[i].start) break;
    if (index < out[i].end) return sorted[i].start;
    delta = out[i].end - sorted[i].end;
  }
  return index - delta;
}
