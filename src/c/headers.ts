/**
 * The project headers a source includes with quotes (`#include "foo.h"`), read beside the file: the
 * engine cannot see a macro defined there, and one that returns NULL (`#define EXPORT(...) if (...)
 * return NULL;`) would silently survive into an int exec function. Only what is needed to refuse
 * such a macro is kept: its name, where it is, and whether its body returns.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileMacros, MacroDefinition } from './macros';
import type { HeaderText } from './preprocessor/macro-table';

export interface HeaderMacro {
  name: string;
  /** The header, as the #include wrote it. */
  header: string;
  definition: MacroDefinition;
}

const MAX_DEPTH = 3;

/** The project headers `file` includes with quotes (and theirs, a few levels deep), as text. */
export function projectHeaders(file: string, text: string, includeDirs: readonly string[] = []): HeaderText[] {
  const out: HeaderText[] = [];
  const seen = new Set<string>();
  const visit = (from: string, source: string, depth: number) => {
    if (depth > MAX_DEPTH) return;
    for (const m of source.matchAll(/^[ \t]*#[ \t]*include[ \t]*"([^"]+)"/gm)) {
      // Beside the including file, then up its parents (projects often build with -Isrc), then -I.
      const parents: string[] = [];
      for (let d = path.dirname(from), i = 0; i < 4 && path.dirname(d) !== d; i++, d = path.dirname(d)) parents.push(d);
      parents.push(path.dirname(file));
      const candidates = [...parents, ...includeDirs].map((d) => path.resolve(d, m[1]));
      const found = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
      if (!found || seen.has(found)) continue;
      seen.add(found);
      let header: string;
      try {
        header = fs.readFileSync(found, 'latin1');
      } catch {
        continue;
      }
      out.push({ name: m[1], text: header });
      visit(found, header, depth + 1);
    }
  };
  visit(file, text, 0);
  return out;
}

/** Returning macros of the given headers. */
export function returningHeaderMacros(headers: readonly HeaderText[]): HeaderMacro[] {
  const out: HeaderMacro[] = [];
  for (const h of headers) for (const d of fileMacros(h.text)) if (/\breturn\b/.test(d.body)) out.push({ name: d.name, header: h.name, definition: d });
  return out;
}
