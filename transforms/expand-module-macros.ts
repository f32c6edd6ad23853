/**
 * Dual Python 2/3 sources often hide the module definition and its creation in the file's own
 * function-like macros:
 *
 *     #define MOD_DEF(ob, name, doc, methods) \
 *             static struct PyModuleDef moduledef = { \
 *               PyModuleDef_HEAD_INIT, name, doc, -1, methods, }; \
 *             ob = PyModule_Create(&moduledef);
 *     ...
 *         MOD_DEF(m, "spam", spam_doc, spam_methods)
 *
 * The definition must gain slots and the create call must go, so each use of such a macro is
 * replaced by what it expands to on Python 3 (the macro's own lines, its parameters substituted),
 * and the conversion goes on from there. The `#define`s stay: Python 2 still reads them.
 *
 * Only macros defined one way for Python 3 (by the file, or by a header it includes with quotes:
 * alsa-python's common.h serves five modules), whose body mentions `PyModule_Create` or
 * `PyModuleDef` and uses no `#` or `##`; a macro defined several ways is refused, naming it. The
 * file's own definition wins over a header's.
 */
import type { Edit } from '../src/engine/edits';
import { fileMacros } from '../src/c/macros';
import { expandUse } from '../src/c/macro-expansion';
import { codeMatches, nonCodeRanges } from '../src/c/non-code';
import { Refusal } from '../src/engine/refusal';
import type { Preparation } from '../src/engine/transform';
import { lineOf } from '../src/c/text';

const MODULE_MACRO_BODY = /\bPyModule_Create2?\s*\(|\bPyModuleDef\b(?!_)/;

export const expandModuleMacros: Preparation = {
  meta: {
    id: 'expand-module-macros',
    description: 'replace a use of the file\'s own macro that defines or creates the module by its Python 3 expansion',
  },
  worksOnText: true,
  apply({ text, headers }) {
    const creating = (source: string) => fileMacros(source).filter((d) => d.params !== null && MODULE_MACRO_BODY.test(d.body) && !/PyModuleDef_Init/.test(d.body));
    const own = creating(text);
    const defs = [...own, ...headers.flatMap((h) => creating(h.text)).filter((d) => !own.some((o) => o.name === d.name))];
    if (defs.length === 0) return [];
    const skip = nonCodeRanges(text);
    const edits: Edit[] = [];
    for (const name of new Set(defs.map((d) => d.name))) {
      const uses = codeMatches(text, `\\b${name}\\s*\\(`, skip);
      if (uses.length === 0) continue;
      const ways = defs.filter((d) => d.name === name);
      const line = lineOf(text, uses[0].index!);
      if (ways.length > 1)
        throw new Refusal(`the macro ${name} (used at line ${line}) defines or creates the module and is defined ${ways.length} ways for Python 3; expand it by hand`, line);
      const def = ways[0];
      if (/#/.test(def.body))
        throw new Refusal(`the macro ${name} (used at line ${line}) defines or creates the module with # or ## in its body (a name pasted together); expand it by hand`, line);
      for (const use of uses) edits.push(expandUse(text, use.index!, use[0].length, def, skip));
    }
    return edits;
  },
};
