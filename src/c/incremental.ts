/**
 * Reparsing a text from the tree of a text it differs little from.
 *
 * One conversion parses many texts that differ from each other in a few places: the parse view (the
 * input with stand-ins of the same length), each reading of the conditionals (lines blanked), each
 * preparation's result and the output (a few edits). tree-sitter reuses every subtree an edit does
 * not touch, so reparsing from the nearest earlier tree costs about the edited part, not the file.
 * The changes are found by comparing the texts, so callers need not say what they changed.
 */
import type { Edit as TreeEdit, Parser, Point, Tree } from 'web-tree-sitter';

/** Changes closer than this are sent as one edit: fewer edits, and the reparse relexes the gap anyway. */
const MERGE_GAP = 64;
/** Past this share of the text changed, a fresh parse is as cheap and has nothing to reconcile. */
const MAX_CHANGED_SHARE = 0.5;

type Span = { start: number; oldEnd: number; newEnd: number };

/** Where two texts of the same length differ, as spans merged across small gaps. */
function sameLengthChanges(a: string, b: string): Span[] {
  const spans: Span[] = [];
  const n = a.length;
  let i = 0;
  while (i < n) {
    if (a.charCodeAt(i) === b.charCodeAt(i)) {
      i++;
      continue;
    }
    let end = i + 1;
    let gap = 0;
    for (let k = end; k < n && gap < MERGE_GAP; k++) {
      if (a.charCodeAt(k) === b.charCodeAt(k)) gap++;
      else {
        end = k + 1;
        gap = 0;
      }
    }
    spans.push({ start: i, oldEnd: end, newEnd: end });
    i = end;
  }
  return spans;
}

/** One span from the common prefix to the common suffix. */
function prefixSuffixChange(a: string, b: string): Span[] {
  const max = Math.min(a.length, b.length);
  let p = 0;
  while (p < max && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  let s = 0;
  while (s < max - p && a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s)) s++;
  if (p === a.length && p === b.length) return [];
  return [{ start: p, oldEnd: a.length - s, newEnd: b.length - s }];
}

/** How `to` differs from `from`, or null when too much of it does for a reparse to pay. */
export function textChanges(from: string, to: string): Span[] | null {
  const spans = from.length === to.length ? sameLengthChanges(from, to) : prefixSuffixChange(from, to);
  const changed = spans.reduce((sum, s) => sum + Math.max(s.oldEnd, s.newEnd) - s.start, 0);
  return changed > MAX_CHANGED_SHARE * Math.max(to.length, 1) ? null : spans;
}

/** Row and column (in string indices, as the tree's) of each index, in ascending order. */
function pointsOf(text: string, indices: number[]): Map<number, Point> {
  const sorted = [...new Set(indices)].sort((x, y) => x - y);
  const points = new Map<number, Point>();
  let row = 0;
  let lineStart = 0;
  let at = 0;
  for (const index of sorted) {
    for (; at < index; at++)
      if (text.charCodeAt(at) === 10) {
        row++;
        lineStart = at + 1;
      }
    points.set(index, { row, column: index - lineStart });
  }
  return points;
}

/** The point reached from `from` (at index `start`) over text[start, end). */
function advance(from: Point, text: string, start: number, end: number): Point {
  let { row, column } = from;
  for (let i = start; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      row++;
      column = 0;
    } else column++;
  }
  return { row, column };
}

/**
 * Parse `text` reusing `base`, the tree of `baseText`; `base` itself is left as it was. Spans are
 * applied last to first, so the text before each is still the base's: its start and old end are
 * points of the base text, its new end that start advanced over the new text.
 */
export function reparse(parser: Parser, baseText: string, base: Tree, text: string, spans: Span[]): Tree | null {
  const oldPoints = pointsOf(baseText, spans.flatMap((s) => [s.start, s.oldEnd]));
  const copy = base.copy();
  try {
    for (const s of [...spans].reverse()) {
      const edit: TreeEdit = {
        startIndex: s.start,
        oldEndIndex: s.oldEnd,
        newEndIndex: s.newEnd,
        startPosition: oldPoints.get(s.start)!,
        oldEndPosition: oldPoints.get(s.oldEnd)!,
        newEndPosition: advance(oldPoints.get(s.start)!, text, s.start, s.newEnd),
      };
      copy.edit(edit);
    }
    return parser.parse(text, copy);
  } finally {
    copy.delete();
  }
}
