/**
 * The other C and C++ sources in a module's folder, for a rule that must see a helper the init
 * calls but another file defines (ciso8601's `initialize_timezone_code` in timezone.c). Read only
 * when a rule asks, once per file, and only files a function of that name could be defined in.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface SiblingSource {
  path: string;
  text: string;
}

const SOURCE = /\.(c|cc|cpp|cxx)$/i;
/** Enough for a module's folder; a folder of thousands of sources is not one module's. */
const MAX_FILES = 200;
const MAX_BYTES = 4 << 20;

export function siblingSources(file: string): () => SiblingSource[] {
  let read: SiblingSource[] | undefined;
  return () => {
    if (read) return read;
    read = [];
    const dir = path.dirname(path.resolve(file));
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((n) => SOURCE.test(n) && path.join(dir, n) !== path.resolve(file)).sort().slice(0, MAX_FILES);
    } catch {
      return read;
    }
    for (const n of names) {
      try {
        const p = path.join(dir, n);
        if (fs.statSync(p).size <= MAX_BYTES) read.push({ path: p, text: fs.readFileSync(p, 'latin1') });
      } catch {
        // unreadable: as if absent
      }
    }
    return read;
  };
}
