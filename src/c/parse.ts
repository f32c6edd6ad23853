/**
 * Parsers for C and C++ (web-tree-sitter with the WASM grammars), loaded once and only when a file
 * actually needs parsing, so `--help` and the text prefilter stay fast.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Language as LanguageT, Node, Parser as ParserT, Tree } from 'web-tree-sitter';

export type { Node, Tree };
export type Lang = 'c' | 'cpp';

const CPP_EXTENSIONS = new Set(['.cc', '.cpp', '.cxx', '.c++', '.hpp', '.hh', '.hxx']);

export function langForPath(file: string): Lang {
  return CPP_EXTENSIONS.has(path.extname(file).toLowerCase()) ? 'cpp' : 'c';
}

/** The built package ships the grammars in dist/grammars; in a checkout they come from node_modules. */
function grammarPath(lang: Lang): string {
  const file = lang === 'c' ? 'tree-sitter-c.wasm' : 'tree-sitter-cpp.wasm';
  const shipped = path.join(__dirname, '..', '..', 'grammars', file);
  if (fs.existsSync(shipped)) return shipped;
  return require.resolve(`${lang === 'c' ? 'tree-sitter-c' : 'tree-sitter-cpp'}/${file}`);
}

let runtime: Promise<typeof import('web-tree-sitter')> | undefined;
const parsers = new Map<Lang, Promise<ParserT>>();

function loadRuntime(): Promise<typeof import('web-tree-sitter')> {
  runtime ??= (async () => {
    const ts = await import('web-tree-sitter');
    await ts.Parser.init();
    return ts;
  })();
  return runtime;
}

/**
 * Below this much C in a run, the grammars are compiled by V8's baseline WASM compiler only. V8
 * otherwise recompiles them with its optimising tier in the background, and a short run spends about
 * 0.2 s waiting for that before it may exit; the baseline code parses about a quarter slower, which
 * only a run of several megabytes gets back.
 */
const QUICK_START_BYTES = 1024 * 1024;

/** Choose how the grammars are compiled, from the size of the run's input: call before the first parse. */
export function planWasmTier(inputBytes: number): void {
  if (runtime || inputBytes >= QUICK_START_BYTES) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('node:v8').setFlagsFromString('--liftoff-only');
}

/** One parser per language, reused for every file. */
export function getParser(lang: Lang): Promise<ParserT> {
  let p = parsers.get(lang);
  if (!p) {
    p = (async () => {
      const ts = await loadRuntime();
      // Bytes, not a path: web-tree-sitter reads paths with a dynamic import that jest cannot run.
      const language: LanguageT = await ts.Language.load(fs.readFileSync(grammarPath(lang)));
      const parser = new ts.Parser();
      parser.setLanguage(language);
      return parser;
    })();
    parsers.set(lang, p);
  }
  return p;
}

export function parseWith(parser: ParserT, text: string): Tree {
  const tree = parser.parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}

/** The problems of whole trees, asked for again by every reading that compares trees. */
const problemsOfTree = new WeakMap<Tree, Node[]>();

/** ERROR and MISSING nodes: where tree-sitter could not make sense of the text. */
export function parseProblems(root: Node): Node[] {
  if (root.parent !== null) return problemsUnder(root);
  let found = problemsOfTree.get(root.tree);
  if (!found) problemsOfTree.set(root.tree, (found = problemsUnder(root)));
  return found.slice();
}

function problemsUnder(root: Node): Node[] {
  const found: Node[] = [];
  const visit = (n: Node) => {
    if (n.isError || n.isMissing) {
      found.push(n);
      if (n.isError) return;
    }
    if (!n.hasError) return;
    for (const c of n.children) if (c) visit(c);
  };
  if (root.hasError) visit(root);
  return found;
}
