/**
 * What exec runs: its own body and the bodies of the functions it calls, transitively, in this file
 * and in the module's other sources. The decision to replay exec's first run (a second run would
 * overwrite process-global state) must see state a helper sets (python-ldap's `LDAPinit_constants`
 * in constants.c fills the module's exception classes into C globals there).
 */
import type { Node } from '../c/parse';
import { calleeName, field, ofType } from '../c/syntax';
import { auditState, stateTouchedBy, type StateFinding } from '../audit/state';
import { fileScopeFunctions, functionName } from './module-init';

/** A function defined in another source of the module, as the engine finds it (engine.ts). */
export type DefinedElsewhere = (name: string) => { path: string; text: string; fn: Node } | null;

/** Beyond this many functions the search stops: a module's init reaches a handful. */
const MAX_FUNCTIONS = 200;

/**
 * The state exec touches through the functions it calls (not its own body: the caller counts
 * that), each finding named with the file it is in when that is another source.
 */
export function stateTouchedThroughCalls(root: Node, body: Node, elsewhere?: DefinedElsewhere): (StateFinding & { file?: string })[] {
  const byFile = new Map<string, { root: Node; functions: Map<string, Node>; bodies: Node[] }>();
  const fileOf = (key: string, r: Node) => {
    let f = byFile.get(key);
    if (!f) {
      const functions = new Map<string, Node>();
      for (const fn of fileScopeFunctions(r)) {
        const name = functionName(fn);
        if (name && !functions.has(name)) functions.set(name, fn);
      }
      byFile.set(key, (f = { root: r, functions, bodies: [] }));
    }
    return f;
  };
  const here = fileOf('', root);
  const seen = new Set<string>();
  const work: { key: string; body: Node }[] = [{ key: '', body }];
  while (work.length && seen.size < MAX_FUNCTIONS) {
    const { key, body: b } = work.pop()!;
    const file = byFile.get(key)!;
    for (const call of ofType(b, 'call_expression')) {
      const name = calleeName(call);
      if (!name) continue;
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
      if (key !== '' || !elsewhere || here.functions.has(name)) continue;
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
    const findings = auditState(file.root);
    touched.push(...stateTouchedBy(findings, file.bodies).map((f) => (key ? { ...f, file: key } : f)));
  }
  return touched;
}
