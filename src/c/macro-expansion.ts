/**
 * Replacing one use of a function-like macro by its expansion, written as code: the macro's own
 * lines without their continuation backslashes, re-indented where the use stands, parameters
 * substituted in one pass. Used for macros that hide the module's creation (expand-module-macros)
 * and macros that return NULL inside the init through a header or other macros (expand-returning-macros).
 */
import { Edit, replace } from '../engine/edits';
import type { MacroDefinition } from './macros';
import { insideAny, nonCodeRanges } from './non-code';
import { Refusal } from '../engine/refusal';
import { indentationAt, lineOf } from './text';

/** The arguments of the invocation whose `(` is at `open`, and the index past its `)`. */
export function invocationArgs(text: string, open: number, skip: ReturnType<typeof nonCodeRanges>): { args: string[]; end: number } | null {
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
export function expansion(def: MacroDefinition, args: string[]): string[] {
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

/**
 * The edit that replaces the use of `def` at `at` (`matched` characters up to and including its
 * `(`) by the expansion; a `;` after the use goes when the expansion already ends with one.
 */
export function expandUse(text: string, at: number, matched: number, def: MacroDefinition, skip = nonCodeRanges(text)): Edit {
  const line = lineOf(text, at);
  if (/#/.test(def.body)) throw new Refusal(`the macro ${def.name} (used at line ${line}) has # or ## in its body; expand it by hand`, line);
  const call = invocationArgs(text, at + matched - 1, skip);
  if (!call || call.args.length !== (def.params ?? []).length)
    throw new Refusal(`cannot read the arguments of ${def.name} at line ${line}; expand it by hand`, line);
  const lines = expansion(def, call.args);
  let end = call.end;
  const semi = /^[ \t]*;/.exec(text.slice(end));
  if (semi && lines[lines.length - 1].trimEnd().endsWith(';')) end += semi[0].length;
  const indent = indentationAt(text, at);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return replace(at, end, lines.map((l, i) => (i === 0 ? l : indent + l)).join(eol));
}
