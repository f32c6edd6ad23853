/**
 * The module passed to exec is borrowed: `Py_DECREF(m)`, `Py_XDECREF(m)` and `Py_CLEAR(m)` go
 * (a DECREF there frees the module under the import machinery's feet). Cleanups of other objects stay.
 * `Py_CLEAR(m)` also sets m to NULL, so where it leads straight to `return m;` it becomes the
 * failing `return -1;` instead.
 */
import { Edit, replace } from '../src/edits';
import { continuation } from '../src/control-flow';
import type { Node } from '../src/parse';
import { refuse } from '../src/refusal';
import { removeStatements } from '../src/removal';
import type { Transform } from '../src/transform';
import { callArgs, calleeName, field, findAll, isIdentifier, nextStatement, unparen } from '../src/syntax';
import { returnsModule } from './error-returns';

const RELEASES = new Set(['Py_DECREF', 'Py_XDECREF', 'Py_CLEAR', 'Py_DecRef', 'Py_XDecRef']);

/** True when evaluating `cond` has no side effect, so an `if` around a removed DECREF can go whole. */
function isPure(cond: Node): boolean {
  return findAll(cond, (n) => /^(call_expression|assignment_expression|update_expression)$/.test(n.type)).length === 0;
}

export const moduleDecrefs: Transform = {
  meta: { id: 'module-decrefs', description: 'remove Py_DECREF/Py_XDECREF/Py_CLEAR of the borrowed module' },
  apply(ctx) {
    const { body, moduleVar } = ctx.init;
    if (!moduleVar || !ctx.hasExec) return [];
    const id = this.meta.id;
    const calls = findAll(
      body,
      (n) => RELEASES.has(calleeName(n) ?? '') && isIdentifier(unparen(callArgs(n)[0] ?? n), moduleVar) && !ctx.vanishes(n),
    );
    const deletions: Node[] = [];
    const edits: Edit[] = [];
    for (const call of calls) {
      const stmt = call.parent!;
      if (stmt.type !== 'expression_statement') refuse(`${call.text} is part of a larger expression; convert it by hand`, call);
      if (calleeName(call) === 'Py_CLEAR' && returnsModule(continuation(stmt, body), moduleVar)) {
        edits.push(replace(stmt.startIndex, stmt.endIndex, 'return -1;', id));
        continue;
      }
      const parent = stmt.parent!;
      if (parent.type === 'compound_statement' || parent.type.startsWith('preproc_')) {
        deletions.push(stmt);
      } else if (parent.type === 'labeled_statement' && nextStatement(parent)) {
        // `error: Py_DECREF(m); return NULL;`: the label moves onto the next statement.
        deletions.push(stmt);
      } else if (parent.type === 'if_statement' && !field(parent, 'alternative') && isPure(field(parent, 'condition')!)) {
        // `if (m) Py_DECREF(m);` has nothing left to do.
        deletions.push(parent);
      } else {
        refuse(`${stmt.text} is the whole body of a ${parent.type.replace(/_/g, ' ')}; convert it by hand`, stmt);
      }
    }
    return [...edits, ...removeStatements(ctx.text, deletions, id)];
  },
};
