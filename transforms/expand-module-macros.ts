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
 * Only macros the file defines one way for Python 3, whose body mentions `PyModule_Create` or
 * `PyModuleDef` and uses no `#` or `##`; a macro defined several ways is refused, naming it.
 */
import { Edit, replace } from '../src/edits';
import { fileMacros, MacroDefinition } from '../src/macros';
import { insideAny, nonCodeRanges } from '../src/non-code';
import { Refusal } from '../src/refusal';
import type { Preparation } from '../src/transform';
import { indentationAt, lineOf } from '../src/text';

const MODULE_MACRO_BODY = /\bPyModule_Create2?\s*\(|\bPyModuleDef\b(?!_)/;

/** The arguments of the invocation whose `(` is at `open`, and the index past its `)`. */
function invocationArgs(text: string, open: number, skip: ReturnType<typeof nonCodeRanges>): { args: string[]; end: number } | null {
  const args: string[] = [];
  let depth = 0;
  let from = open + 1;
  for (let i = open; i < text.length; i++) {
    if (insideAny(skip, i)) continue;
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        args.push(text.slice(from, i).trim());
        return { args: args.length === 1 && args[0] === '' ? [] : args, end: i + 1 };
      }
    } else if (c === ',' && depth === 1) {
      args.push(text.slice(from, i).trim());
      from = i + 1;
    }
  }
  return null;
}

const SINGLE_TOKEN = /^(\w+|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')$/;

/** The macro's body with parameters replaced, as lines without their continuation backslashes. */
function expansion(def: MacroDefinition, args: string[]): string[] {
  const params = def.params ?? [];
  const byName = new Map(params.map((p, i) => [p, args[i] ?? ''] as const));
  const pieces = def.body.split(/\\\r?\n/).map((l) => l.replace(/[ \t]+$/, ''));
  // `#define M(a) \` puts nothing on the define line: then every line is the body's own.
  const ownLines = pieces[0].trim() === '';
  const raw = pieces.filter((l) => l.trim() !== '');
  const indented = (ownLines ? raw : raw.slice(1)).filter((l) => l.trim());
  const common = indented.length ? Math.min(...indented.map((l) => /^[ \t]*/.exec(l)![0].length)) : 0;
  const lines = raw.map((l, i) => (i === 0 && !ownLines ? l.trim() : l.slice(common)));
  // One pass, so that an argument is never substituted again. `(name)` around an argument that is
  // one token reads better as the token itself.
  const substitute = (line: string) =>
    line.replace(/\(\s*(\w+)\s*\)|"(?:[^"\\]|\\.)*"|\b\w+\b/g, (tok, inParens?: string) => {
      if (inParens !== undefined) {
        if (!byName.has(inParens)) return tok;
        const arg = byName.get(inParens)!;
        return SINGLE_TOKEN.test(arg) ? arg : `(${arg})`;
      }
      return byName.has(tok) ? byName.get(tok)! : tok;
    });
  return lines.map(substitute);
}

export const expandModuleMacros: Preparation = {
  meta: {
    id: 'expand-module-macros',
    description: 'replace a use of the file\'s own macro that defines or creates the module by its Python 3 expansion',
  },
  worksOnText: true,
  apply({ text }) {
    const defs = fileMacros(text).filter((d) => d.params !== null && MODULE_MACRO_BODY.test(d.body) && !/PyModuleDef_Init/.test(d.body));
    if (defs.length === 0) return [];
    const skip = nonCodeRanges(text);
    const edits: Edit[] = [];
    for (const name of new Set(defs.map((d) => d.name))) {
      const uses = [...text.matchAll(new RegExp(`\\b${name}\\s*\\(`, 'g'))].filter((m) => !insideAny(skip, m.index!));
      if (uses.length === 0) continue;
      const ways = defs.filter((d) => d.name === name);
      const line = lineOf(text, uses[0].index!);
      if (ways.length > 1)
        throw new Refusal(`the macro ${name} (used at line ${line}) creates the module and is defined ${ways.length} ways for Python 3; expand it by hand`, line);
      const def = ways[0];
      if (/#/.test(def.body))
        throw new Refusal(`the macro ${name} (used at line ${line}) creates the module with # or ## in its body; expand it by hand`, line);
      for (const use of uses) {
        const open = use.index! + use[0].length - 1;
        const call = invocationArgs(text, open, skip);
        if (!call || call.args.length !== def.params!.length)
          throw new Refusal(`cannot read the arguments of ${name} at line ${lineOf(text, use.index!)}; expand it by hand`, lineOf(text, use.index!));
        const lines = expansion(def, call.args);
        let end = call.end;
        // `MOD_DEF(...);` where the body already ends with `;`: one semicolon, not two.
        const semi = /^[ \t]*;/.exec(text.slice(end));
        if (semi && lines[lines.length - 1].trimEnd().endsWith(';')) end += semi[0].length;
        const indent = indentationAt(text, use.index!);
        const eol = text.includes('\r\n') ? '\r\n' : '\n';
        edits.push(replace(use.index!, end, lines.map((l, i) => (i === 0 ? l : indent + l)).join(eol)));
      }
    }
    return edits;
  },
};
