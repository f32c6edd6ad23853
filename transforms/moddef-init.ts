/**
 * `PyInit_<name>` now only hands CPython the definition: `return PyModuleDef_Init(&def);`. It is
 * written after the exec function with the original function's own header (return type, name,
 * brace placement), so it reads like the code around it.
 */
import { insert, replace } from '../src/engine/edits';
import type { Transform, TransformContext } from '../src/engine/transform';
import type { Node } from '../src/c/parse';
import { indentationAt } from '../src/c/text';
import { declarationStart } from './exec-function';
import { removeStatements } from '../src/engine/removal';
import { refuse } from '../src/engine/refusal';

/** A statement with the comment lines directly above it (they move together), by line. */
function withComments(ctx: TransformContext, s: Node): { nodes: Node[]; text: string } {
  const nodes = [s];
  for (let p = s.previousSibling; p?.type === 'comment' && !/\n\s*\n/.test(ctx.text.slice(p.endIndex, nodes[0].startIndex)); p = p.previousSibling) nodes.unshift(p);
  return { nodes, text: nodes.map((n) => `${indentationAt(ctx.text, n.startIndex)}${n.text}`).join('\n') };
}

export const moddefInit: Transform = {
  meta: { id: 'moddef-init', description: 'PyInit_<name> returns PyModuleDef_Init(&def)' },
  apply(ctx) {
    const { fn, def, create, directReturn, body, helperCall } = ctx.init;
    const call = `PyModuleDef_Init(&${def.name})`;
    // `return moduleinit();` in PyInit: the helper became exec, PyInit hands over the definition.
    if (helperCall) {
      if (ctx.init.defSetup.length)
        refuse(`the init helper fills in the module definition at run time before creating the module; move that into PyInit by hand`, ctx.init.defSetup[0]);
      return [replace(helperCall.startIndex, helperCall.endIndex, call, this.meta.id)];
    }
    if (!ctx.hasExec) {
      // Nothing left to execute: PyInit keeps its place and only hands over the definition.
      if (directReturn) return [replace(create.startIndex, create.endIndex, call, this.meta.id)];
      const closing = body.lastChild!;
      const indent = indentationAt(ctx.text, closing.startIndex);
      const kept = ctx.init.defSetup.map((s) => `\n${withComments(ctx, s).text}`).join('');
      return [replace(body.startIndex + 1, closing.startIndex, `${kept}${kept ? '\n' : ''}\n${indent}${ctx.indentUnit}return ${call};\n${indent}`, this.meta.id)];
    }
    const header = ctx.text.slice(declarationStart(fn), body.startIndex + 1);
    // Run-time changes to the definition stay here, ahead of the hand-over (module-init.ts definitionSetup).
    const moved = ctx.init.defSetup.map((s) => withComments(ctx, s));
    const setup = moved.map((m) => `${m.text}\n`).join('');
    return [
      ...removeStatements(ctx.text, moved.flatMap((m) => m.nodes), this.meta.id),
      insert(fn.endIndex, `\n\n${header}\n${setup}${setup ? '\n' : ''}${ctx.indentUnit}return ${call};\n}`, this.meta.id),
    ];
  },
};
