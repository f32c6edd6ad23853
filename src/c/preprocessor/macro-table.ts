/**
 * The macro table of one file: its own `#define`s, those of the project headers it includes with
 * quotes (read by the runner, handed in as text), and a small built-in table of CPython's own
 * statement and block macros (builtin-macros.ts), so that they are understood without Python's
 * headers. A name may have several definitions (one per `#if` branch): all are kept, in order, and
 * each says whether only Python 2 sees it. `#undef` is not followed: a name defined anywhere counts.
 */
import { py2OnlyRanges } from '../macros';
import { lineOf } from '../text';
import { BUILTIN_DEFINES } from './builtin-macros';
import { tokenize, type Token } from './tokens';

export interface Macro {
  name: string;
  /** Parameter names of a function-like macro (without `...`), null for an object-like one. */
  params: string[] | null;
  variadic: boolean;
  /** The name the body uses for the variable arguments: `__VA_ARGS__`, or GNU's `args` of `args...`. */
  variadicName: string;
  body: Token[];
  /** Where it is defined: `null` file for the converted file itself, `<cpython>` for the built-in table. */
  origin: { file: string | null; line: number };
  /** Defined only on the Python 2 side of a version conditional. */
  py2Only: boolean;
}

/** A header the file includes with quotes, as read by the runner. */
export interface HeaderText {
  /** As the `#include` wrote it. */
  name: string;
  text: string;
}

const DEFINE = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\([^)]*\))?/gm;

/** The `#define`s of one text. */
export function readDefines(text: string, file: string | null): Macro[] {
  const py2 = py2OnlyRanges(text);
  const out: Macro[] = [];
  for (const m of text.matchAll(DEFINE)) {
    const start = m.index!;
    const bodyStart = start + m[0].length;
    let end = bodyStart;
    for (;;) {
      const nl = text.indexOf('\n', end);
      end = nl === -1 ? text.length : nl;
      if (!/\\\r?$/.test(text.slice(bodyStart, end))) break;
      end++;
    }
    const rawParams = m[2] ? m[2].slice(1, -1).split(',').map((p) => p.trim()).filter(Boolean) : null;
    const variadic = !!rawParams && rawParams.length > 0 && rawParams[rawParams.length - 1].endsWith('...');
    const gnuName = variadic ? rawParams![rawParams!.length - 1].replace(/\.\.\.$/, '').trim() : '';
    const params = rawParams && (variadic ? rawParams.slice(0, -1) : rawParams);
    out.push({
      name: m[1],
      params,
      variadic,
      variadicName: gnuName || '__VA_ARGS__',
      body: tokenize(text, bodyStart, end),
      origin: { file, line: lineOf(text, start) },
      py2Only: py2.some((r) => r.start <= start && start < r.end),
    });
  }
  return out;
}

export class MacroTable {
  private readonly byName = new Map<string, Macro[]>();

  constructor(macros: Iterable<Macro>) {
    for (const m of macros) {
      const list = this.byName.get(m.name);
      if (list) list.push(m);
      else this.byName.set(m.name, [m]);
    }
  }

  /** Every definition Python 3 may see, the file's own first. */
  definitions(name: string): Macro[] {
    return (this.byName.get(name) ?? []).filter((m) => !m.py2Only);
  }

  has(name: string): boolean {
    return this.definitions(name).length > 0;
  }

  /** The definition an expansion uses: the first Python 3 may see. */
  first(name: string): Macro | undefined {
    return this.definitions(name)[0];
  }

  names(): string[] {
    return [...this.byName.keys()].filter((n) => this.has(n));
  }
}

let builtins: Macro[] | null = null;

/** CPython's macros as written in builtin-macros.ts (read once). */
export function builtinMacros(): Macro[] {
  builtins ??= readDefines(BUILTIN_DEFINES, '<cpython>');
  return builtins;
}

/** The file's own definitions, then its headers', then CPython's built-in ones. */
export function macroTable(text: string, headers: readonly HeaderText[] = []): MacroTable {
  return new MacroTable([...readDefines(text, null), ...headers.flatMap((h) => readDefines(h.text, h.name)), ...builtinMacros()]);
}
