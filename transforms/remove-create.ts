/**
 * In exec the module already exists: the `PyModule_Create` call goes, with the declaration of the
 * variable that held it and the NULL check right after it (`if (m == NULL) return NULL;`).
 */
import { Edit, remove, replace } from '../src/engine/edits';
import type { Node } from '../src/c/parse';
import { removeStatements } from '../src/engine/removal';
import type { Transform, TransformContext } from '../src/engine/transform';
import { children, field, findAll, named, ofType, same } from '../src/c/syntax';
import { labelTarget } from '../src/c/control-flow';
import { lineStart } from '../src/c/text';

/** Deleting one declarator of `PyObject *m, *d;` takes the comma that joins it to a neighbour. */
function removeDeclarator(ctx: TransformContext, d: Node, rule: string): Edit {
  const next = d.nextSibling;
  if (next?.type === ',') {
    const after = children(d.parent!).find((c) => c.startIndex >= next.endIndex);
    return remove(d.startIndex, after ? after.startIndex : next.endIndex, rule);
  }
  const prev = d.previousSibling;
  if (prev?.type === ',') return remove(prev.startIndex, d.endIndex, rule);
  return remove(d.startIndex, d.endIndex, rule);
}

/**
 * `if (m == NULL) goto exit;` may have been the only jump to `exit:`: a label nothing jumps to any
 * more would be a new -Wunused-label warning, so it goes (its statement stays).
 */
function orphanedLabels(ctx: TransformContext, rule: string): Edit[] {
  const { body } = ctx.init;
  const gone = ofType(body, 'goto_statement').filter((n) => ctx.vanishes(n));
  const edits: Edit[] = [];
  for (const label of new Set(gone.map((g) => field(g, 'label')?.text))) {
    if (!label) continue;
    const remaining = ofType(body, 'goto_statement').filter((n) => field(n, 'label')?.text === label && !ctx.vanishes(n));
    if (remaining.length) continue;
    const target = labelTarget(gone.find((g) => field(g, 'label')?.text === label)!, body);
    const inner = target && named(target).find((c) => c.type !== 'statement_identifier');
    if (!target || !inner) continue;
    const ls = lineStart(ctx.text, target.startIndex);
    const aloneOnLine = /^[ \t]*$/.test(ctx.text.slice(ls, target.startIndex)) && ctx.text.slice(target.startIndex, inner.startIndex).includes('\n');
    edits.push(aloneOnLine ? remove(ls, lineStart(ctx.text, inner.startIndex), rule) : remove(target.startIndex, inner.startIndex, rule));
  }
  return edits;
}

export const removeCreate: Transform = {
  meta: { id: 'remove-create', description: 'remove the PyModule_Create call, its variable declaration and its NULL check' },
  apply(ctx) {
    if (!ctx.hasExec) return [];
    const id = this.meta.id;
    const { vanishing, directReturn } = ctx.init;
    const statements = vanishing.filter((n) => n.type !== 'init_declarator' && !n.type.endsWith('declarator') && n.type !== 'identifier');
    const declarators = vanishing.filter((n) => !statements.some((s) => same(s, n)));
    const edits = [...removeStatements(ctx.text, statements, id), ...declarators.map((d) => removeDeclarator(ctx, d, id))];
    for (const r of ctx.init.rewrites) edits.push(replace(r.node.startIndex, r.node.endIndex, r.text, id));
    // `return PyModule_Create(&def);` after other init code: exec succeeds there.
    if (directReturn && ctx.hasExec) edits.push(replace(directReturn.startIndex, directReturn.endIndex, 'return 0;', id));
    edits.push(...orphanedLabels(ctx, id));
    return edits;
  },
};
