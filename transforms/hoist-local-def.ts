/**
 * A `static PyModuleDef` declared inside `PyInit_<name>` moves to file scope, right above the
 * function: the new `PyInit` and the slots array both need to see it, and exec must not own it.
 */
import { insert } from '../src/engine/edits';
import { codeMatches, nonCodeRanges } from '../src/c/non-code';
import { initWorkFunction } from '../src/engine/module-init';
import type { Node } from '../src/c/parse';
import { refuse } from '../src/engine/refusal';
import { removeStatements } from '../src/engine/removal';
import type { Preparation } from '../src/engine/transform';
import { calleeName, field, named } from '../src/c/syntax';
import { indentationAt, lineStart } from '../src/c/text';

function isModuleDefDeclaration(n: Node): boolean {
  if (n.type !== 'declaration') return false;
  const type = field(n, 'type')?.text.replace(/^struct\s+/, '');
  return type === 'PyModuleDef' && named(n).some((d) => d.type === 'init_declarator' && field(d, 'value')?.type === 'initializer_list');
}

export const hoistLocalDef: Preparation = {
  meta: { id: 'hoist-local-def', description: 'move a PyModuleDef declared inside PyInit to file scope' },
  apply({ text, root, table }) {
    const fn = initWorkFunction(root, text, table);
    const body = fn && field(fn, 'body');
    if (!fn || !body) return [];
    const local = named(body).filter(isModuleDefDeclaration);
    if (local.length === 0) return [];
    if (local.length > 1) refuse(`PyInit declares ${local.length} module definitions; convert it by hand`, local[1]);
    const decl = local[0];
    if (!/^static\b/.test(decl.text))
      refuse(`the module definition inside PyInit is not static (it lives on the stack); make it static or move it to file scope`, decl);
    const name = named(decl).find((d) => d.type === 'init_declarator')!;
    const defName = field(name, 'declarator')!.text;
    // Another `defName` in code (not in a comment, a string or a `#define` line) outside the init.
    const nonCode = nonCodeRanges(text);
    const clash = codeMatches(text, `\\b${defName}\\b`, nonCode).some((m) => m.index < fn.startIndex || m.index >= fn.endIndex);
    if (clash)
      refuse(`moving the module definition ${defName} to file scope would clash with another ${defName} in this file; rename one`, decl);
    // Dedent by the declaration's own indentation, so it reads as file-scope code.
    const indent = indentationAt(text, decl.startIndex);
    const moved = text
      .slice(lineStart(text, decl.startIndex), decl.endIndex)
      .split(/\r?\n/)
      .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
      .join('\n');
    return [insert(lineStart(text, fn.startIndex), `${moved}\n\n`, this.meta.id), ...removeStatements(text, [decl], this.meta.id)];
  },
};
