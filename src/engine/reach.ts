/**
 * What exec runs: its own body and the bodies of the functions it calls, transitively, in this file
 * and in the module's other sources. The decision to replay exec's first run (a second run would
 * overwrite process-global state) must see state a helper sets (python-ldap's `LDAPinit_constants`
 * in constants.c fills the module's exception classes into C globals there).
 */
import { langForPath, type Lang, type Node } from '../c/parse';
import type { SiblingSource } from '../c/sibling-sources';
import { calleeName, field, ofType } from '../c/syntax';
import { fileMacros } from '../c/macros';
import { auditState, stateTouchedBy, type StateFinding } from '../audit/state';
import { fileScopeFunctions, functionName } from './module-init';

/** A function defined in another source of the module, as the engine finds it (engine.ts). */
export type DefinedElsewhere = (name: string) => { path: string; text: string; fn: Node } | null;

/**
 * The definition of `name` among the sources beside a file (those whose text seems to define it,
 * sibling-sources.ts), in the same language, read with `rootOf`. Null when none defines it.
 */
export function definitionAmong(siblings: readonly SiblingSource[], name: string, lang: Lang, rootOf: (text: string) => Node): { path: string; text: string; fn: Node } | null {
  for (const s of siblings) {
    if (langForPath(s.path) !== lang) continue;
    const fn = fileScopeFunctions(rootOf(s.text)).find((f) => functionName(f) === name);
    if (fn) return { path: s.path, text: s.text, fn };
  }
  return null;
}

interface FileFunctions {
  root: Node;
  functions: Map<string, Node>;
  bodies: Node[];
  /** The file's own macros, by name: the words each body calls (read when first needed). */
  macros: Map<string, string[]> | undefined;
}

/** The names a body calls (also through the file's macros: `INIT_TYPES(m)` calling `init_types`) and names at all. */
function namesUsed(body: Node, file: FileFunctions): { callees: Set<string>; named: Set<string> } {
  const callees = new Set(ofType(body, 'call_expression').map(calleeName).filter((n): n is string => !!n));
  const named = new Set(ofType(body, 'identifier').map((n) => n.text));
  file.macros ??= new Map(fileMacros(file.root.text).map((m) => [m.name, [...m.body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)].map((x) => x[1])]));
  const pending = [...named].filter((n) => file.macros!.has(n));
  for (const seen = new Set<string>(); pending.length; ) {
    const macro = pending.pop()!;
    if (seen.has(macro)) continue;
    seen.add(macro);
    for (const word of file.macros.get(macro) ?? []) {
      callees.add(word);
      if (file.macros.has(word)) pending.push(word);
    }
  }
  return { callees, named };
}

/** Beyond this many functions the search stops: a module's init reaches a handful. */
const MAX_FUNCTIONS = 200;

/**
 * The state exec touches through the functions it calls (not its own body: the caller counts
 * that), each finding named with the file it is in when that is another source. `findings` are
 * the audit of `root` itself, which the caller has already made.
 */
export function stateTouchedThroughCalls(root: Node, findings: readonly StateFinding[], body: Node, elsewhere?: DefinedElsewhere): (StateFinding & { file?: string })[] {
  const byFile = new Map<string, FileFunctions>();
  const fileOf = (key: string, r: Node) => {
    let f = byFile.get(key);
    if (!f) {
      const functions = new Map<string, Node>();
      for (const fn of fileScopeFunctions(r)) {
        const name = functionName(fn);
        if (name && !functions.has(name)) functions.set(name, fn);
      }
      byFile.set(key, (f = { root: r, functions, bodies: [], macros: undefined }));
    }
    return f;
  };
  const here = fileOf('', root);
  const seen = new Set<string>();
  const work: { key: string; body: Node }[] = [{ key: '', body }];
  while (work.length && seen.size < MAX_FUNCTIONS) {
    const { key, body: b } = work.pop()!;
    const file = byFile.get(key)!;
    const { callees, named: mentioned } = namesUsed(b, file);
    // A function of this file named anywhere in the body (called, or handed on as a pointer, or
    // called by a macro of the file); one elsewhere only when called.
    for (const name of new Set([...callees, ...mentioned])) {
      const local = file.functions.get(name);
      if (local) {
        const id = `${key}\0${name}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const fnBody = field(local, 'body');
        if (fnBody) (file.bodies.push(fnBody), work.push({ key, body: fnBody }));
        continue;
      }
      // Not in this file: in another source of the module, if the engine finds it there.
      if (key !== '' || !elsewhere || here.functions.has(name) || !callees.has(name)) continue;
      const other = elsewhere(name);
      if (!other) continue;
      const id = `${other.path}\0${name}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const otherFile = fileOf(other.path, other.fn.tree.rootNode);
      const fnBody = field(other.fn, 'body');
      if (fnBody) (otherFile.bodies.push(fnBody), work.push({ key: other.path, body: fnBody }));
    }
  }
  const touched: (StateFinding & { file?: string })[] = [];
  for (const [key, file] of byFile) {
    if (file.bodies.length === 0) continue;
    const audited = key ? auditState(file.root) : findings;
    touched.push(...stateTouchedBy(audited, file.bodies).map((f) => (key ? { ...f, file: key } : f)));
  }
  return touched;
}
