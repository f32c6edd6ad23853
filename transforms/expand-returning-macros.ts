/**
 * A macro that returns NULL from the function it is used in, used in the init, when its `#define`
 * cannot simply be rewritten: one from a project header,
 *
 *     #define PyExtensionClass_Export(D,N,T) \
 *       if (! ExtensionClassImported || \
 *           PyExtensionClassCAPI->PyExtensionClass_Export_((D),(N),&(T)) < 0) return NULL;
 *
 * or one that returns only through other macros (`#define CHECK(x) RET_IF((x) == NULL, NULL)`, a
 * file-local `ADD_TYPE(...)` that uses it). In an exec function (which returns int) that `return
 * NULL` would be 0 with an exception set. Each such use inside the init is replaced by its
 * expansion, one level per round (the engine runs a preparation until it has nothing left to do),
 * and error-returns turns the `return NULL` it reveals into `return -1` like any other. Uses
 * elsewhere, in functions that do return a pointer, stay.
 *
 * Left alone: a file-local macro whose own body returns (error-returns rewrites its `#define`), one
 * whose expansion returns anything but NULL (the exec check refuses it by name), CPython's own.
 */
import { insert, replace, type Edit } from '../src/engine/edits';
import { expandUse } from '../src/c/macro-expansion';
import { fileMacros, type MacroDefinition } from '../src/c/macros';
import { initWorkFunction } from '../src/engine/module-init';
import { codeMatches, nonCodeRanges } from '../src/c/non-code';
import type { Preparation } from '../src/engine/transform';
import { expand, ExpansionError, type Expanded } from '../src/c/preprocessor/expand';
import { tokenize } from '../src/c/preprocessor/tokens';
import { invocationArgs } from '../src/c/macro-expansion';

const NULLISH = /^(NULL|0|nullptr|\(\s*PyObject\s*\*\s*\)\s*NULL)$/;

/** The values the expanded tokens return, with the macros each return came through. */
function returns(tokens: Expanded[]): { value: string; via: readonly string[] }[] {
  const out: { value: string; via: readonly string[] }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].kind !== 'ident' || tokens[i].text !== 'return') continue;
    const value: string[] = [];
    let depth = 0;
    for (let j = i + 1; j < tokens.length; j++) {
      const t = tokens[j].text;
      if (depth === 0 && (t === ';' || t === '}')) break;
      if (t === '(') depth++;
      if (t === ')') depth--;
      value.push(t);
    }
    out.push({ value: value.join(' ').replace(/^\(\s*(.*?)\s*\)$/, '$1').replace(/\(\s*PyObject\s*\*\s*\)\s*/, '(PyObject *)'), via: tokens[i].via });
  }
  return out;
}

/**
 * `m = PyModule_Create(&def); CHECK(m);`: the macro is the module's NULL check. Written as the
 * plain check, which goes with the create (remove-create), instead of an expansion left in exec.
 */
function moduleNullCheck(text: string, start: number, end: number, skip: ReturnType<typeof nonCodeRanges>): Edit | null {
  const args = invocationArgs(text, text.indexOf('(', start), skip)?.args;
  const variable = args?.length === 1 && /^\w+$/.test(args[0]) ? args[0] : null;
  if (!variable) return null;
  const before = text.slice(0, start).replace(/\s+$/, '');
  const create = new RegExp(`\\b${variable}\\s*=\\s*PyModule_Create2?\\s*\\([^;]*\\)\\s*;$`);
  if (!create.test(before)) return null;
  const semi = /^[ \t]*;/.exec(text.slice(end));
  return replace(start, end + (semi ? semi[0].length : 0), `if (${variable} == NULL) return NULL;`);
}

/** Its own body returns, and only NULL. */
function ownReturnsDirectly(d: MacroDefinition): boolean {
  const values = [...d.body.matchAll(/\breturn\b\s*([^;\\]*)/g)].map((m) => m[1].trim().replace(/^\((.*)\)$/, '$1').trim());
  return values.length > 0 && values.every((v) => NULLISH.test(v));
}

function headerDefinitions(headers: readonly { text: string }[], name: string): number {
  return headers.reduce((n, h) => n + fileMacros(h.text).filter((d) => d.name === name).length, 0);
}

/**
 * A header macro that returns NULL, used in the init (often hundreds of times: pygit2's
 * ADD_CONSTANT_INT): instead of expanding every use, the macro is redefined for the exec function
 * only, its `return NULL` as `return -1`, between `#pragma push_macro` and `pop_macro` (GCC,
 * Clang and MSVC), so that the header, and every other function of the file, keep their own.
 */
function redefinition(text: string, fn: { startIndex: number; endIndex: number }, macros: MacroDefinition[]): Edit[] {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lineStart = text.lastIndexOf('\n', fn.startIndex - 1) + 1;
  const before: string[] = [];
  const after: string[] = [];
  for (const d of macros) {
    const head = d.params === null ? d.name : `${d.name}(${d.params.join(', ')})`;
    const body = d.body.replace(/\breturn\s*(\(\s*)?(NULL|0|nullptr|\(\s*PyObject\s*\*\s*\)\s*(?:NULL|nullptr))(\s*\))?/g, 'return -1');
    before.push(
      `/* In exec this macro returns -1 where its header's returns NULL. */`,
      `#pragma push_macro("${d.name}")`,
      `#undef ${d.name}`,
      `#define ${head} ${body.replace(/^[ \t]+/, '')}`.replace(/\r?\n/g, eol),
    );
    after.push(`#pragma pop_macro("${d.name}")`);
  }
  return [insert(lineStart, before.join(eol) + eol + eol), insert(fn.endIndex, eol + after.join(eol))];
}

export const expandReturningMacros: Preparation = {
  meta: {
    id: 'expand-returning-macros',
    description: 'expand, inside the init, a macro that returns NULL through a header or through other macros, so that its failure can become return -1',
  },
  // Its edits replace whole macro uses, which tree-sitter often cannot read (`RET_IF(x, NULL, == NULL)`):
  // that is what the expansion repairs. The exec check and the output checks judge the result.
  worksOnText: true,
  apply({ text, root, headers, table }) {
    const fn = initWorkFunction(root, text, table);
    if (!fn) return [];
    const own = new Map(fileMacros(text).map((d) => [d.name, d] as const));
    const fromHeaders = new Map<string, MacroDefinition>();
    for (const h of headers) for (const d of fileMacros(h.text)) if (!fromHeaders.has(d.name)) fromHeaders.set(d.name, d);
    const skip = nonCodeRanges(text);
    const edits: Edit[] = [];
    const redefined = new Set<string>();
    for (const use of codeMatches(text, '\\b[A-Za-z_]\\w*\\b', skip, fn.startIndex, fn.endIndex)) {
      const name = use[0];
      const macro = table.first(name);
      if (!macro || macro.origin.file === '<cpython>') continue;
      const definition = own.get(name) ?? fromHeaders.get(name);
      if (!definition) continue;
      let end = use.index + name.length;
      let matched = name.length;
      if (macro.params !== null) {
        const open = /^\s*\(/.exec(text.slice(end));
        if (!open) continue;
        const call = invocationArgs(text, end + open[0].length - 1, skip);
        if (!call) continue;
        matched += open[0].length;
        end = call.end;
      }
      let found;
      try {
        found = returns(expand(tokenize(text, use.index, end), table));
      } catch (e) {
        if (e instanceof ExpansionError) continue;
        throw e;
      }
      if (found.length === 0 || !found.every((r) => NULLISH.test(r.value))) continue;
      // Every return comes from a `#define` of the file's own that returns directly: error-returns
      // rewrites those definitions instead.
      if (found.every((r) => own.has(r.via[r.via.length - 1]) && /\breturn\b/.test(own.get(r.via[r.via.length - 1])!.body))) continue;
      // A header's macro that itself returns NULL: redefined around exec (see redefinition).
      if (!own.has(name) && found.every((r) => r.via.length === 1) && ownReturnsDirectly(definition) && headerDefinitions(headers, name) === 1) {
        redefined.add(name);
        continue;
      }
      if (macro.params === null) continue;
      const nullCheck = moduleNullCheck(text, use.index, end, skip);
      edits.push(nullCheck ?? expandUse(text, use.index, matched, definition, skip));
    }
    if (redefined.size) edits.push(...redefinition(text, fn, [...redefined].map((n) => fromHeaders.get(n)!)));
    return edits;
  },
};
