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
import { checkEverySetting, checkInitNotSplit, checkOutputSettings, featureConditionalsIn } from './output-check';
import { same } from '../c/syntax';
import { fileScopeFunctions, findModuleInit, functionName, initFunctions } from './module-init';
import type { ConvertOptions, GilChoice, InterpretersChoice } from './options';
import { getParser, Lang, langForPath, Node, parseProblems, parseWith } from '../c/parse';
import type { SiblingSource } from '../c/sibling-sources';
import type { Parser, Tree } from 'web-tree-sitter';
import { type RelatedLocation, Refusal } from './refusal';
import { detectEol, lineOf } from '../c/text';
import { readsNoWorse } from '../c/readable-tree';
import type { TransformContext, TransformMeta } from './transform';
import { PREPARATIONS, TRANSFORMS } from '../../transforms';
import { secondExec } from '../../transforms/once-per-process';
import type { Recommendation, StateFinding } from '../audit/state';
import type { HeaderMacro } from '../c/headers';
import type { HeaderText } from '../c/preprocessor/macro-table';
import { CViews } from '../c/preprocessor/c-view';
import { hiddenModuleInit } from './missed-init';
import { fallsOffEnd } from '../c/control-flow';
import { usesJumpingMacro } from '../c/preprocessor/jumps';
import { codeMatches, nonCodeRanges } from '../c/non-code';
import { reparse, textChanges } from '../c/incremental';
import { definitionAmong } from './reach';
import { checkDefinitionItemsFixed, checkEditsOutsideErrors, checkEditsOutsideMasked, checkEditsOutsideStandIns, checkHeadersFindModule, checkHiddenCodeInert } from './checks';
import { scanConditionals } from '../c/conditionals';

export type Status = 'changed' | 'unchanged' | 'skipped' | 'failed';

const hasErrors = (root: Node): boolean => parseProblems(root).some((p) => p.isError);

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
  /**
   * When exec's first run is replayed for later modules instead (replay-first-exec): why, the exec
   * function that holds the init's code, and the one the slot names.
   */
  replay?: { reason: string; exec: string; slot: string };
  /** For a refusal: the code the user must change, where it is not the refusal's own line (SARIF relatedLocations). */
  related?: RelatedLocation[];
  /** The isolation audit of the file (see `pep489-codemod audit`). */
  audit?: { state: StateFinding[]; recommendation: Recommendation };
}

/** Cheap text test that lets ordinary C files through without parsing them. */
const MIGHT_BE_MODULE = /PyInit_|PyModule_Create|PyMODINIT_FUNC/;
/** The largest module source parsed (characters): tree-sitter's WASM heap runs out well before 50 MB. */
const MAX_MODULE_CHARS = 6 * 1024 * 1024;
const ALREADY_MULTI_PHASE = /\bPyModuleDef_Init\s*\(/;

/** A quoted include (pycrypto's stream_template.c) that defines the init and creates the module. */
function includedInit(text: string, headers: readonly HeaderText[]): { name: string; line: number } | null {
  // The headers are those of the file's quoted includes and theirs: the init may be two levels down.
  // In its code, not only in its #defines (pygame's pgcompat.h spells every module's init).
  const inCode = (t: string, pattern: string) => codeMatches(t, pattern, nonCodeRanges(t)).length > 0;
  const h = headers.find((x) => /\bPyModule_Create/.test(x.text) && inCode(x.text, '\\bPyModule_Create2?\\s*\\(') && inCode(x.text, '\\b(PyMODINIT_FUNC|PyInit_\\w+)'));
  if (!h) return null;
  const direct = [...text.matchAll(/^[ \t]*#[ \t]*include[ \t]*"([^"]+)"/gm)];
  const at = direct.find((m) => m[1] === h.name) ?? direct[direct.length - 1];
  return { name: h.name, line: at ? lineOf(text, at.index!) : 1 };
}

/** Does the text use a macro of its headers that spells an init or a create (`MODINIT_DEFINE(x)`)? */
function initInHeaderMacro(text: string, headers: readonly HeaderText[]): boolean {
  for (const h of headers) {
    if (!MIGHT_BE_MODULE.test(h.text)) continue;
    for (const m of h.text.matchAll(/^[ \t]*#[ \t]*define[ \t]+(\w+)[^\n]*(PyInit_|PyModule_Create|PyMODINIT_FUNC)/gm))
      if (new RegExp(`\\b${m[1]}\\b`).test(text)) return true;
  }
  return false;
}

/**
 * The trees of one conversion, by text: the input is parsed once and that tree serves the error
 * count, every preparation that changes nothing, and the conversion itself. A new text is reparsed
 * from the tree of the nearest text already read (incremental.ts): the parse view, each reading of
 * the conditionals and the output differ from the input in a few places.
 */
class Trees {
  private readonly byText = new Map<string, Tree>();
  constructor(private readonly parser: Parser) {}
  root(text: string): Node {
    let tree = this.byText.get(text);
    if (!tree) {
      tree = this.nearest(text) ?? parseWith(this.parser, text);
      this.byText.set(text, tree);
    }
    return tree.rootNode;
  }
  /** The text reparsed from the cached tree it differs least from, if one is near enough. */
  private nearest(text: string): Tree | null {
    if (process.env.PEP489_FRESH_PARSES === '1') return null;
    let best: { base: string; spans: NonNullable<ReturnType<typeof textChanges>>; size: number } | null = null;
    // The latest texts first: each step's text is usually nearest the one before it.
    for (const base of [...this.byText.keys()].reverse().slice(0, NEAREST_CANDIDATES)) {
      const spans = textChanges(base, text);
      if (!spans) continue;
      const size = spans.reduce((sum, s) => sum + Math.max(s.oldEnd, s.newEnd) - s.start, 0);
      if (!best || size < best.size) best = { base, spans, size };
    }
    return best ? reparse(this.parser, best.base, this.byText.get(best.base)!, text, best.spans) : null;
  }
  dispose(): void {
    for (const t of this.byText.values()) t.delete();
    this.byText.clear();
  }
}

/** How many earlier texts a new one is compared with to find the nearest. */
const NEAREST_CANDIDATES = 4;

type Range = { start: number; end: number };

/**
 * The definition of a function this file calls but does not define, from a source beside it in the
 * same language (its trees join the conversion's, freed with them). Null when none defines it.
 */
function definedElsewhere(name: string, lang: Lang, env: SourceEnvironment, trees: Trees): { path: string; text: string; fn: Node } | null {
  return definitionAmong(env.siblings?.(name) ?? [], name, lang, (text) => trees.root(text));
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
  if (!MIGHT_BE_MODULE.test(text) && !initInHeaderMacro(text, env.headers ?? [])) {
    const included = includedInit(text, env.headers ?? []);
    if (included)
      return {
        status: 'failed',
        rule: 'find-module-init',
        line: included.line,
        reason: `the module init is in "${included.name}", which this file includes (line ${included.line}); a template shared by several modules cannot be converted from one of them: convert it by hand`,
      };
    return { status: 'skipped', reason: 'no module init in this file' };
  }
  // tree-sitter's WASM memory runs out on a file this large (a 50 MB one aborted the whole run, and
  // a parser that aborted cannot parse the next file): refused before parsing, saying so.
  if (text.length > MAX_MODULE_CHARS) {
    const init = /\bPyInit_\w+/.exec(text);
    const line = init ? text.slice(0, init.index).split('\n').length : undefined;
    return {
      status: 'failed',
      rule: 'find-module-init',
      ...(line && { line }),
      module: init?.[0].slice('PyInit_'.length),
      reason: `the file is ${(text.length / 1024 / 1024).toFixed(1)} MB, more than the ${MAX_MODULE_CHARS / 1024 / 1024} MB this tool parses; move the module's init into a smaller file, or convert it by hand`,
    };
  }
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
    const refuseSplitInit = (t: string) => {
      const { entry, work } = initFunctions(readable(t).root, t, tableOf(t));
      const fns = [entry, work].filter((f): f is Node => !!f);
      if (fns.length) checkInitNotSplit(t, fns.length === 2 && same(fns[0], fns[1]) ? [fns[0]] : fns);
    };
    // Each text is read once through the preprocessor layer (its C view): the input's reading
    // serves both its error count and, when no preparation changed the text, the conversion itself.
    const views = new CViews(parse, lang, env.headers ?? []);
    const tableOf = (t: string) => views.table(t);
    const readable = (t: string) => views.readable(t);
    // Preparations read the plain tree, or the readable one where the plain parse breaks (a
    // function header split by #if, a #define inside a method table).
    const readableRoot = (t: string) => (hasErrors(trees.root(t)) ? readable(t).root : trees.root(t));
    let current = text;
    history = [];
    for (const prep of PREPARATIONS) {
      rule = prep.meta.id;
      // Once the Python 2 side is gone, a header still split by a conditional is refused before any
      // other preparation writes next to it (a definition hoisted between PyMODINIT_FUNC and the name).
      if (prep !== PREPARATIONS[0]) refuseSplitInit(current);
      // Until it has nothing left to do: resolving an outer conditional can reveal an inner one.
      for (let round = 0; round < 4; round++) {
        const text0 = current;
        // A preparation that reads text gets a tree only if it asks for one.
        const ctx = { text: text0, lang, options, headerMacros: env.headerMacros ?? [], headers: env.headers ?? [], get root() { return readableRoot(text0); }, get table() { return tableOf(text0); } };
        const edits = prep.apply(ctx);
        // Read as the engine reads it: a file whose plain parse breaks elsewhere (a function header
        // split by #if, pykerberos) is checked against its readable tree.
        if (!prep.worksOnText && edits.length) checkEditsOutsideErrors(readableRoot(text0), edits);
        if (edits.length === 0) break;
        if (round === 0) applied.push({ ...prep.meta });
        history.push({ before: current, edits });
        current = applyEdits(current, edits, eol);
      }
    }

    rule = 'find-module-init';
    const converted = ((): { output: string; written: Range[]; ctx: TransformContext } | null => {
      const { root, masked, hidden, conditionals, standIns } = readable(current);
      const init = findModuleInit(root, tableOf(current), (defName) =>
        (env.headers ?? []).find((h) => new RegExp(`\\bPyModuleDef\\s+${defName}\\s*=`).test(h.text))?.name,
      );
      if (!init) return null;
      module = init.name;
      checkInitNotSplit(current, same(init.entry, init.fn) ? [init.entry] : [init.entry, init.fn]);
      checkHeadersFindModule(current, env.headers ?? [], init.def.name);
      const fallsOff = fallsOffEnd(init.body, (stmt) => usesJumpingMacro(stmt, tableOf(current)));
      if (fallsOff)
        throw new Refusal(
          `the init can reach its closing brace without a return after line ${lineOf(current, fallsOff.startIndex)}, so its caller gets garbage; add the return that path means (return NULL; on an error path), then run again`,
          lineOf(current, fallsOff.startIndex),
        );
      // Blanked lines inside the definition would escape every rule: refuse.
      const inDef = masked.find((r) => init.def.declaration.startIndex < r.end && r.start < init.def.declaration.endIndex);
      if (inDef)
        throw new Refusal(
          `this file only parses with some preprocessor branches hidden, and one of them (line ${lineOf(current, inDef.start)}) is inside the module definition; convert it by hand`,
          lineOf(current, inDef.start),
        );
      checkDefinitionItemsFixed(current, init.def.initList, scanConditionals(current));
      const ctx = buildContext(current, root, lang, init, options, (name) => definedElsewhere(name, lang, env, trees));
      ctx.headerMacros = env.headerMacros ?? [];
      ctx.headers = env.headers ?? [];
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
      let output: string;
      try {
        output = applyEdits(current, edits, eol);
      } catch (e) {
        // Two rules want the same code (a comment after a NULL check, an init with nothing left
        // for exec and an "already loaded" check): a shape the rules do not agree on, refused there.
        if (!(e instanceof OverlappingEditsError)) throw e;
        const line = lineOf(current, Math.max(e.first.start, e.second.start));
        throw new Refusal(`${e.first.rule ?? 'one rule'} and ${e.second.rule ?? 'another'} would both change the code at line ${line}, a shape they do not handle together yet; convert it by hand`, line);
      }
      rule = 'exec-check';
      if (ctx.hasExec) {
        // The readable tree, or the plain one where the readable view hides it (an exec inside
        // nested conditionals of a C++ file whose slots' #ifdefs break the plain parse elsewhere).
        const fn = findFunction(readable(output).root, ctx.names.exec) ?? findFunction(parse(output), ctx.names.exec);
        if (!fn) throw new Refusal(`the converted file has no readable exec function ${ctx.names.exec}; convert it by hand`);
        const problem = checkExec(output, fn, ctx.param.name, tableOf(output), options.verified === true, (name) => views.header(name))[0];
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
      const hidden = hiddenModuleInit(current, tableOf(current), (name) => views.header(name));
      if (hidden)
        throw new Refusal(
          `${hidden.name} calls PyModule_Create through macros or conditionals this tool cannot follow (line ${hidden.line}); convert it by hand`,
          hidden.line,
        );
      return { status: 'skipped', reason: 'no module init in this file' };
    }

    // tree-sitter cannot parse the `#ifdef` lines inside the slots initializer we write: only problems
    // in code we kept count.
    const { output, written, ctx } = converted;
    const second = secondExec(ctx);
    const guard = second?.kind === 'guard' ? second.reason : null;
    if (!readsNoWorse(parse, text, output, written, readable)) {
      // The readable tree takes one reading of each conditional; where the init's braces or
      // statements are chosen by feature conditionals, that reading can fail on an output the
      // compiler reads fine. Each setting of them, read as the compiler would, decides.
      const region = [ctx.init.entry, ctx.init.fn];
      const inInit = featureConditionalsIn(current, Math.min(...region.map((n) => n.startIndex)), Math.max(...region.map((n) => n.endIndex)));
      if (inInit.length === 0) throw new Refusal(`the converted code would not parse; this is a bug in pep489-codemod, please report it`);
      checkEverySetting(current, output, inInit, parse, tableOf(current), 'the init holds');
    }
    return {
      status: 'changed',
      output,
      module,
      transforms: applied,
      declared: { exec: ctx.hasExec, interpreters: options.interpreters, gil: ctx.gil, gilFromModule: ctx.gilFromModule },
      guard: { added: guard !== null, ...(guard && { reason: guard }) },
      ...(second?.kind === 'replay' && { replay: { reason: second.reason, exec: ctx.names.exec, slot: ctx.names.execOnce } }),
      audit: { state: ctx.audit.findings, recommendation: ctx.audit.recommendation },
    };
  } catch (e) {
    // A refusal while finding the init still names the module when the text does.
    module ??= /\bPyInit_(\w+)\s*\(/.exec(text)?.[1];
    if (e instanceof Refusal) {
      const line = originalLine(e.line);
      return {
        status: 'failed',
        module,
        // A reason that names its own line names it in the user's file too, not in a prepared text.
        reason: line !== e.line && e.line !== undefined ? e.reason.split(`(line ${e.line})`).join(`(line ${line})`) : e.reason,
        line,
        rule: e.rule ?? rule,
        // Lines in this file map back through the preparations; lines in other files stay as they are.
        ...(e.related && { related: e.related.map((r) => (r.file ? r : { ...r, line: originalLine(r.line) ?? r.line })) }),
      };
    }
    if (e instanceof OverlappingEditsError)
      return { status: 'failed', module, reason: `internal error: ${e.message}; please report it`, rule };
    throw e;
  } finally {
    trees.dispose();
  }
}
