/**
 * Never missed: a file in which no module init could be found is only "skipped" when, read through
 * every macro the file and its headers define, it does not define a `PyInit_` function and call
 * `PyModule_Create`. Otherwise the init is there, behind macros or conditionals the engine could
 * not follow, and the file is refused with the line where it is, never passed over with exit 0.
 */
import { codeTokens } from '../c/preprocessor/code-tokens';
import { expand, ExpansionError, type Expanded } from '../c/preprocessor/expand';
import type { MacroTable } from '../c/preprocessor/macro-table';
import { lineOf } from '../c/text';

export interface HiddenInit {
  name: string;
  /** 1-based line of the use that spells the init (or of the create, when the init's name is not found). */
  line: number;
}

export function hiddenModuleInit(text: string, table: MacroTable, header: (name: string) => string | undefined): HiddenInit | null {
  let tokens: Expanded[];
  try {
    tokens = expand(codeTokens(text, 0, text.length, header), table);
  } catch (e) {
    if (!(e instanceof ExpansionError)) throw e;
    // Too much to expand: the plain words decide.
    const init = /\bPyInit_(\w+)\s*\(/.exec(text);
    return init && /\bPyModule_Create2?\s*\(/.test(text) ? { name: `PyInit_${init[1]}`, line: lineOf(text, init.index) } : null;
  }
  const called = (i: number) => tokens[i + 1]?.text === '(';
  const init = tokens.findIndex((t, i) => t.kind === 'ident' && /^PyInit_\w+$/.test(t.text) && called(i));
  const create = tokens.findIndex((t, i) => t.kind === 'ident' && /^PyModule_Create2?$/.test(t.text) && called(i));
  if (init === -1 || create === -1) return null;
  const at = tokens[init].from >= 0 ? tokens[init].from : tokens[create].from;
  return { name: tokens[init].text, line: lineOf(text, Math.max(0, at)) };
}
