/**
 * The tree the transforms work on, when the plain parse has errors.
 *
 * tree-sitter reads C, not the preprocessor. Valid code where a conditional splits a construct
 * (two `#if` branches that each open a brace, an `} else` closed under `#endif`, an `#ifndef
 * NDEBUG` entry in a method table) makes it lose everything around, sometimes the module init.
 * Two readings are tried on a copy of the text, with blanked characters so that offsets and lines
 * stay where they were:
 *
 *  1. every multi-branch conditional keeps one branch (maskInactiveBranches);
 *  2. then, round by round, the single-branch conditionals tree-sitter still cannot place (its
 *     `#if` or `#endif` sits in an ERROR, or an ERROR sits inside it, innermost first) lose their
 *     directive lines and keep their code, as if the condition held; `#if 0`, and `#ifdef
 *     __cplusplus` in C, lose their code instead.
 *
 *  3. last, every single-branch conditional outside the init loses its directive lines at once
 *     (pairs that open a brace in one and close it in another only read well together).
 *
 * The reading with the least code inside errors wins. What was blanked comes back with it: no edit
 * may land there, and hidden code inside the init must be inert (see engine.ts).
 *
 * All of this starts from the parse view (preprocessor/parse-view.ts) when a macro table is given:
 * macro uses tree-sitter cannot read are already replaced by stand-ins of the same length. The
 * chosen tree then shows the real text (blanked lines still blank), so rules read what the user wrote.
 */
import type { Node } from 'web-tree-sitter';
import { blankRanges, Conditional, maskInactiveBranches, scanConditionals } from './conditionals';
import type { Lang } from './parse';
import { parseProblems } from './parse';
import { initFunctions } from '../engine/module-init';
import type { MacroTable } from './preprocessor/macro-table';
import { parseView, type ParseView, type StandIn } from './preprocessor/parse-view';
import { unknownStatementMacros } from './preprocessor/unknown-statements';
import { nonCodeRanges } from './non-code';

export type Range = { start: number; end: number };

export interface ReadableTree {
  root: Node;
  /** Blanked ranges of the text the tree was parsed from. */
  masked: Range[];
  /** Ranges among `masked` that hid code, not only a directive line. */
  hidden: Range[];
  conditionals: Conditional[];
  /** Macro uses read through a stand-in (no edit may cut into one). */
  standIns: StandIn[];
}

/** Characters inside ERROR nodes, plus one per missing token: less is better. */
export function badness(root: Node): number {
  let total = 0;
  for (const p of parseProblems(root)) total += p.isError ? Math.max(1, p.endIndex - p.startIndex) : 1;
  return total;
}

const MAX_ROUNDS = 6;

/** Did tree-sitter read this conditional as one preprocessor node, `#if` to `#endif`? */
function placed(root: Node, text: string, c: Conditional): boolean {
  const hash = text.indexOf('#', c.start);
  const token = root.descendantForIndex(hash, hash + 1);
  const parent = token?.parent;
  if (!parent || !/^preproc_(if|ifdef)$/.test(parent.type)) return false;
  // Its node must end at its own `#endif`, not run on to a later one.
  const endif = text.lastIndexOf('#', c.end - 1);
  return parent.endIndex > endif && parent.endIndex <= c.end;
}

/** A single-branch conditional whose code is never compiled here (`#if 0`, C++ only in a C file). */
function neverTaken(c: Conditional, lang: Lang): boolean {
  const b = c.branches[0];
  if (b.kind === 'if' && /^\(?\s*0\s*\)?$/.test(b.condition)) return true;
  const cplusplus = /^(defined\s*\(?\s*)?__cplusplus\s*\)?$/.test(b.condition);
  if (!cplusplus) return false;
  const positive = b.kind === 'ifdef' || b.kind === 'if';
  return lang === 'c' ? positive : !positive;
}

/** What blanking these single-branch conditionals blanks, and which of that is code. */
function blanking(batch: Conditional[], lang: Lang): { add: Range[]; addHidden: Range[] } {
  const add: Range[] = [];
  const addHidden: Range[] = [];
  for (const c of batch) {
    const b = c.branches[0];
    if (neverTaken(c, lang)) {
      add.push({ start: c.start, end: c.end });
      addHidden.push({ start: c.start, end: c.end });
    } else {
      add.push({ start: b.directiveStart, end: b.bodyStart }, { start: b.bodyEnd, end: c.end });
    }
  }
  return { add, addHidden };
}

export function readableTree(parse: (text: string) => Node, realText: string, lang: Lang, table?: MacroTable): ReadableTree {
  let view = table ? parseView(realText, table) : { text: realText, standIns: [] };
  let best = readViewTree(parse, view.text, lang);
  if (table && best.root.hasError) {
    const unknown = withUnknownStatements(parse, view, best, lang, table);
    if (unknown) ({ view, best } = unknown);
  }
  if (view.standIns.length) {
    // Nodes show what the user wrote, where the view has stand-ins (the tree is the view's own, by text).
    const shown = blankRanges(realText, best.masked);
    (best.root.tree as unknown as { textCallback: (index: number) => string }).textCallback = (index: number) => shown.slice(index);
  }
  return { ...best, standIns: view.standIns };
}

/**
 * The reading with macro calls of unknown definition read as statements (preprocessor/
 * unknown-statements.ts), where a parse problem sits on such a use, when it reads better.
 */
function withUnknownStatements(
  parse: (text: string) => Node,
  view: ParseView,
  best: Omit<ReadableTree, 'standIns'>,
  lang: Lang,
  table: MacroTable,
): { view: ParseView; best: Omit<ReadableTree, 'standIns'> } | null {
  const skip = nonCodeRanges(view.text);
  const problems = parseProblems(best.root);
  const inMasked = (i: number) => best.masked.some((r) => r.start <= i && i < r.end);
  const taken = (u: Range) => view.standIns.some((s) => s.start < u.end && u.start < s.end);
  const chosen = unknownStatementMacros(view.text, table, skip).filter((u) => {
    if (inMasked(u.start) || taken(u)) return false;
    // The problem is on the use, or on the line after it (the next statement read as its operand).
    const lineAfter = view.text.indexOf('\n', view.text.indexOf('\n', u.end) + 1);
    const reach = lineAfter === -1 ? view.text.length : lineAfter;
    return problems.some((p) => p.startIndex <= reach && p.endIndex >= u.start);
  });
  if (chosen.length === 0) return null;
  const pieces: string[] = [];
  let at = 0;
  for (const u of chosen) {
    pieces.push(view.text.slice(at, u.start), u.text);
    at = u.end;
  }
  pieces.push(view.text.slice(at));
  const next: ParseView = {
    text: pieces.join(''),
    standIns: [...view.standIns, ...chosen.map(({ start, end, macro, role }) => ({ start, end, macro, role }))].sort((a, b) => a.start - b.start),
  };
  const nextBest = readViewTree(parse, next.text, lang);
  return badness(nextBest.root) < badness(best.root) ? { view: next, best: nextBest } : null;
}

function readViewTree(parse: (text: string) => Node, text: string, lang: Lang): Omit<ReadableTree, 'standIns'> {
  const plain = parse(text);
  let best: Omit<ReadableTree, 'standIns'> = { root: plain, masked: [], hidden: [], conditionals: [] };
  if (!plain.hasError) return best;
  let bestBad = badness(plain);

  const first = maskInactiveBranches(text);
  const conditionals = first.masked.length ? first.conditionals : scanConditionals(text);
  let masked = first.masked.slice();
  let hidden = first.hidden.slice();
  let current = first.text;
  let root = first.masked.length ? parse(current) : plain;
  let bad = first.masked.length ? badness(root) : bestBad;
  if (bad < bestBad) {
    best = { root, masked, hidden, conditionals };
    bestBad = bad;
  }

  const inMasked = (i: number) => masked.some((r) => r.start <= i && i < r.end);
  const single = conditionals.filter((c) => c.branches.length === 1);
  const done = new Set<Conditional>();
  for (let round = 0; round < MAX_ROUNDS && root.hasError; round++) {
    const open = single.filter((c) => !done.has(c) && !inMasked(c.start));
    const unplaced = new Set(open.filter((c) => !placed(root, current, c)));
    // An error inside a conditional tree-sitter did place (`} else` closed under `#endif`): the
    // innermost conditional around it.
    for (const p of parseProblems(root)) {
      if (!p.isError) continue;
      const around = open.filter((c) => c.start <= p.startIndex && p.startIndex < c.end);
      if (around.length) unplaced.add(around.reduce((a, b) => (b.end - b.start < a.end - a.start ? b : a)));
    }
    if (unplaced.size === 0) break;
    for (const c of unplaced) done.add(c);
    // All of them at once; when that reads worse, one at a time, keeping each that helps.
    const batches = [[...unplaced], ...(unplaced.size > 1 ? [...unplaced].map((c) => [c]) : [])];
    let improved = false;
    for (const batch of batches) {
      const { add, addHidden } = blanking(batch, lang);
      const nextText = blankRanges(current, add);
      const nextRoot = parse(nextText);
      const nextBad = badness(nextRoot);
      if (nextBad >= bad) continue;
      current = nextText;
      root = nextRoot;
      bad = nextBad;
      masked = [...masked, ...add];
      hidden = [...hidden, ...addHidden];
      improved = true;
      if (batch.length > 1) break;
    }
    if (!improved) break;
    if (bad < bestBad) {
      best = { root, masked, hidden, conditionals };
      bestBad = bad;
    }
  }
  // Pairs of conditionals that open a brace in one and close it in another only read well blanked
  // together: last, every single-branch conditional outside the init loses its directives at once
  // (the init's own keep theirs, which its rules read).
  if (bestBad > 0) {
    const rest = single.filter((c) => !inMasked(c.start));
    if (rest.length) {
      const probeRoot = parse(blankRanges(current, blanking(rest, lang).add));
      const spans = initSpans(probeRoot, current);
      if (spans.length) {
        const outside = rest.filter((c) => !spans.some((f) => f.start <= c.start && c.end <= f.end));
        const { add, addHidden } = blanking(outside, lang);
        const allText = blankRanges(current, add);
        const allRoot = parse(allText);
        if (badness(allRoot) < bestBad) best = { root: allRoot, masked: [...masked, ...add], hidden: [...hidden, ...addHidden], conditionals };
      }
    }
  }
  return restoreInitBranches(parse, text, best);
}

/**
 * Last, the multi-branch conditionals inside the init get both branches back when tree-sitter
 * reads them that way (statements in `#ifdef X ... #else ... #endif`): the rules must see, and
 * change, every branch, not only the one kept to make some other part of the file readable.
 */
function restoreInitBranches(parse: (text: string) => Node, text: string, best: Omit<ReadableTree, 'standIns'>): Omit<ReadableTree, 'standIns'> {
  if (best.masked.length === 0) return best;
  const spans = initSpans(best.root, best.root.text);
  if (spans.length === 0) return best;
  let current = best;
  let bad = badness(best.root);
  const inside = (c: Conditional) => spans.some((f) => f.start <= c.start && c.end <= f.end);
  for (const c of best.conditionals.filter((c) => c.branches.length > 1 && inside(c))) {
    const within = (r: Range) => c.start <= r.start && r.end <= c.end;
    if (!current.masked.some(within)) continue;
    // Inner conditionals stay as they were read; this one's own directives and branches come back.
    const keep = current.masked.filter((r) => !within(r) || best.conditionals.some((d) => d !== c && c.start < d.start && d.end <= c.end && d.start <= r.start && r.end <= d.end));
    // Its directives kept (`#ifdef X stmts #else stmts #endif` reads as such), else blanked with
    // every branch's code left in place (an `else if` chain split across `#if`/`#elif`).
    const directives: Range[] = [...c.branches.map((b) => ({ start: b.directiveStart, end: b.bodyStart })), { start: c.branches[c.branches.length - 1].bodyEnd, end: c.end }];
    for (const masked of [keep, [...keep, ...directives]]) {
      const root = parse(blankRanges(text, masked));
      const nextBad = badness(root);
      if (nextBad > bad) continue;
      current = { root, masked, hidden: current.hidden.filter((r) => keep.some((k) => k.start === r.start && k.end === r.end)), conditionals: current.conditionals };
      bad = nextBad;
      break;
    }
  }
  return current;
}

/** Where PyInit and the helper it returns (if any) stand, as read from `root`. */
function initSpans(root: Node, text: string): Range[] {
  const { entry, work } = initFunctions(root, text);
  return [entry, work].filter((n): n is Node => !!n).map((n) => ({ start: n.startIndex, end: n.endIndex }));
}

/** Problems of the best reading of `text`, outside the ranges in `skip`. */
/**
 * Parse problems outside `skip`, in the better of the plain and the readable reading. With
 * `enough`, a plain count at or under it is returned as is: the caller only needs to know the
 * count does not exceed it, and the staged reading (several reparses) is the expensive part.
 */
/**
 * Does `output` read with no more problems than `input`, in the plain parse or in the readable
 * tree? Each reading is compared with the same reading of the input: a file whose plain parse is
 * one ERROR node over a whole `extern "C" {` region (fastcache) counts 1 there and several in the
 * readable tree, and mixing the two made a correct output look worse. `skip` are ranges of the
 * output that are not counted (what the conversion wrote itself).
 */
export function readsNoWorse(
  parse: (text: string) => Node,
  input: string,
  output: string,
  skip: Range[],
  readable: (text: string) => ReadableTree,
): boolean {
  const count = (root: Node, ranges: Range[]) => parseProblems(root).filter((n) => !ranges.some((w) => w.start <= n.startIndex && n.endIndex <= w.end)).length;
  if (count(parse(output), skip) <= count(parse(input), [])) return true;
  return count(readable(output).root, skip) <= count(readable(input).root, []);
}
