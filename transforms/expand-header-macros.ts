/**
 * A macro from the project's own headers that returns NULL on failure, used in the init:
 *
 *     #define PyExtensionClass_Export(D,N,T) \
 *       if (! ExtensionClassImported || \
 *           PyExtensionClassCAPI->PyExtensionClass_Export_((D),(N),&(T)) < 0) return NULL;
 *
 * In an exec function (which returns int) that `return NULL` would be a bug the compiler only warns
 * about. The header is not ours to change, so each use inside the init is replaced by the macro's
 * expansion, and error-returns turns its `return NULL` into `return -1` like any other. Uses
 * elsewhere, in functions that do return a pointer, stay. A macro whose body returns anything but
 * NULL is left to error-returns, which refuses it by name.
 */
import type { Edit } from '../src/engine/edits';
import { expandUse } from '../src/c/macro-expansion';
import { fileMacros } from '../src/c/macros';
import { initWorkFunction } from '../src/engine/module-init';
import { codeMatches, nonCodeRanges } from '../src/c/non-code';
import type { Preparation } from '../src/engine/transform';

/** Every return in the body returns NULL (or 0). */
function returnsOnlyNull(body: string): boolean {
  const returns = [...body.matchAll(/\breturn\b\s*([^;]*);?/g)];
  return returns.length > 0 && returns.every((r) => /^\(?\s*(NULL|0|\(\s*PyObject\s*\*\s*\)\s*NULL)\s*\)?$/.test(r[1].trim()));
}

export const expandHeaderMacros: Preparation = {
  meta: {
    id: 'expand-header-macros',
    description: 'expand, inside the init, a header macro that returns NULL, so that its failure can become return -1',
  },
  apply({ text, root, headerMacros }) {
    const candidates = headerMacros.filter((h) => h.definition.params !== null && returnsOnlyNull(h.definition.body));
    if (candidates.length === 0) return [];
    const fn = initWorkFunction(root, text);
    if (!fn) return [];
    const own = new Set(fileMacros(text).map((d) => d.name));
    const skip = nonCodeRanges(text);
    const edits: Edit[] = [];
    const done = new Set<string>();
    for (const h of candidates) {
      if (own.has(h.name) || done.has(h.name)) continue;
      done.add(h.name);
      for (const use of codeMatches(text, `\\b${h.name}\\s*\\(`, skip, fn.startIndex, fn.endIndex))
        edits.push(expandUse(text, use.index, use[0].length, h.definition, skip));
    }
    return edits;
  },
};
