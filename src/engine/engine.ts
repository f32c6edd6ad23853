/**
 * The engine: one file's text in, a result out. No I/O, no options parsing, no printing.
 *
 * Outcomes (as jscodeshift): `changed` with the new text, `unchanged` (already multi-phase),
 * `skipped` (no module init here), `failed` (refused, with the reason and line; nothing to write).
 *
 * Two stages. Preparations first reshape the file into the plain single-phase shape (resolve the
 * Python 2 side of version conditionals around the init, hoist a definition out of PyInit, ...),
 * each on a fresh parse of the previous one's output. Then the conversion rules run on that, all
 * against the same text, and their edits are applied at once.
 */
import { applyEdits, Edit, originalIndex, OverlappingEditsError, outputRanges } from './edits';
import { buildContext } from './context';
import { checkExec, findFunction } from './exec-check';
import { checkInitNotSplit, checkOutputSettings } from './output-check';
import { same } from '../c/syntax';
import { fileScopeFunctions, findModuleInit, functionName } from './module-init';
import type { ConvertOptions, GilChoice, InterpretersChoice } from './options';
import { getParser, Lang, langForPath, Node, parseProblems, parseWith } from '../c/parse';
import type { SiblingSource } from '../c/sibling-sources';
import type { Parser, Tree } from 'web-tree-sitter';
import { Refusal } from './refusal';
import { detectEol, lineOf } from '../c/text';
import type { Conditional } from '../c/conditionals';
import { countReadableProblems, readableTree } from '../c/readable-tree';
import type { TransformContext, TransformMeta } from './transform';
import { PREPARATIONS, TRANSFORMS } from '../../transforms';
import { guardReason } from '../../transforms/once-per-process';
import type { Recommendation, StateFinding } from '../audit/state';
import type { HeaderMacro } from '../c/headers';
import { macroTable, type HeaderText, type MacroTable } from '../c/preprocessor/macro-table';
import type { StandIn } from '../c/preprocessor/parse-view';
import { expand, type Expanded } from '../c/preprocessor/expand';
import { tokenize } from '../c/preprocessor/tokens';

export type Status = 'changed' | 'unchanged' | 'skipped' | 'failed';

export type AppliedTransform = TransformMeta;

export interface EngineResult {
  status: Status;
  /** The converted text, for `changed`. */
  output?: string;
  module?: string;
  reason?: string;
  line?: number;
  /** For a refusal: the rule that refused. */
  rule?: string;
  transforms?: AppliedTransform[];
  /** What the converted module declares. */
  declared?: { exec: boolean; interpreters: InterpretersChoice; gil: GilChoice; gilFromModule: boolean };
  /** Whether the once-per-process guard was added, and why. */
  guard?: { added: boolean; reason?: string };
  /** The isolation audit of the file (see `pep489-codemod audit`). */
  audit?: { state: StateFinding[]; recommendation: Recommendation };
}

/** Cheap text test that lets ordinary C files through without parsing them. */
const MIGHT_BE_MODULE = /PyInit_|PyModule_Create|PyMODINIT_FUNC/;
const ALREADY_MULTI_PHASE = /\bPyModuleDef_Init\s*\(/;

/**
 * The trees of one conversion, by text: the input is parsed once and that tree serves the error
 * count, every preparation that changes nothing, and the conversion itself.
 */
class Trees {
  private readonly byText = new Map<string, Tree>();
  constructor(private readonly parser: Parser) {}
  root(text: string): Node {
    let tree = this.byText.get(text);
    if (!tree) {
      tree = parseWith(this.parser, text);
      this.byText.set(text, tree);
    }
    return tree.rootNode;
  }
  dispose(): void {
    for (const t of this.byText.values()) t.delete();
    this.byText.clear();
  }
}

type Range = { start: number; end: number };

/**
 * Code blanked to make the file parse (readable-tree.ts) that sits inside the init escapes every
 * rule, so it may only be code no rule would need to change. Read through the macro table: no
 * return or goto, no create, PyState_ or GIL call, no use of the definition, nothing that assigns,
 * releases or returns the module variable (passing it along is fine: exec keeps its name), no
 * process-global state the audit knows.
 */
function checkHiddenCodeInert(text: string, hidden: Range[], fn: Node, ctx: TransformContext, table: MacroTable): void {
  const state = new Set(ctx.audit.findings.map((f) => f.name));
  const moduleVar = ctx.init.moduleVar;
  for (const r of hidden) {
    if (!(fn.startIndex < r.end && r.start < fn.endIndex)) continue;
    // The branch's code, without its directive lines.
    const code = text.slice(r.start, r.end).replace(/^[ \t]*#.*$/gm, (l) => ' '.repeat(l.length));
    let tokens: Expanded[];
    try {
      tokens = expand(tokenize(code), table);
    } catch {
      tokens = tokenize(code).map((t) => ({ ...t, hide: new Set(), from: t.start, via: [] }));
    }
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t.kind !== 'ident') continue;
      const word = t.text;
      const next = tokens[i + 1]?.text;
      const prev = tokens[i - 1]?.text;
      const via = t.via.length ? `, through the macro ${t.via[0]}` : '';
      const why =
        word === 'return' || word === 'goto'
          ? `a ${word}${via}`
          : word === ctx.init.def.name
            ? 'the module definition'
            : /^(PyModule_Create2?|PyModuleDef_Init|PyState_\w+|PyUnstable_Module_\w+|import_(array|umath|ufunc)\w*)$/.test(word)
              ? word + via
              : moduleVar && word === moduleVar && ((next === '=' ) || (prev === '(' && /^(Py_X?DECREF|Py_CLEAR|Py_DecRef)$/.test(tokens[i - 2]?.text ?? '')))
                ? `the module variable ${moduleVar}, which it ${next === '=' ? 'assigns' : 'releases'}`
                : state.has(word)
                  ? `${word}, process-global state`
                  : null;
      if (!why) continue;
      const at = r.start + (t.from >= 0 ? t.from : 0);
      const line = lineOf(text, at);
      throw new Refusal(
        `this file only parses with some preprocessor branches hidden, and the one at line ${lineOf(text, r.start)} inside the init uses ${why} (line ${line}), which the conversion would have to change; convert it by hand`,
        lineOf(text, r.start),
      );
    }
  }
}

/** An edit may not touch a blanked branch, unless it removes the whole conditional around it. */
function checkEditsOutsideMasked(edits: readonly Edit[], masked: Range[], conditionals: Conditional[]): void {
  for (const e of edits)
    for (const r of masked) {
      if (!(r.start < e.end && e.start < r.end) && !(e.start === e.end && r.start < e.start && e.start < r.end)) continue;
      const whole = conditionals.find((c) => c.start <= r.start && r.end <= c.end);
      if (whole && e.start <= whole.start && whole.end <= e.end && e.text === '') continue;
      throw new Refusal(`the conversion would change code inside an #else or #elif branch; convert it by hand`);
    }
}

/**
 * A project header that looks the module up with PyState_FindModule(&def) (a `STATE()` macro the
 * module's other sources use) would get NULL after the conversion, with no exception set; this
 * tool cannot change the header, nor see every user of it.
 */
function checkHeadersFindModule(text: string, headers: readonly HeaderText[], defName: string): void {
  const call = new RegExp(`\\bPyState_FindModule\\s*\\(\\s*&\\s*\\(?\\s*${defName}\\b`);
  for (const h of headers) {
    const m = call.exec(h.text);
    if (!m) continue;
    const include = text.search(new RegExp(`^[ \\t]*#[ \\t]*include[ \\t]*"${h.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`, 'm'));
    throw new Refusal(
      `"${h.name}" (line ${lineOf(h.text, m.index)}) looks the module up with PyState_FindModule(&${defName}), which returns NULL for a multi-phase module; pass the module along (or use PyType_GetModuleByDef) there by hand, then run again`,
      include >= 0 ? lineOf(text, include) : undefined,
    );
  }
}

/** An edit may cover a macro use read through a stand-in, or leave it alone, but never cut into it. */
function checkEditsOutsideStandIns(text: string, edits: readonly Edit[], standIns: readonly StandIn[]): void {
  for (const e of edits)
    for (const s of standIns) {
      const inside = (i: number) => s.start < i && i < s.end;
      if (inside(e.start) || inside(e.end)) {
        const line = lineOf(text, s.start);
        throw new Refusal(`the conversion would change part of the macro use ${s.macro} (line ${line}); convert it by hand`, line);
      }
    }
}

/**
 * The definition of a function this file calls but does not define, from a source beside it in the
 * same language (its trees join the conversion's, freed with them). Null when none defines it.
 */
function definedElsewhere(name: string, lang: Lang, env: SourceEnvironment, trees: Trees): { path: string; text: string; fn: Node } | null {
  // The siblings asked for are only those whose text seems to define `name` (sibling-sources.ts).
  for (const s of env.siblings?.(name) ?? []) {
    if (langForPath(s.path) !== lang) continue;
    const fn = fileScopeFunctions(trees.root(s.text)).find((f) => functionName(f) === name);
    if (fn) return { path: s.path, text: s.text, fn };
  }
  return null;
}

/** Refuses edits that fall inside code tree-sitter could not parse. */
function checkEditsOutsideErrors(root: Node, edits: readonly Edit[]): void {
  for (const p of parseProblems(root)) {
    if (!p.isError) continue;
    if (edits.some((e) => p.startIndex < e.end && e.start < p.endIndex))
      throw new Refusal(
        `the conversion would edit code that does not parse (line ${p.startPosition.row + 1}); convert it by hand`,
        p.startPosition.row + 1,
      );
  }
}

/** What the runner found around the file: macros from its own headers that return from a function. */
export interface SourceEnvironment {
  /** The project headers the file includes with quotes, as text: their macros join the macro table. */
  headers?: HeaderText[];
  headerMacros?: HeaderMacro[];
  /** The sources beside the file that may define a function of this name (sibling-sources.ts). */
  siblings?: (name: string) => SiblingSource[];
}

export async function convertText(text: string, lang: Lang, options: ConvertOptions, env: SourceEnvironment = {}): Promise<EngineResult> {
  if (ALREADY_MULTI_PHASE.test(text)) {
    const module = /\bPyInit_(\w+)/.exec(text)?.[1];
    return { status: 'unchanged', module, reason: 'already multi-phase (PyModuleDef_Init)' };
  }
  if (!MIGHT_BE_MODULE.test(text)) return { status: 'skipped', reason: 'no module init in this file' };
  const parser = await getParser(lang);
  const trees = new Trees(parser);
  const eol = detectEol(text);
  const applied: AppliedTransform[] = [];
  let module: string | undefined;
  let rule = 'find-module-init';
  // Preparations rewrite the text; a refusal's line is mapped back through them to the user's file.
  let history: { before: string; edits: Edit[] }[] = [];
  const originalLine = (line: number | undefined): number | undefined => {
    if (line === undefined || history.length === 0) return line;
    let after = applyEdits(history[history.length - 1].before, history[history.length - 1].edits, eol);
    let index = after.split('\n').slice(0, line - 1).join('\n').length + (line > 1 ? 1 : 0);
    for (let i = history.length - 1; i >= 0; i--) {
      index = originalIndex(index, history[i].edits, eol);
      after = history[i].before;
    }
    return lineOf(after, index);
  };
  try {
    const parse = (t: string) => trees.root(t);
    // The input's readable reading serves both its error count and, when no preparation changed
    // the text, the conversion itself.
    const readings = new Map<string, ReturnType<typeof readableTree>>();
    const tables = new Map<string, MacroTable>();
    const tableOf = (t: string) => {
      let table = tables.get(t);
      if (!table) tables.set(t, (table = macroTable(t, env.headers ?? [])));
      return table;
    };
    const readable = (t: string) => {
      let r = readings.get(t);
      if (!r) readings.set(t, (r = readableTree(parse, t, lang, tableOf(t))));
      return r;
    };
    const problemsBefore = countReadableProblems(parse, text, lang, [], 0, readable);
    let current = text;
    history = [];
    for (const prep of PREPARATIONS) {
      rule = prep.meta.id;
      // Until it has nothing left to do: resolving an outer conditional can reveal an inner one.
      for (let round = 0; round < 4; round++) {
        const text0 = current;
        // A preparation that reads text gets a tree only if it asks for one.
        const ctx = { text: text0, lang, options, headerMacros: env.headerMacros ?? [], headers: env.headers ?? [], get root() { return trees.root(text0); } };
        const edits = prep.apply(ctx);
        if (!prep.worksOnText) checkEditsOutsideErrors(trees.root(text0), edits);
        if (edits.length === 0) break;
        if (round === 0) applied.push({ ...prep.meta });
        history.push({ before: current, edits });
        current = applyEdits(current, edits, eol);
      }
    }

    rule = 'find-module-init';
    const converted = ((): { output: string; written: Range[]; ctx: TransformContext } | null => {
      const { root, masked, hidden, conditionals, standIns } = readable(current);
      const init = findModuleInit(root);
      if (!init) return null;
      module = init.name;
      checkInitNotSplit(current, same(init.entry, init.fn) ? [init.entry] : [init.entry, init.fn]);
      checkHeadersFindModule(current, env.headers ?? [], init.def.name);
      // Blanked lines inside the definition would escape every rule: refuse.
      const inDef = masked.find((r) => init.def.declaration.startIndex < r.end && r.start < init.def.declaration.endIndex);
      if (inDef)
        throw new Refusal(
          `this file only parses with some preprocessor branches hidden, and one of them (line ${lineOf(current, inDef.start)}) is inside the module definition; convert it by hand`,
          lineOf(current, inDef.start),
        );
      const ctx = buildContext(current, root, lang, init, options);
      ctx.headerMacros = env.headerMacros ?? [];
      ctx.definedElsewhere = (name) => definedElsewhere(name, lang, env, trees);
      for (const fn of [init.entry, init.fn]) checkHiddenCodeInert(current, hidden, fn, ctx, tableOf(current));
      const edits: Edit[] = [];
      for (const t of TRANSFORMS) {
        rule = t.meta.id;
        const made = t.apply(ctx);
        if (made.length) applied.push({ ...t.meta });
        edits.push(...made);
      }
      rule = 'apply-edits';
      checkEditsOutsideErrors(root, edits);
      checkEditsOutsideMasked(edits, masked, conditionals);
      checkEditsOutsideStandIns(current, edits, standIns);
      const output = applyEdits(current, edits, eol);
      rule = 'exec-check';
      if (ctx.hasExec) {
        const fn = findFunction(readable(output).root, ctx.names.exec);
        if (!fn) throw new Refusal(`the converted file has no readable exec function ${ctx.names.exec}; convert it by hand`);
        const header = (name: string) => env.headers?.find((h) => h.name === name)?.text;
        const problem = checkExec(output, fn, ctx.param.name, tableOf(output), options.verified === true, header)[0];
        if (problem) {
          const line = lineOf(current, originalIndex(problem.at, edits, eol));
          throw new Refusal(`${problem.reason} (line ${line}); convert it by hand`, line);
        }
      }
      rule = 'output-check';
      checkOutputSettings(current, output, edits, parse, tableOf(current));
      return { output, written: outputRanges(edits, eol), ctx };
    })();
    if (!converted) {
      if (applied.length) throw new Refusal(`no module init left after ${applied.map((a) => a.id).join(', ')}; convert it by hand`);
      return { status: 'skipped', reason: 'no module init in this file' };
    }

    // tree-sitter cannot parse the `#ifdef` lines inside the slots initializer we write: only problems
    // in code we kept count.
    const { output, written, ctx } = converted;
    const guard = guardReason(ctx);
    const problemsAfter = countReadableProblems(parse, output, lang, written, problemsBefore, readable);
    if (problemsAfter > problemsBefore)
      throw new Refusal(`the converted code would not parse; this is a bug in pep489-codemod, please report it`);
    return {
      status: 'changed',
      output,
      module,
      transforms: applied,
      declared: { exec: ctx.hasExec, interpreters: options.interpreters, gil: ctx.gil, gilFromModule: ctx.gilFromModule },
      guard: { added: guard !== null, ...(guard && { reason: guard }) },
      audit: { state: ctx.audit.findings, recommendation: ctx.audit.recommendation },
    };
  } catch (e) {
    // A refusal while finding the init still names the module when the text does.
    module ??= /\bPyInit_(\w+)\s*\(/.exec(text)?.[1];
    if (e instanceof Refusal) return { status: 'failed', module, reason: e.reason, line: originalLine(e.line), rule: e.rule ?? rule };
    if (e instanceof OverlappingEditsError)
      return { status: 'failed', module, reason: `internal error: ${e.message}; please report it`, rule };
    throw e;
  } finally {
    trees.dispose();
  }
}
