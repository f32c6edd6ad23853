/**
 * `pep489-codemod audit <paths...>`: read-only. Per module, the process-global state that stands
 * between it and isolated subinterpreters or a free-threaded build, and the declaration it has earned.
 */
import { jsonDocument } from '../cli/version';
import type { Colors } from '../cli/color';
import fs from 'node:fs';
import { findFiles } from '../cli/files';
import { fileScopeFunctions, functionName, initFunctionName } from '../engine/module-init';
import { getParser, langForPath, Node, parseWith, type Tree } from '../c/parse';
import { siblingDefiners } from '../c/sibling-sources';
import { displayPath } from '../cli/report';
import { field } from '../c/syntax';
import { BinaryFileError, decode } from '../c/text';
import { auditState, recommend, Recommendation, StateFinding, stateTouchedBy } from './state';
import { definitionAmong, stateTouchedThroughCalls } from '../engine/reach';

export interface ModuleAudit {
  path: string;
  module: string;
  /** Findings of the module's own file, then of its other sources (those carry `file`). */
  state: (StateFinding & { file?: string })[];
  recommendation: Recommendation;
}

/** The module's other translation units, as its project builds it (none when the build cannot be read without running code). */
async function otherSources(file: string, module: string): Promise<string[]> {
  const { ProjectBuilds } = await import('../project/discover');
  const { discoverPythons } = await import('../verify/pythons');
  const { sandboxAvailable } = await import('../verify/sandbox');
  if (!(await sandboxAvailable()).ok) return [];
  const builds = new ProjectBuilds({ pythons: (await discoverPythons()).found, sandbox: true, cache: true });
  const { build } = await builds.forSource(file, module);
  return (build?.sources ?? []).filter((s) => s !== file && fs.existsSync(s));
}

/** The function that initialises the module: the exec slot's function if it has one, else PyInit. */
function initFunction(root: Node, text: string): Node | undefined {
  const functions = fileScopeFunctions(root);
  const exec = /\{\s*Py_mod_exec\s*,\s*(?:\(\s*void\s*\*\s*\)\s*)?(\w+)\s*\}/.exec(text)?.[1];
  return functions.find((f) => functionName(f) === exec) ?? functions.find((f) => initFunctionName(f, text) !== null);
}

export async function auditFile(file: string, text: string): Promise<(ModuleAudit & { touched: StateFinding[] }) | null> {
  const module = /\bPyInit_(\w+)\s*\(/.exec(text)?.[1];
  if (!module) return null;
  const parser = await getParser(langForPath(file));
  const tree = parseWith(parser, text);
  const siblingTrees: Tree[] = [];
  // A function the init calls that a source beside it defines, found as the conversion finds it.
  const siblings = siblingDefiners(file);
  const elsewhere = (name: string) =>
    definitionAmong(siblings(name), name, langForPath(file), (text) => {
      const t = parseWith(parser, text);
      siblingTrees.push(t);
      return t.rootNode;
    });
  try {
    const state = auditState(tree.rootNode);
    const init = initFunction(tree.rootNode, text);
    const body = init && field(init, 'body');
    // Exec's body and the functions it calls, here and in the sources beside it (the module's other
    // sources as its project builds it are added by the caller).
    const through = body ? stateTouchedThroughCalls(tree.rootNode, state, body, elsewhere) : [];
    const direct = body ? stateTouchedBy(state, body) : state;
    const touched: (StateFinding & { file?: string })[] = state.filter((f) => direct.includes(f) || through.includes(f));
    // State a helper in another source keeps counts, with the file it is in.
    const otherState = through.filter((t) => t.file);
    return { path: file, module, state: [...state, ...otherState], touched: [...touched, ...otherState], recommendation: recommend([...state, ...otherState], [...touched, ...otherState]) };
  } finally {
    tree.delete();
    for (const t of siblingTrees) t.delete();
  }
}

export interface AuditArgs {
  paths: string[];
  json: boolean;
}

export async function runAuditCommand(
  args: AuditArgs,
  io: { stdout: (s: string) => void; stderr: (s: string) => void; cwd: string; colors?: Colors },
): Promise<number> {
  const modules: ModuleAudit[] = [];
  let inputError = false;
  for (const file of findFiles(args.paths, io.cwd)) {
    let text: string;
    try {
      text = decode(fs.readFileSync(file)).text;
    } catch (e) {
      if (!(e instanceof BinaryFileError) && !(e as NodeJS.ErrnoException).code) throw e;
      io.stderr(`${displayPath(file, io.cwd)}: error: ${(e as Error).message}\n`);
      inputError = true;
      continue;
    }
    const audit = await auditFile(file, text);
    if (!audit) continue;
    // The module's other translation units (as its project builds it) hold state of the module too.
    const others = await otherSources(file, audit.module);
    for (const other of others) {
      let otherText: string;
      try {
        otherText = decode(fs.readFileSync(other)).text;
      } catch {
        continue;
      }
      const tree = parseWith(await getParser(langForPath(other)), otherText);
      try {
        audit.state.push(...auditState(tree.rootNode).map((f) => ({ ...f, file: displayPath(other, io.cwd) })));
      } finally {
        tree.delete();
      }
    }
    if (others.length) audit.recommendation = recommend(audit.state, audit.state.filter((f) => f.file || audit.touched.includes(f)));
    // Each finding once, its file as the user names it (a sibling's state may come both ways).
    const seen = new Set<string>();
    const state = audit.state
      .map((f) => (f.file ? { ...f, file: displayPath(f.file, io.cwd) } : f))
      .filter((f) => {
        const key = `${f.file ?? ''}\0${f.name}\0${f.line}`;
        return !seen.has(key) && (seen.add(key), true);
      });
    modules.push({ path: displayPath(file, io.cwd), module: audit.module, state, recommendation: audit.recommendation });
  }
  if (args.json) {
    io.stdout(jsonDocument('audit', { modules }));
  } else {
    const c = io.colors;
    for (const m of modules) {
      const found = m.state.length ? `${m.state.length} finding(s)` : 'no process-global state';
      io.stdout(`${c ? c.bold(m.path) : m.path}: module ${m.module}: ${c ? (m.state.length ? c.yellow(found) : c.green(found)) : found}\n`);
      for (const s of m.state) io.stdout(`  ${s.file ?? m.path}:${s.line}: ${c ? c.bold(s.name) : s.name} [${s.kind}] ${s.why}\n`);
      const r = m.recommendation;
      io.stdout(`  recommendation: Py_mod_multiple_interpreters ${r.multiple_interpreters}; second exec: ${r.second_exec === 'replay' ? 'replay the first' : 'runs again'}\n`);
      for (const reason of r.reasons) io.stdout(`    - ${reason}\n`);
    }
    io.stderr(`${modules.length} module(s) audited\n`);
  }
  return inputError ? 2 : 0;
}
