/**
 * A single-phase module declares free-threading support with
 * `PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED)` (usually under `#ifdef Py_GIL_DISABLED`). The
 * multi-phase way is the `Py_mod_gil` slot, so the call goes (with its `#ifdef` when nothing else is
 * left in it) and its value moves to the slot (see module-slots).
 */
import type { ModuleInit } from '../src/engine/module-init';
import type { Node } from '../src/c/parse';
import type { GilChoice } from '../src/engine/options';
import { refuse } from '../src/engine/refusal';
import { removeStatements } from '../src/engine/removal';
import type { Transform } from '../src/engine/transform';
import { ancestors, callArgs, calleeName, field, findAll, named, ofType, same } from '../src/c/syntax';

const VALUES: Record<string, GilChoice> = { Py_MOD_GIL_NOT_USED: 'not-used', Py_MOD_GIL_USED: 'used' };

interface GilCall {
  call: Node;
  value: GilChoice;
  /** The code that goes: the statement, or the `#ifdef` block holding only it. */
  removal: Node;
}

export function findGilCalls(init: ModuleInit): GilCall[] {
  return ofType(init.body, 'call_expression').filter((n) => calleeName(n) === 'PyUnstable_Module_SetGIL').map((call) => {
    const valueText = callArgs(call)[1]?.text ?? '';
    const value = VALUES[valueText];
    if (!value) refuse(`PyUnstable_Module_SetGIL is given ${valueText || 'no value'}; expected Py_MOD_GIL_USED or Py_MOD_GIL_NOT_USED`, call);
    // `PyUnstable_Module_SetGIL(m, X);` or `if (PyUnstable_Module_SetGIL(m, X) < 0) { ... }`
    let stmt = call.parent!;
    if (stmt.type !== 'expression_statement') {
      stmt = ancestors(call).find((a) => a.type === 'if_statement' && field(a, 'condition')!.startIndex <= call.startIndex && call.endIndex <= field(a, 'condition')!.endIndex)!;
      if (!stmt || field(stmt, 'alternative')) refuse(`PyUnstable_Module_SetGIL is used in an expression this tool does not recognise`, call);
    }
    const block = stmt.parent!;
    const onlyChild = /^preproc_(ifdef|if)$/.test(block.type) && !named(block).some((c) => c.type.startsWith('preproc_') || (!same(c, stmt) && !same(c, field(block, 'name')) && !same(c, field(block, 'condition'))));
    return { call, value, removal: onlyChild ? block : stmt };
  });
}

/** The value the module itself declared, if it did. */
export function declaredGil(init: ModuleInit): GilChoice | null {
  const values = new Set(findGilCalls(init).map((c) => c.value));
  if (values.size > 1) refuse(`PyInit_${init.name} calls PyUnstable_Module_SetGIL with different values`, init.fn);
  return values.size ? [...values][0] : null;
}

export const gilDeclaration: Transform = {
  meta: { id: 'gil-declaration', description: 'move PyUnstable_Module_SetGIL into the Py_mod_gil slot' },
  apply(ctx) {
    // Without an exec function the whole init body is replaced (moddef-init).
    if (!ctx.hasExec) return [];
    return removeStatements(ctx.text, findGilCalls(ctx.init).map((c) => c.removal), this.meta.id);
  },
};
