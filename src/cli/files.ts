/** Which files a run looks at: the paths given, with directories walked for C and C++ sources. */
import fs from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';

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

/** Glob patterns relative to `base` (a config file's folder, or the current one for flags). */
export interface Globs {
  patterns: readonly string[];
  base: string;
}

export interface FileFilter {
  /** Files and folders a directory walk leaves out. */
  exclude?: Globs;
  /** When given, a directory walk takes the files matching one of these instead of the C/C++ extensions. */
  include?: Globs;
}

type Matcher = (abs: string) => boolean;

/**
 * A pattern without a slash matches a name at any depth (`vendor`, `*_gen.c`), as in .gitignore; one
 * with a slash matches the path from `base` (`third_party/**`). A trailing slash is dropped.
 */
function matcher(globs: Globs | undefined): Matcher | undefined {
  if (!globs || globs.patterns.length === 0) return undefined;
  const tests = globs.patterns.map((p) => {
    const pattern = p.replace(/\/+$/, '').replace(/^\.\//, '');
    return picomatch(pattern, { dot: true, basename: !pattern.includes('/') });
  });
  return (abs) => {
    const rel = path.relative(globs.base, abs);
    if (rel === '' || rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel)) return false;
    const posix = rel.split(path.sep).join('/');
    return tests.some((t) => t(posix));
  };
}

/** One folder's .gitignore, matched against paths relative to that folder. */
interface GitIgnore {
  base: string;
  rules: Ignore;
}

function readGitIgnore(dir: string): GitIgnore | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, '.gitignore'), 'utf8');
  } catch {
    return undefined;
  }
  return { base: dir, rules: ignore().add(text) };
}

/** Whether the .gitignore files in force (outermost first; a deeper one may re-include) ignore `full`. */
function gitIgnored(full: string, isDir: boolean, ignores: readonly GitIgnore[]): boolean {
  let ignored = false;
  for (const g of ignores) {
    const rel = path.relative(g.base, full).split(path.sep).join('/');
    if (!rel || rel.startsWith('..')) continue;
    const r = g.rules.test(isDir ? `${rel}/` : rel);
    if (r.ignored) ignored = true;
    else if (r.unignored) ignored = false;
  }
  return ignored;
}

/**
 * The .gitignore files above `dir` up to its repository's top (the folder holding .git), outermost
 * first; none outside a repository, where they are nobody's rules for this walk.
 */
function gitIgnoresAbove(dir: string): GitIgnore[] {
  const found: GitIgnore[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    if (d !== dir) {
      const g = readGitIgnore(d);
      if (g) found.unshift(g);
    }
    if (fs.existsSync(path.join(d, '.git'))) return found;
    if (path.dirname(d) === d) return [];
  }
}

function walk(dir: string, out: string[], exclude?: Matcher, include?: Matcher, ignores: readonly GitIgnore[] = []): void {
  const own = readGitIgnore(dir);
  const inForce = own ? [...ignores, own] : ignores;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (exclude?.(full)) continue;
    if (gitIgnored(full, entry.isDirectory(), inForce)) continue;
    const wanted = () => (include ? include(full) : SOURCE_EXTENSIONS.has(path.extname(entry.name).toLowerCase()));
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name) && !entry.name.endsWith('.egg-info')) walk(full, out, exclude, include, inForce);
    } else if (entry.isFile() && wanted()) {
      out.push(full);
    } else if (entry.isSymbolicLink() && wanted()) {
      // A symlinked source is converted through its link (write.ts), once: a link to a file the
      // walk also finds is the same file. Symlinked folders are not followed (they may loop).
      const target = fs.statSync(full, { throwIfNoEntry: false });
      if (target?.isFile()) out.push(full);
    }
  }
}

/**
 * Absolute paths of the files to convert, sorted and without duplicates. A file named explicitly is
 * taken whatever its extension, and whatever `exclude` and .gitignore say (as ruff does): the
 * filters apply to what directory walks find. A walk honours the .gitignore files of the folders it
 * walks and of those above it up to the repository's top. A missing path throws before anything is read.
 */
export function findFiles(paths: readonly string[], cwd: string, filter: FileFilter = {}): string[] {
  const found: string[] = [];
  const exclude = matcher(filter.exclude);
  const include = matcher(filter.include);
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      throw new MissingPathError(p);
    }
    if (st.isDirectory()) walk(abs, found, exclude, include, gitIgnoresAbove(abs));
    else found.push(abs);
  }
  // One file reached by two paths (a link and its target) is converted once, by its own path.
  const realOf = (f: string) => {
    try {
      return fs.realpathSync(f);
    } catch {
      return f;
    }
  };
  const chosen = new Map<string, string>();
  for (const f of [...new Set(found)].sort()) {
    const real = realOf(f);
    const had = chosen.get(real);
    if (had === undefined || (had !== real && f === real)) chosen.set(real, f);
  }
  return [...chosen.values()].sort();
}
