/**
 * The other C and C++ sources in a module's folder, for a rule that must see a helper the init
 * calls but another file defines (ciso8601's `initialize_timezone_code` in timezone.c).
 *
 * A folder is indexed once per thread (which names each file seems to define a function of) and
 * only the files that may define the name asked for are read again: a run over a folder of
 * thousands of sources reads each of them once for the index, not once per module in it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface SiblingSource {
  path: string;
  text: string;
}

const SOURCE = /\.(c|cc|cpp|cxx)$/i;
const MAX_BYTES = 4 << 20;
/** `name(...) {`: a function definition's name, give or take a keyword (`if (x) {`), which is never asked for. */
const DEFINITION = /\b([A-Za-z_]\w*)\s*\([^;{}()]*(?:\([^;{}()]*\)[^;{}()]*)*\)\s*(?:const\s*)?\{/g;
/** Folders indexed in this thread, newest last; a few are enough for a run that walks folder by folder. */
const indexes = new Map<string, Map<string, string[]>>();
const KEEP = 16;

function indexOf(dir: string): Map<string, string[]> {
  let index = indexes.get(dir);
  if (index) return index;
  index = new Map();
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).filter((n) => SOURCE.test(n)).sort();
  } catch {
    // an unreadable folder has no helpers to offer
  }
  for (const n of names) {
    const p = path.join(dir, n);
    try {
      // Regular files only: reading a FIFO among the sources would block the run.
      const st = fs.statSync(p);
      if (!st.isFile() || st.size > MAX_BYTES) continue;
      for (const m of fs.readFileSync(p, 'latin1').matchAll(DEFINITION)) {
        const paths = index.get(m[1]) ?? [];
        if (paths[paths.length - 1] !== p) paths.push(p);
        index.set(m[1], paths);
      }
    } catch {
      // unreadable: as if absent
    }
  }
  indexes.set(dir, index);
  if (indexes.size > KEEP) indexes.delete(indexes.keys().next().value!);
  return index;
}

export function forgetSiblingIndexes(): void {
  indexes.clear();
}

/** For `file`: the sources beside it that may define a function `name` (read when asked). */
export function siblingDefiners(file: string): (name: string) => SiblingSource[] {
  const self = path.resolve(file);
  const dir = path.dirname(self);
  return (name) =>
    (indexOf(dir).get(name) ?? [])
      .filter((p) => p !== self)
      .flatMap((p) => {
        try {
          return [{ path: p, text: fs.readFileSync(p, 'latin1') }];
        } catch {
          return [];
        }
      });
}
