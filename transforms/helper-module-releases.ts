/**
 * Helpers the init hands the module to (`if (add_types(m) < 0) return NULL;`) that release it on
 * their failure path (`Py_DECREF(module); return -1;`). Right in single-phase init, where the init
 * owned the module; after the conversion exec only borrows it, and that release frees the module
 * under the import machinery's feet (a crash on the error path only, which no build catches).
 *
 * The release statements go, as module-decrefs does in the init, when the helper is this file's own
 * and every call to it passes the module in that position (so its parameter is always the borrowed
 * module); otherwise the conversion is refused, naming the helper and the release. Helpers called
 * from helpers are followed the same way. A helper another source in the same folder defines is
 * read too, but that file is not this conversion's to change: a release there is refused, naming it.
 * Helpers further away cannot be seen; `--verify` (its fault-injection probe) is what catches those.
 */
import * as path from 'node:path';
import type { Edit } from '../src/engine/edits';
import { fileScopeFunctions, functionName } from '../src/engine/module-init';
import type { Node } from '../src/c/parse';
import { refuse } from '../src/engine/refusal';
import { removeStatements } from '../src/engine/removal';
import type { Transform, TransformContext } from '../src/engine/transform';
import { callArgs, calleeName, field, isIdentifier, isInside, line, ofType, parameterName, uncast } from '../src/c/syntax';
import { releaseRemoval, releasesOf } from './module-decrefs';

/** The argument positions at which `call` passes the variable `name` (bare, parenthesised or cast). */
function positionsOf(call: Node, name: string): number[] {
  return callArgs(call).flatMap((a, i) => {
    return isIdentifier(uncast(a), name) ? [i] : [];
  });
}

interface Carrier {
  fn: Node;
  name: string;
  param: string;
  index: number;
}

/** Every (helper, parameter) the module reaches from the init's body, followed through helpers. */
function carriers(ctx: TransformContext, moduleVar: string): Carrier[] {
  const functions = new Map<string, Node>();
  for (const f of fileScopeFunctions(ctx.root)) {
    const name = functionName(f);
    if (name && !isInside(ctx.init.fn, f) && !isInside(ctx.init.entry, f)) functions.set(name, f);
  }
  const found = new Map<string, Carrier>();
  const visit = (body: Node, variable: string, skip: (n: Node) => boolean) => {
    for (const call of ofType(body, 'call_expression')) {
      const name = calleeName(call);
      const fn = name ? functions.get(name) : undefined;
      if (!fn || skip(call)) continue;
      for (const index of positionsOf(call, variable)) {
        const key = `${name}/${index}`;
        const param = parameterName(fn, index);
        if (found.has(key) || !param) continue;
        found.set(key, { fn, name: name!, param, index });
        visit(field(fn, 'body') ?? fn, param, () => false);
      }
    }
  };
  visit(ctx.init.body, moduleVar, (n) => ctx.vanishes(n));
  return [...found.values()];
}

/** Does every call to the helper in the file pass a module-carrying variable at its position? */
function alwaysGivenTheModule(ctx: TransformContext, c: Carrier, all: Carrier[], moduleVar: string): Node | null {
  for (const id of ofType(ctx.root, 'identifier')) {
    // Its definition and prototypes name it without using it.
    if (id.text !== c.name || id.parent?.type === 'function_declarator') continue;
    const call = id.parent;
    if (call?.type !== 'call_expression' || !isIdentifier(field(call, 'function'), c.name)) return id; // its address is taken
    const caller = all.find((o) => isInside(call, o.fn));
    const variable = caller ? caller.param : isInside(call, ctx.init.body) ? moduleVar : null;
    if (!variable || !positionsOf(call, variable).includes(c.index)) return call;
  }
  return null;
}

/** C-API and runtime names: never a project helper defined next door. */
const NOT_A_HELPER = /^(_?Py|PY|_Py)/;

/** The init hands the module to a function a file beside this one defines, and that function releases it. */
function refuseReleasesNextDoor(ctx: TransformContext, moduleVar: string): void {
  if (!ctx.definedElsewhere) return;
  const here = new Set(fileScopeFunctions(ctx.root).map((f) => functionName(f)));
  for (const call of ofType(ctx.init.body, 'call_expression')) {
    const name = calleeName(call);
    if (!name || here.has(name) || NOT_A_HELPER.test(name) || ctx.vanishes(call)) continue;
    for (const index of positionsOf(call, moduleVar)) {
      const other = ctx.definedElsewhere(name);
      const param = other && parameterName(other.fn, index);
      const body = other && field(other.fn, 'body');
      if (!other || !param || !body) continue;
      const release = releasesOf(body, param)[0];
      if (release)
        refuse(
          `${name} (${path.basename(other.path)}, line ${line(other.fn)}) releases the module it is given (${release.text}, line ${line(release)}); after the conversion exec only borrows the module, so remove that release (returning the error is enough) and convert again`,
          call,
          [{ file: other.path, line: line(release), message: `the release to remove: ${release.text}` }],
        );
    }
  }
}

export const helperModuleReleases: Transform = {
  meta: { id: 'helper-module-releases', description: "remove a helper's Py_DECREF of the module the init hands it (exec only borrows it)" },
  apply(ctx) {
    const moduleVar = ctx.init.moduleVar;
    if (!moduleVar || !ctx.hasExec) return [];
    refuseReleasesNextDoor(ctx, moduleVar);
    const all = carriers(ctx, moduleVar);
    const deletions: Node[] = [];
    for (const c of all) {
      const body = field(c.fn, 'body');
      if (!body) continue;
      const releases = releasesOf(body, c.param);
      if (releases.length === 0) continue;
      const first = releases[0];
      const where = `${c.name} (line ${line(c.fn)}) releases the module it is given (${first.text}, line ${line(first)})`;
      const stray = alwaysGivenTheModule(ctx, c, all, moduleVar);
      if (stray)
        refuse(`${where}, and is also used at line ${line(stray)} with something else; after the conversion exec only borrows the module: convert it by hand`, first, [
          { line: line(stray), message: `${c.name} given something other than the module` },
        ]);
      if (ofType(body, 'assignment_expression').some((a) => isIdentifier(field(a, 'left'), c.param)))
        refuse(`${where} after assigning to ${c.param}; convert it by hand`, first);
      for (const call of releases) {
        const stmt = call.parent!;
        const parent = stmt.parent;
        if (stmt.type !== 'expression_statement' || !parent)
          refuse(`${where} inside a larger expression (${call.text}); convert it by hand`, call);
        const usedAfter = ofType(body, 'identifier').some((n) => n.text === c.param && n.startIndex > stmt.endIndex);
        if (calleeName(call) === 'Py_CLEAR' && usedAfter)
          refuse(`${where} with Py_CLEAR and uses ${c.param} after it; convert it by hand`, call);
        const removal = releaseRemoval(stmt);
        if (!removal) refuse(`${where} as the whole body of a ${parent.type.replace(/_/g, ' ')}; convert it by hand`, call);
        deletions.push(removal);
      }
    }
    return removeStatements(ctx.text, deletions, this.meta.id) as Edit[];
  },
};
