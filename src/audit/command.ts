/**
 * `pep489-codemod audit <paths...>`: read-only. Per module, the process-global state that stands
 * between it and isolated subinterpreters or a free-threaded build, and the declaration it has earned.
 */
import { jsonDocument } from '../cli/version';
import type { Colors } from '../cli/color';
import fs from 'node:fs';
import { findFiles } from '../cli/files';
import { fileScopeFunctions, functionName, initFunctionName } from '../engine/module-init';
import { getParser, langForPath, Node, parseWith } from '../c/parse';
import { displayPath } from '../cli/report';
import { field } from '../c/syntax';
import { BinaryFileError, decode } from '../c/text';
import { auditState, recommend, Recommendation, StateFinding, stateTouchedBy } from './state';

export interface ModuleAudit {
  path: string;
  module: string;
  state: StateFinding[];
  recommendation: Recommendation;
}

/** The function that initialises the module: the exec slot's function if it has one, else PyInit. */
function initFunction(root: Node, text: string): Node | undefined {
  const functions = fileScopeFunctions(root);
  const exec = /\{\s*Py_mod_exec\s*,\s*(?:\(\s*void\s*\*\s*\)\s*)?(\w+)\s*\}/.exec(text)?.[1];
  return functions.find((f) => functionName(f) === exec) ?? functions.find((f) => initFunctionName(f, text) !== null);
}

export async function auditFile(file: string, text: string): Promise<ModuleAudit | null> {
  const module = /\bPyInit_(\w+)\s*\(/.exec(text)?.[1];
  if (!module) return null;
  const tree = parseWith(await getParser(langForPath(file)), text);
  try {
    const state = auditState(tree.rootNode);
    const init = initFunction(tree.rootNode, text);
    const body = init && field(init, 'body');
    const touched = body ? stateTouchedBy(state, body) : state;
    return { path: file, module, state, recommendation: recommend(state, touched) };
  } finally {
    tree.delete();
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
    if (audit) modules.push({ ...audit, path: displayPath(file, io.cwd) });
  }
  if (args.json) {
    io.stdout(jsonDocument('audit', { modules }));
  } else {
    const c = io.colors;
    for (const m of modules) {
      const found = m.state.length ? `${m.state.length} finding(s)` : 'no process-global state';
      io.stdout(`${c ? c.bold(m.path) : m.path}: module ${m.module}: ${c ? (m.state.length ? c.yellow(found) : c.green(found)) : found}\n`);
      for (const s of m.state) io.stdout(`  ${m.path}:${s.line}: ${c ? c.bold(s.name) : s.name} [${s.kind}] ${s.why}\n`);
      const r = m.recommendation;
      io.stdout(`  recommendation: Py_mod_multiple_interpreters ${r.multiple_interpreters}; second exec: ${r.second_exec === 'replay' ? 'replay the first' : 'runs again'}\n`);
      for (const reason of r.reasons) io.stdout(`    - ${reason}\n`);
    }
    io.stderr(`${modules.length} module(s) audited\n`);
  }
  return inputError ? 2 : 0;
}
