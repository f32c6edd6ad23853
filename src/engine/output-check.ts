/**
 * Checks that a conversion did not break the preprocessor structure around its edits (the fuzzing
 * issue: outputs that gcc rejected with `#else without #if` or `unterminated #ifdef`, written with
 * exit 0).
 *
 *  - Before converting: the init's header and opening brace may not be split by a conditional that
 *    is not a Python version test (`#ifdef HAVE_PY3` around two complete headers, `#ifdef
 *    TRACE_INIT` choosing the `{`): the rules would move one branch and leave the other.
 *  - After converting: the output's directives still pair up, and in every setting of the
 *    conditionals the edits touch (each branch read on its own, as the compiler would see it) the
 *    output reads with no more parse problems than the input in the same setting.
 */
import { blankRanges, type Conditional, isVersionConditional, py3Branch, scanConditionals } from '../c/conditionals';
import type { Node } from '../c/parse';
import { parseProblems } from '../c/parse';
import type { MacroTable } from '../c/preprocessor/macro-table';
import { parseView } from '../c/preprocessor/parse-view';
import { field } from '../c/syntax';
import { lineOf } from '../c/text';
import type { Edit } from './edits';
import { Refusal } from './refusal';

type Range = { start: number; end: number };

function describe(c: Conditional): string {
  const b = c.branches[0];
  return `#${b.kind} ${b.condition}`.trim();
}

/** Refuses an init whose header or opening brace a (non-version) conditional splits. */
export function checkInitNotSplit(text: string, fns: readonly Node[]): void {
  const conditionals = scanConditionals(text);
  for (const fn of fns) {
    directiveInsideHeader(text, fn);
    const body = field(fn, 'body');
    const headerEnd = body ? body.startIndex + 1 : fn.endIndex;
    for (const c of conditionals) {
      const crossesStart = c.start < fn.startIndex && fn.startIndex < c.end && c.end < fn.endIndex;
      const crossesEnd = fn.startIndex < c.start && c.start < fn.endIndex && fn.endIndex < c.end;
      const inHeader = fn.startIndex <= c.start && c.start < headerEnd;
      if (!crossesStart && !crossesEnd && !inHeader) continue;
      const line = lineOf(text, c.start);
      const what = inHeader && !crossesStart ? 'the header or opening brace of the init' : 'the init function';
      throw new Refusal(
        `${what} is split by ${describe(c)} (line ${line}): each branch would need its own conversion; make the header and its { plain C, then run again`,
        line,
      );
    }
  }
}

/**
 * `PyMODINIT_FUNC` / `#define MOD_ERROR_VAL NULL` / `PyInit_x(void) {` (zfec, once its Python 2
 * branch is gone): the return type stands alone above a directive line, and tree-sitter reads the
 * function from its name. Its header cannot be rewritten as one piece: refused with the line.
 */
function directiveInsideHeader(text: string, fn: Node): void {
  const lines = text.slice(0, fn.startIndex).split(/\r?\n/);
  // The part of the function's own line before it, then the lines above.
  if (lines.pop()!.trim() !== '') return;
  let directive = -1;
  while (lines.length && /^[ \t]*#/.test(lines[lines.length - 1])) {
    directive = lines.length;
    lines.pop();
    while (lines.length && /\\[ \t]*$/.test(lines[lines.length - 1])) lines.pop();
  }
  const typeLine = lines[lines.length - 1] ?? '';
  if (directive < 0 || !/^[ \t]*(?:(?:[A-Za-z_]\w*)[ \t]*\**[ \t]*)+$/.test(typeLine) || /[;{}]|^\s*$/.test(typeLine)) return;
  throw new Refusal(
    `the init's return type (${typeLine.trim()}) is separated from its name by a directive line; move that directive above the return type, then run again`,
    directive,
  );
}

/** `#if` / `#else` / `#endif` pair up: the problem line, or null. */
export function unpairedDirective(text: string): number | null {
  let depth = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b/.exec(lines[i]);
    if (!m) continue;
    if (m[1].startsWith('if')) depth++;
    else if (depth === 0) return i + 1;
    else if (m[1] === 'endif') depth--;
  }
  return depth === 0 ? null : lines.length;
}

/** A setting of conditions: the branch each touched conditional takes. */
type Setting = Map<string, boolean>;

/** The key a branch is decided by, and whether it is taken when the key is true. */
function keyOf(c: Conditional): string {
  const b = c.branches[0];
  return b.kind === 'if' ? b.condition : b.condition.replace(/^\(|\)$/g, '').trim();
}

/** The text as the compiler sees it in `setting`: untaken branches and every directive line blanked. */
function configured(text: string, setting: Setting): string {
  const blank: Range[] = [];
  for (const c of scanConditionals(text)) {
    const key = keyOf(c);
    let keep: Conditional['branches'][number] | null | undefined;
    if (setting.has(key)) {
      const truth = setting.get(key)!;
      const first = c.branches[0];
      const firstTaken = first.kind === 'ifndef' ? !truth : truth;
      keep = firstTaken ? first : c.branches.find((b) => b.kind === 'else') ?? c.branches[1] ?? null;
    } else if (isVersionConditional(c)) keep = py3Branch(c);
    else keep = c.branches.find((b) => !(b.kind === 'if' && /^\(?\s*0\s*\)?$/.test(b.condition))) ?? null;
    for (const b of c.branches) blank.push(b === keep ? { start: b.directiveStart, end: b.bodyStart } : { start: b.directiveStart, end: b.bodyEnd });
    blank.push({ start: c.branches[c.branches.length - 1].bodyEnd, end: c.end });
  }
  return blankRanges(text, blank);
}

const MAX_KEYS = 4;

/** The settings to try: every combination of up to MAX_KEYS keys, else each key flipped alone. */
function settings(keys: string[]): Setting[] {
  if (keys.length <= MAX_KEYS) {
    const out: Setting[] = [];
    for (let bits = 0; bits < 1 << keys.length; bits++) out.push(new Map(keys.map((k, i) => [k, (bits & (1 << i)) !== 0])));
    return out;
  }
  return [new Map(keys.map((k) => [k, true])), ...keys.map((k) => new Map(keys.map((o) => [o, o !== k])))];
}

/**
 * The output reads no worse than the input in every setting of the conditionals the edits touch.
 * Conditionals of the input that an edit overlaps without containing whole count as touched.
 */
export function checkOutputSettings(input: string, output: string, edits: readonly Edit[], parse: (text: string) => Node, table: MacroTable): void {
  const unpaired = unpairedDirective(output);
  if (unpaired !== null && unpairedDirective(input) === null)
    throw new Refusal(`the converted file's #if/#else/#endif would no longer pair up (line ${unpaired} of the output); convert it by hand`);
  const touched = scanConditionals(input).filter(
    (c) => !isVersionConditional(c) && edits.some((e) => e.start < c.end && c.start < e.end + (e.start === e.end ? 1 : 0) && !(e.start <= c.start && c.end <= e.end)),
  );
  checkEverySetting(input, output, touched, parse, table, 'the edits cross');
}

/**
 * The output reads no worse than the input in every setting of `conditionals` (conditionals of the
 * input): else a refusal naming the setting and the first of them.
 */
export function checkEverySetting(input: string, output: string, conditionals: readonly Conditional[], parse: (text: string) => Node, table: MacroTable, relation: string): void {
  const keys = [...new Set(conditionals.map(keyOf))];
  if (keys.length === 0) return;
  const count = (text: string) => parseProblems(parse(parseView(text, table).text)).length;
  for (const setting of settings(keys)) {
    const before = count(configured(input, setting));
    const after = count(configured(output, setting));
    if (after > before) {
      const c = conditionals[0];
      const said = [...setting].map(([k, v]) => `${k} ${v ? 'true' : 'false'}`).join(', ');
      throw new Refusal(
        `with ${said}, the converted code would not read as the original does (${relation} ${describe(c)} at line ${lineOf(input, c.start)}); convert it by hand`,
        lineOf(input, c.start),
      );
    }
  }
}

/** The conditionals of `text` that are not version tests and overlap [start, end). */
export function featureConditionalsIn(text: string, start: number, end: number): Conditional[] {
  return scanConditionals(text).filter((c) => !isVersionConditional(c) && c.start < end && start < c.end);
}
