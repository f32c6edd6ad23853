/**
 * Deleting statements the way a person would: the whole line goes when the statement stands alone on
 * it (with a comment trailing it on that line), and a blank line left dangling right after an opening
 * brace goes too. A statement that shares its line with other code loses just its own text.
 */
import { Edit, remove } from './edits';
import type { Node } from '../c/parse';
import { lineEndAfterNewline, lineStart } from '../c/text';

interface Span {
  start: number;
  end: number;
}

/** The range to delete for `node`: its whole line(s) when nothing else is on them. */
export function statementSpan(text: string, node: Span): Span {
  const ls = lineStart(text, node.start);
  const before = text.slice(ls, node.start);
  const le = lineEndAfterNewline(text, node.end);
  const after = text.slice(node.end, le);
  const aloneBefore = /^[ \t]*$/.test(before);
  const aloneAfter = /^[ \t]*(\/\/.*|\/\*.*?\*\/[ \t]*)?\r?\n?$/.test(after);
  if (aloneBefore && aloneAfter) return { start: ls, end: le };
  // Shares the line: take the statement and the spaces after it, or, when it ends the line, the
  // spaces before it (so no line is left ending in blanks).
  const trailing = /^[ \t]*/.exec(after)![0].length;
  if (aloneAfter) return { start: node.start - /[ \t]*$/.exec(before)![0].length, end: node.end };
  return { start: node.start, end: node.end + trailing };
}

function isBlankLine(text: string, start: number): boolean {
  const end = lineEndAfterNewline(text, start);
  return start < end && /^[ \t]*\r?\n$/.test(text.slice(start, end));
}

/** Edits that delete `nodes` (statements or declarations), merging neighbours into one deletion. */
export function removeStatements(text: string, nodes: readonly (Node | Span)[], rule?: string): Edit[] {
  const spans = nodes
    .map((n) => statementSpan(text, 'startIndex' in n ? { start: n.startIndex, end: n.endIndex } : n))
    .sort((a, b) => a.start - b.start);
  const merged: Span[] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else merged.push({ ...s });
  }
  for (const m of merged) {
    // A merged run that ends its line takes the blanks before it too.
    const rest = text.slice(m.end, lineEndAfterNewline(text, m.end));
    if (m.start !== lineStart(text, m.start) && /^[ \t]*\r?\n?$/.test(rest))
      m.start -= /[ \t]*$/.exec(text.slice(lineStart(text, m.start), m.start))![0].length;
    const wholeLines = m.start === lineStart(text, m.start) && (m.end === text.length || text[m.end - 1] === '\n');
    if (!wholeLines) continue;
    const prevLine = text.slice(lineStart(text, Math.max(0, m.start - 1)), m.start).trimEnd();
    if ((prevLine.endsWith('{') || prevLine === '') && isBlankLine(text, m.end)) m.end = lineEndAfterNewline(text, m.end);
  }
  return merged.map((m) => remove(m.start, m.end, rule));
}
