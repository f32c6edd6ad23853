/**
 * numpy's import macros return NULL on failure (`import_array()` expands to `... return NULL;`),
 * which an int exec function cannot. Rewritten the way numpy rewrote its own modules:
 *
 * - `import_array()` / `import_umath()` become `import_array1(-1)` / `import_umath1(-1)` (any numpy),
 *   or with `--numpy-import numpy2`, `if (PyArray_ImportNumPyAPI() < 0) { return -1; }` and
 *   `if (PyUFunc_ImportUFuncAPI() < 0) { return -1; }` (numpy 2 headers).
 * - The explicit forms get -1 as their return value: `import_array1(NULL)`, `import_array2(msg, NULL)`,
 *   `import_umath1(NULL)` and `import_umath2(NULL, msg)` (note the order numpy chose for umath).
 * - `import_ufunc()` never returns, so it stays.
 */
import { Edit, replace } from '../src/engine/edits';
import { refuse } from '../src/engine/refusal';
import type { Transform } from '../src/engine/transform';
import { callArgs, calleeName, findAll, isNullLiteral, ofType } from '../src/c/syntax';
import { indentationAt } from '../src/c/text';

const NUMPY2_CALL: Record<string, string> = {
  import_array: 'PyArray_ImportNumPyAPI',
  import_umath: 'PyUFunc_ImportUFuncAPI',
};

/** Which argument holds the return value, for the explicit forms. */
const RETURN_ARG: Record<string, number> = { import_array1: 0, import_array2: 1, import_umath1: 0, import_umath2: 0 };

export const numpyImports: Transform = {
  meta: { id: 'numpy-imports', description: "numpy's import_array()/import_umath() return -1 instead of NULL in exec" },
  apply(ctx) {
    if (!ctx.hasExec) return [];
    const id = this.meta.id;
    const edits: Edit[] = [];
    for (const call of ofType(ctx.init.body, 'call_expression').filter((n) => !ctx.vanishes(n))) {
      const name = calleeName(call) ?? '';
      if (name in NUMPY2_CALL && callArgs(call).length === 0) {
        if (ctx.options.numpyImport !== 'numpy2') {
          edits.push(replace(call.startIndex, call.endIndex, `${name}1(-1)`, id));
          continue;
        }
        const stmt = call.parent;
        if (stmt?.type !== 'expression_statement' || stmt.parent?.type !== 'compound_statement')
          refuse(`${name}() is not a statement of its own; rewrite it by hand`, call);
        const indent = indentationAt(ctx.text, stmt.startIndex);
        edits.push(
          replace(stmt.startIndex, stmt.endIndex, `if (${NUMPY2_CALL[name]}() < 0) {\n${indent}${ctx.indentUnit}return -1;\n${indent}}`, id),
        );
      } else if (name in RETURN_ARG) {
        const arg = callArgs(call)[RETURN_ARG[name]];
        if (arg && isNullLiteral(arg)) edits.push(replace(arg.startIndex, arg.endIndex, '-1', id));
      }
    }
    return edits;
  },
};
