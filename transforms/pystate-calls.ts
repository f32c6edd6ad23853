/**
 * PyState_FindModule returns NULL (with no exception) for a multi-phase module, and PyState_AddModule
 * raises SystemError: code that uses either would break silently or loudly after conversion.
 */
import type { Transform } from '../src/transform';
import { refuse } from '../src/refusal';
import { calleeName, ofType } from '../src/syntax';

export const pystateCalls: Transform = {
  meta: {
    id: 'pystate-calls',
    description: 'refuse modules that look themselves up with PyState_FindModule or register with PyState_AddModule',
  },
  apply(ctx) {
    const call = ofType(ctx.root, 'call_expression').filter((n) => /^PyState_(FindModule|AddModule)$/.test(calleeName(n) ?? ''))[0];
    if (call) {
      const name = calleeName(call);
      refuse(
        name === 'PyState_FindModule'
          ? `PyState_FindModule returns NULL for a multi-phase module; pass the module along (a module-level function gets it as self, a method via PyType_GetModuleByDef) instead`
          : `PyState_AddModule fails on a multi-phase module; remove the call and its error check by hand`,
        call,
      );
    }
    return [];
  },
};
