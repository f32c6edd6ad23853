/** Which files a run looks at: the paths given, with directories walked for C and C++ sources. */
import fs from 'node:fs';
import path from 'node:path';

export const SOURCE_EXTENSIONS = new Set(['.c', '.cc', '.cpp', '.cxx']);

/** Folders that hold no sources of the user's own: VCS data, dependencies, build output. */
const SKIPPED_DIRS = new Set([
  '.git', '.hg', '.svn', 'node_modules', 'build', 'dist', '_build', '.eggs', 'wheelhouse', '.tox', '.nox',
  '.venv', 'venv', '__pycache__', '.mypy_cache', '.pytest_cache', 'site-packages',
]);

export class MissingPathError extends Error {
  constructor(readonly path: string) {
    super(`${path}: no such file or directory`);
  }
}

function walk(dir: string, out: string[]): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name) && !entry.name.endsWith('.egg-info')) walk(full, out);
    } else if (entry.isFile() && SOURCE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) {
      out.push(full);
    }
  }
}

/**
 * Absolute paths of the files to convert, sorted and without duplicates. A file named explicitly is
 * taken whatever its extension; a missing path throws before anything is read.
 */
export function findFiles(paths: readonly string[], cwd: string): string[] {
  const found: string[] = [];
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      throw new MissingPathError(p);
    }
    if (st.isDirectory()) walk(abs, found);
    else found.push(abs);
  }
  return [...new Set(found)].sort();
}
