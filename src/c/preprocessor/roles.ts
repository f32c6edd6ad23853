/**
 * The syntactic role a macro plays, read from its expansion (Coccinelle's idea: a parser that
 * knows a macro is "a block start" or "a statement" reads the code around it without the headers).
 * Only roles that tree-sitter cannot read from the macro's name alone are named; everything else
 * (calls, constants, types) reads fine as written and is `other`.
 */
import { expand, ExpansionError, type Expanded } from './expand';
import type { Macro, MacroTable } from './macro-table';
import { tokenize } from './tokens';

export type Role =
  /** Expands to nothing, or only to `_Pragma(...)`: `X_IGNORE_DEPRECATED_BEGIN`. */
  | 'empty'
  /** Opens more braces than it closes: `Py_BEGIN_ALLOW_THREADS`. */
  | 'block-open'
  /** Closes more braces than it opens: `Py_END_ALLOW_THREADS`. */
  | 'block-close'
  /** A complete statement (ending with `;`, or `if`/`do`... ending with `}`): used without a semicolon after it. */
  | 'statement'
  /**
   * Declarations only (`PyObject_HEAD` is `PyObject ob_base;`): a statement that may also stand
   * where a statement may not, among a struct's fields.
   */
  | 'declaration'
  /** `if (...)` with no body: `UNLESS(x) return NULL;`. */
  | 'if-head'
  /** Only string literals: `STR(MAJOR)` in `STR(MAJOR) "." STR(MINOR)`. */
  | 'string'
  /**
   * A braced initializer element with its own comma after it: `PyVarObject_HEAD_INIT(NULL, 0)` is
   * `{ { 1, NULL }, 0 },`, so the type's name follows it with no comma of the user's.
   */
  | 'element'
  /** Only `__attribute__((...))` or `__declspec(...)`: `MOD_VISIBILITY` before a function's header. */
  | 'attribute'
  | 'other';

/** The macro's expansion with its parameters left as their own names, and the definitions it looked up. */
function sampleExpansion(macro: Macro, table: MacroTable): { tokens: Expanded[] | null; used: Map<string, Macro | undefined> } {
  const params = [...(macro.params ?? []), ...(macro.variadic ? ['__va'] : [])];
  const use = macro.params === null ? macro.name : `${macro.name}(${params.join(', ')})`;
  const used = new Map<string, Macro | undefined>();
  const lookUp = (n: string) => {
    const m = n === macro.name ? macro : table.first(n);
    used.set(n, m);
    return m;
  };
  try {
    return { tokens: expand(tokenize(use), table, lookUp), used };
  } catch (e) {
    if (e instanceof ExpansionError) return { tokens: null, used };
    throw e;
  }
}

/**
 * Roles of CPython's built-in macros, shared by every file's table: a role holds for another table
 * when each name its expansion looked up means the same there (a file may redefine one).
 */
const builtinRoles = new WeakMap<Macro, { role: Role; used: Map<string, Macro | undefined> }>();

function roleOfOne(macro: Macro, table: MacroTable): Role {
  const builtin = macro.origin.file === '<cpython>';
  const known = builtin ? builtinRoles.get(macro) : undefined;
  if (known && [...known.used].every(([n, m]) => (n === macro.name ? macro : table.first(n)) === m)) return known.role;
  const { tokens, used } = sampleExpansion(macro, table);
  const role = roleOfExpansion(tokens);
  if (builtin) builtinRoles.set(macro, { role, used });
  return role;
}

/** Drops `_Pragma("...")` and `__pragma(...)`: they are not tokens the parser sees. */
function withoutPragmas(tokens: Expanded[]): Expanded[] {
  const out: Expanded[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if ((tokens[i].text === '_Pragma' || tokens[i].text === '__pragma') && tokens[i + 1]?.text === '(') {
      let depth = 0;
      let j = i + 1;
      for (; j < tokens.length; j++) {
        if (tokens[j].text === '(') depth++;
        else if (tokens[j].text === ')' && --depth === 0) break;
      }
      i = j;
      continue;
    }
    out.push(tokens[i]);
  }
  return out;
}

/** `__attribute__((...))` and `__declspec(...)` groups, nothing else. */
function onlyAttributes(tokens: Expanded[]): boolean {
  let i = 0;
  while (i < tokens.length) {
    if (!/^(__attribute__|__attribute|__declspec)$/.test(tokens[i].text) || tokens[i + 1]?.text !== '(') return false;
    let depth = 0;
    let j = i + 1;
    for (; j < tokens.length; j++) {
      if (tokens[j].text === '(') depth++;
      else if (tokens[j].text === ')' && --depth === 0) break;
    }
    if (j >= tokens.length) return false;
    i = j + 1;
  }
  return true;
}

/** Where the brace that opens the tokens closes, or -1. */
function closingBrace(tokens: Expanded[]): number {
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].text === '{') depth++;
    else if (tokens[i].text === '}' && --depth === 0) return i;
  }
  return -1;
}

const STATEMENT_KEYWORDS = new Set(['return', 'goto', 'break', 'continue', 'if', 'else', 'while', 'for', 'do', 'switch', 'case', 'default', 'sizeof']);

/** `TYPE name;` groups and nothing else: identifiers, `*`, `,` and `;`, two words at least per group. */
function onlyDeclarations(tokens: Expanded[]): boolean {
  let words = 0;
  for (const t of tokens) {
    if (t.text === ';') {
      if (words < 2) return false;
      words = 0;
    } else if (t.kind === 'ident' && !STATEMENT_KEYWORDS.has(t.text)) words++;
    else if (t.text !== '*' && t.text !== ',') return false;
  }
  return true;
}

function roleOfExpansion(expansion: Expanded[] | null): Role {
  if (!expansion) return 'other';
  const tokens = withoutPragmas(expansion);
  if (tokens.length === 0) return 'empty';
  if (onlyAttributes(tokens)) return 'attribute';
  const opens = tokens.filter((t) => t.text === '{').length;
  const closes = tokens.filter((t) => t.text === '}').length;
  if (opens > closes) return 'block-open';
  if (closes > opens) return 'block-close';
  if (tokens.every((t) => t.kind === 'string')) return 'string';
  if (tokens[0].text === '{' && tokens.length >= 3 && tokens[tokens.length - 1].text === ',' && closingBrace(tokens) === tokens.length - 2) return 'element';
  if (tokens[0].text === 'if' && tokens[1]?.text === '(') {
    let depth = 0;
    let end = -1;
    for (let i = 1; i < tokens.length; i++) {
      if (tokens[i].text === '(') depth++;
      else if (tokens[i].text === ')' && --depth === 0) {
        end = i;
        break;
      }
    }
    if (end === tokens.length - 1) return 'if-head';
  }
  // A complete statement: ends with its own `;`, or is a compound statement that starts with a
  // keyword, or a block with statements in it. A bare `{ ... }` without `;` may as well be an
  // initializer (PyModuleDef_HEAD_INIT).
  const last = tokens[tokens.length - 1].text;
  const compound = last === '}' && (/^(if|for|while|switch|do)$/.test(tokens[0].text) || (tokens[0].text === '{' && tokens.some((t) => t.text === ';')));
  if (last === ';' && onlyDeclarations(tokens)) return 'declaration';
  if (last === ';' || compound) return 'statement';
  return 'other';
}

const cache = new WeakMap<MacroTable, Map<string, Role>>();

/** The role every definition Python 3 may see agrees on; `other` when they disagree. */
export function roleOf(name: string, table: MacroTable): Role {
  let known = cache.get(table);
  if (!known) cache.set(table, (known = new Map()));
  let role = known.get(name);
  if (role === undefined) {
    // Defined as an attribute for GCC and as nothing elsewhere: both read as an attribute.
    const roles = new Set(table.definitions(name).map((m) => roleOfOne(m, table)).map((r) => (r === 'empty' ? 'attribute' : r)));
    role = roles.size === 1 ? [...roles][0] : 'other';
    if (role === 'attribute' && table.definitions(name).every((m) => roleOfOne(m, table) === 'empty')) role = 'empty';
    known.set(name, role);
  }
  return role;
}
