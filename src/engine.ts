/**
 * The engine: one file's text in, a result out. No I/O, no options parsing, no printing.
 *
 * Outcomes (as jscodeshift): `changed` with the new text, `unchanged` (already multi-phase),
 * `skipped` (no module init here), `failed` (refused, with the reason and line; nothing to write).
 */
import { applyEdits, Edit, OverlappingEditsError, outputRanges } from './edits';

type Span = { start: number; end: number };
import { buildContext } from './context';
import { findModuleInit } from './module-init';
import type { ConvertOptions, GilChoice, InterpretersChoice } from './options';
import { getParser, Lang, Node, parseProblems, parseWith } from './parse';
import { Refusal } from './refusal';
import { detectEol } from './text';
import { TRANSFORMS } from '../transforms';

export type Status = 'changed' | 'unchanged' | 'skipped' | 'failed';

export interface AppliedTransform {
  id: string;
  description: string;
}

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
}

/** Cheap text test that lets ordinary C files through without parsing them. */
const MIGHT_BE_MODULE = /PyInit_|PyModule_Create|PyMODINIT_FUNC/;
const ALREADY_MULTI_PHASE = /\bPyModuleDef_Init\s*\(/;

export async function convertText(text: string, lang: Lang, options: ConvertOptions): Promise<EngineResult> {
  if (ALREADY_MULTI_PHASE.test(text)) {
    const module = /\bPyInit_(\w+)/.exec(text)?.[1];
    return { status: 'unchanged', module, reason: 'already multi-phase (PyModuleDef_Init)' };
  }
  if (!MIGHT_BE_MODULE.test(text)) return { status: 'skipped', reason: 'no module init in this file' };
  const parser = await getParser(lang);
  const tree = parseWith(parser, text);
  try {
    return convertTree(text, tree.rootNode, lang, options, (out, written) => {
      const outTree = parseWith(parser, out);
      try {
        // tree-sitter-c cannot parse the `#ifdef` lines inside the slots initializer we write; only
        // problems in code we kept count.
        const within = (n: Node) => written.some((w) => w.start <= n.startIndex && n.endIndex <= w.end);
        return parseProblems(outTree.rootNode).filter((n) => !within(n)).length;
      } finally {
        outTree.delete();
      }
    });
  } finally {
    tree.delete();
  }
}

function convertTree(
  text: string,
  root: Node,
  lang: Lang,
  options: ConvertOptions,
  countProblems: (out: string, written: Span[]) => number,
): EngineResult {
  let module: string | undefined;
  let rule = 'find-module-init';
  try {
    const init = findModuleInit(root);
    if (!init) return { status: 'skipped', reason: 'no module init in this file' };
    module = init.name;
    const ctx = buildContext(text, root, lang, init, options);
    const edits: Edit[] = [];
    const applied: AppliedTransform[] = [];
    for (const t of TRANSFORMS) {
      rule = t.meta.id;
      const made = t.apply(ctx);
      if (made.length) applied.push({ ...t.meta });
      edits.push(...made);
    }
    rule = 'apply-edits';
    const problems = parseProblems(root);
    for (const e of edits) {
      const inside = problems.find((p) => p.isError && p.startIndex < e.end && e.start < p.endIndex);
      if (inside)
        throw new Refusal(
          `the conversion would edit code that does not parse (line ${inside.startPosition.row + 1}); convert it by hand`,
          inside.startPosition.row + 1,
        );
    }
    const eol = detectEol(text);
    const output = applyEdits(text, edits, eol);
    if (countProblems(output, outputRanges(edits, eol)) > problems.length)
      throw new Refusal(`the converted code would not parse; this is a bug in pep489-codemod, please report it`, undefined);
    return {
      status: 'changed',
      output,
      module,
      transforms: applied,
      declared: { exec: ctx.hasExec, interpreters: options.interpreters, gil: ctx.gil, gilFromModule: ctx.gilFromModule },
    };
  } catch (e) {
    // A refusal while finding the init still names the module when the text does.
    module ??= /\bPyInit_(\w+)\s*\(/.exec(text)?.[1];
    if (e instanceof Refusal) return { status: 'failed', module, reason: e.reason, line: e.line, rule: e.rule ?? rule };
    if (e instanceof OverlappingEditsError)
      return { status: 'failed', module, reason: `internal error: ${e.message}; please report it`, rule };
    throw e;
  }
}
