/**
 * Never wrong, checked mechanically: after the conversion, every macro used in the exec function is
 * expanded through the macro table (the file's, its headers', CPython's built-in ones), and the
 * expanded body may not
 *
 *  - return a pointer, NULL or nothing (`return NULL;` hidden in `CHECK(x)`, `Py_RETURN_NONE`,
 *    `return m;`): exec returns an int, and such a return would be 0 with an exception set;
 *  - release the module (`Py_DECREF(m)` behind a macro): exec only borrows it.
 *
 * A macro used in exec whose definition cannot be found (its header is not visible) is a refusal
 * that names it, unless the user verifies the conversion (then the build and the probes decide).
 */
import type { Node } from '../c/parse';
import { expand, ExpansionError, type Expanded } from '../c/preprocessor/expand';
import type { MacroTable } from '../c/preprocessor/macro-table';
import { codeTokens } from '../c/preprocessor/code-tokens';
import { field } from '../c/syntax';
import { fileScopeFunctions, functionName } from './module-init';

export interface ExecProblem {
  /** Offset in the checked text of the use (or statement) at fault. */
  at: number;
  reason: string;
}

const RELEASES = new Set(['Py_DECREF', 'Py_XDECREF', 'Py_CLEAR', 'Py_DecRef', 'Py_XSETREF', 'Py_SETREF']);

/** All-caps names of system headers that shape no control flow. */
const SYSTEM_MACROS = /^(FD_(SET|ZERO|CLR|ISSET)|S_IS\w+|W(IF\w+|EXITSTATUS|TERMSIG|STOPSIG)|CMSG_\w+|U?INT(8|16|32|64|MAX)_C|SIG\w+|MAP_\w+|O_\w+|LC_\w+|_?IO[RW]*|MAKEWORD|LOWORD|HIWORD|TEXT|RGB)$/;

/** The tokens after `return` up to its `;`, at depth 0. */
function returnValue(tokens: Expanded[], at: number): { value: Expanded[]; end: number } {
  const value: Expanded[] = [];
  let depth = 0;
  let i = at + 1;
  for (; i < tokens.length; i++) {
    const t = tokens[i].text;
    if (depth === 0 && (t === ';' || t === '}')) break;
    if (t === '(' || t === '[' || t === '{') depth++;
    else if (t === ')' || t === ']' || t === '}') depth--;
    value.push(tokens[i]);
  }
  return { value, end: i };
}

/** What is wrong with returning `value` from an int function, or null. */
function badReturn(value: Expanded[], param: string): string | null {
  const text = value.map((t) => t.text).join(' ');
  if (value.length === 0) return 'returns nothing';
  const bare = text.replace(/^\(\s*(.*)\s*\)$/, '$1').trim();
  if (/^(NULL|nullptr|\(\s*void\s*\*\s*\)\s*0)$/.test(bare)) return `returns ${bare}`;
  if (bare === param) return `returns the module ${param}`;
  if (/^\(\s*\w+\s*\*+\s*\)/.test(bare)) return `returns a pointer (${text})`;
  if (/^Py_(None|True|False|NotImplemented)$/.test(bare) || /^Py_NewRef\b/.test(bare)) return `returns a Python object (${bare})`;
  return null;
}

/** Is `tokens[i]` a release of the module: `Py_DECREF(m)`, `Py_CLEAR(m)`, with casts or parentheses? */
function releasesModule(tokens: Expanded[], i: number, param: string): boolean {
  if (!RELEASES.has(tokens[i].text) || tokens[i + 1]?.text !== '(') return false;
  const args: string[] = [];
  let depth = 0;
  for (let j = i + 1; j < tokens.length; j++) {
    const t = tokens[j].text;
    if (t === '(') depth++;
    else if (t === ')' && --depth === 0) break;
    if (depth === 1 && t === ',') break;
    args.push(t);
  }
  const arg = args.slice(1).join(' ');
  return new RegExp(`^(\\(\\s*)*(\\(\\s*PyObject\\s*\\*\\s*\\)\\s*)?(\\(\\s*)*${param}(\\s*\\))*$`).test(arg);
}

/** The function named `name` in `root`, or null. */
export function findFunction(root: Node, name: string): Node | null {
  return fileScopeFunctions(root).find((f) => functionName(f) === name) ?? null;
}

/**
 * The problems of the exec function `fn` of `text`. `declared` tells a name the file itself declares
 * (a function or variable), so that an unknown all-caps call is only reported when it is a macro
 * nobody can see.
 */
export function checkExec(
  text: string,
  fn: Node,
  param: string,
  table: MacroTable,
  unknownMacrosAllowed: boolean,
  header: (name: string) => string | undefined = () => undefined,
): ExecProblem[] {
  const body = field(fn, 'body');
  if (!body) return [];
  const raw = codeTokens(text, body.startIndex, body.endIndex, header);
  const problems: ExecProblem[] = [];
  if (!unknownMacrosAllowed) {
    for (let i = 0; i < raw.length; i++) {
      const t = raw[i];
      if (t.kind !== 'ident' || !/^[A-Z][A-Z0-9_]*[A-Z][A-Z0-9_]*$/.test(t.text) || table.has(t.text) || SYSTEM_MACROS.test(t.text)) continue;
      const prev = raw[i - 1]?.text;
      const next = raw[i + 1]?.text;
      // Used as a statement: at the start of one, called or alone.
      const atStatement = prev === ';' || prev === '{' || prev === '}' || prev === ':' || prev === ')' || prev === 'else';
      // `NAME(...)`, `NAME;` or `NAME` alone; `TYPE name;` is a declaration, not a macro statement.
      if (!atStatement || (next !== '(' && next !== ';' && next !== '}' && next !== undefined)) continue;
      if (declaredInFile(text, t.text)) continue;
      problems.push({
        at: t.start,
        reason: `${t.text} (used as a statement in exec) is a macro whose definition this tool cannot see; make its header visible with -I DIR (or let --verify build and probe the conversion)`,
      });
    }
  }
  let tokens: Expanded[];
  try {
    tokens = expand(raw, table);
  } catch (e) {
    if (!(e instanceof ExpansionError)) throw e;
    return [...problems, { at: body.startIndex, reason: `the macros in exec could not be expanded (${e.message})` }];
  }
  const through = (t: Expanded) => (t.via.length ? ` (through ${t.via.join(' -> ')})` : '');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'ident' && t.text === 'return') {
      const { value } = returnValue(tokens, i);
      const bad = badReturn(value, param);
      if (bad) problems.push({ at: t.from, reason: `exec ${bad}${through(t)}; an exec function returns 0, or -1 with an exception set` });
    } else if (t.kind === 'ident' && releasesModule(tokens, i, param)) {
      problems.push({ at: t.from, reason: `exec releases the module ${param}${through(t)}, which it only borrows` });
    }
  }
  return problems;
}

/** Does the file declare or define `name` as a function, variable or enum constant (not as a macro)? */
function declaredInFile(text: string, name: string): boolean {
  const re = new RegExp(`(^|[\\s*(,{])${name}\\s*(\\(|\\[|=|;|,)`, 'gm');
  for (const m of text.matchAll(re)) {
    const lineStart = text.lastIndexOf('\n', m.index!) + 1;
    const line = text.slice(lineStart, text.indexOf('\n', m.index!) === -1 ? text.length : text.indexOf('\n', m.index!));
    // A declaration: a type word before it on its line, or an enum list.
    if (/^\s*(static|extern|const|void|int|long|short|char|unsigned|signed|double|float|struct|enum|PyObject|Py_ssize_t|size_t|\w+_t)\b/.test(line) && !/^\s*return\b/.test(line)) return true;
    if (/^\s*[A-Z][A-Z0-9_]*\s*(=\s*[^,]+)?,?\s*(\/[*/].*)?$/.test(line)) return true;
  }
  return false;
}
