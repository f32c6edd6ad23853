/**
 * A setuptools project's extension modules: `ext_modules` as its setup.py passes them to setup()
 * (run in the sandbox with setup() captured; see probes/capture_setup.py), and
 * `[[tool.setuptools.ext-modules]]` in pyproject.toml. Each Extension's sources, include_dirs,
 * define_macros, undef_macros, libraries, library_dirs, extra_compile_args, extra_link_args,
 * py_limited_api and language become a ModuleBuild with absolute paths.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { entryDir, hashFile, hashOf, readJson, writeJsonAtomic } from '../verify/cache';
import { interpreterPrefixes, runSandboxed } from '../verify/sandbox';
import type { Interpreter } from '../verify/types';
import type { ModuleBuild } from './module-build';

const CAPTURE = path.join(__dirname, 'probes', 'capture_setup.py');
const MARK = '@@pep489-codemod-setup@@';

/** An Extension as capture_setup.py (or pyproject.toml) describes it. */
interface ExtensionSpec {
  name: string;
  sources: string[];
  include_dirs?: string[];
  define_macros?: [string, string | null][];
  undef_macros?: string[];
  libraries?: string[];
  library_dirs?: string[];
  extra_objects?: string[];
  extra_compile_args?: string[];
  extra_link_args?: string[];
  py_limited_api?: boolean;
  language?: string | null;
  /** setup()'s package_dir folders, where the project's Python modules live. */
  python_dirs?: string[];
}

export interface SetuptoolsReading {
  modules: ModuleBuild[];
  /** Why setup.py could not be read (it raised, or setup() was never called). */
  problem?: string;
}

function toBuild(ext: ExtensionSpec, root: string, file: string): ModuleBuild {
  const abs = (p: string) => path.resolve(root, p);
  const defines = (ext.define_macros ?? []).map(([k, v]) => (v === null || v === undefined ? k : `${k}=${v}`));
  // Flags only: gmpy2 lists `DSHARED=1` and has its own build_ext add the `-` when it builds.
  // Warnings and optimisation are the verifier's own (its strict errors, -O0): said, not used.
  const ownFlag = (a: string) => /^-(O\d*|Os|g\d?|W.*)$/.test(a);
  const compileArgs = (ext.extra_compile_args ?? []).filter((a) => a.startsWith('-') && !ownFlag(a));
  const dropped = (ext.extra_compile_args ?? []).filter(ownFlag);
  return {
    name: ext.name,
    sources: ext.sources.map(abs),
    includeDirs: (ext.include_dirs ?? []).map(abs),
    defines,
    undefines: ext.undef_macros ?? [],
    compileArgs,
    link: [
      ...(ext.library_dirs ?? []).map((d) => `-L${abs(d)}`),
      ...(ext.extra_objects ?? []).map(abs),
      ...(ext.libraries ?? []).map((l) => `-l${l}`),
      ...(ext.extra_link_args ?? []),
    ],
    limitedApi: !!ext.py_limited_api || defines.some((d) => /^Py_LIMITED_API(=|$)/.test(d)),
    from: path.basename(file) === 'pyproject.toml' ? 'pyproject.toml' : 'setup.py',
    file,
    ...(dropped.length && { note: `its ${dropped.join(' ')} left out: the verifier sets its own warnings and optimisation` }),
    ...(ext.python_dirs?.length && { pythonPath: ext.python_dirs.map(abs) }),
  };
}

/** `[[tool.setuptools.ext-modules]]` (setuptools >= 69): no code to run. */
export function pyprojectExtensions(root: string): ModuleBuild[] {
  const file = path.join(root, 'pyproject.toml');
  let data: Record<string, unknown>;
  try {
    data = parseToml(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return [];
  }
  const table = ((data.tool as Record<string, unknown> | undefined)?.setuptools as Record<string, unknown> | undefined)?.['ext-modules'];
  if (!Array.isArray(table)) return [];
  return table
    .filter((t): t is Record<string, unknown> => typeof t === 'object' && t !== null && typeof t.name === 'string' && Array.isArray(t.sources))
    .map((t) => {
      const spec: ExtensionSpec = { name: t.name as string, sources: t.sources as string[] };
      for (const [key, value] of Object.entries(t)) (spec as unknown as Record<string, unknown>)[key.replace(/-/g, '_')] = value;
      return toBuild(spec, root, file);
    });
}

/** The inputs a setup.py's reading depends on: it is read again when one of them changes. */
function readingKey(root: string, python: Interpreter): string {
  const inputs = ['setup.py', 'setup.cfg', 'pyproject.toml'].map((f) => hashFile(path.join(root, f)) ?? '-');
  // What else setup.py reads is unknown (rapidjson's version.txt, a submodule's folder): the
  // project folder's own entries, by size and time, stand for it; a change there reads it again.
  let listing = '';
  try {
    listing = fs
      .readdirSync(root, { withFileTypes: true })
      .filter((e) => !e.name.startsWith('.') && e.name !== 'build' && e.name !== 'dist')
      .map((e) => {
        const st = fs.statSync(path.join(root, e.name), { throwIfNoEntry: false });
        return `${e.name}:${st?.size ?? '-'}:${st?.mtimeMs ?? '-'}`;
      })
      .sort()
      .join('|');
  } catch {
    listing = '?';
  }
  return hashOf('setup-v2', root, python.realExe, python.version, hashFile(CAPTURE) ?? '', listing, ...inputs);
}

/**
 * Runs setup.py with setup() captured, in the sandbox, with `python`; remembered in the cache by
 * the project's setup files. Never throws for the project's sake: a setup.py that raises gives a
 * problem to say.
 */
export async function setupPyExtensions(root: string, python: Interpreter, opts: { sandbox: boolean; cache: boolean }): Promise<SetuptoolsReading> {
  const file = path.join(root, 'setup.py');
  const key = readingKey(root, python);
  const cached = opts.cache
    ? readJson<{ extensions: ExtensionSpec[]; problem?: string; notes?: string[]; generated?: string[] }>(path.join(entryDir('setup', key), 'reading.json'))
    : undefined;
  // Files setup.py writes before setup() (a config header): kept beside the reading, found by the build.
  const generatedRoot = path.join(entryDir('setup', key), 'generated');
  let reading = cached;
  if (!reading) {
    const result = await runSandboxed(
      (at) => ({ argv: [python.exe, '-s', '-B', path.join(at.mount('capture'), path.basename(CAPTURE)), at.mount('project')] }),
      { sandbox: opts.sandbox, timeoutMs: 60000, mounts: { capture: path.dirname(CAPTURE), project: root }, keepVisible: interpreterPrefixes(python) },
    );
    const line = result.stdout.split('\n').find((l) => l.startsWith(MARK));
    if (!line) {
      const why = result.timedOut ? 'it ran for more than 60 s' : (result.stderr.trim().split('\n').pop() ?? `exit code ${result.exitCode}`);
      return { modules: [], problem: `setup.py could not be read: ${why}` };
    }
    const out = JSON.parse(line.slice(MARK.length)) as {
      root: string;
      extensions: ExtensionSpec[];
      called: number;
      error: string | null;
      notes?: string[];
      generated?: { path: string; data: string }[];
    };
    for (const g of out.generated ?? []) {
      const target = path.join(generatedRoot, g.path);
      if (!target.startsWith(generatedRoot + path.sep)) continue;
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, Buffer.from(g.data, 'base64'));
    }
    // Paths setup.py made absolute point into the sandbox's view of the project: map them back.
    const back = (p: string) => (p.startsWith(out.root + '/') || p === out.root ? root + p.slice(out.root.length) : p);
    const extensions = out.extensions.map((e) => ({
      ...e,
      sources: e.sources.map(back),
      include_dirs: e.include_dirs?.map(back),
      library_dirs: e.library_dirs?.map(back),
      extra_objects: e.extra_objects?.map(back),
    }));
    const problem =
      out.error && extensions.length === 0 ? `setup.py raised ${out.error.replace(/[.\s]+$/, '')} (before calling setup())` : out.called === 0 ? 'setup.py never called setup()' : undefined;
    const generated = (out.generated ?? []).map((g) => g.path);
    reading = { extensions, ...(problem && { problem }), ...(out.notes?.length && { notes: out.notes }), ...(generated.length && { generated }) };
    // A failed reading is not kept: what made it fail (a missing submodule, a package not installed)
    // may change without setup.py changing.
    if (opts.cache && !problem) writeJsonAtomic(path.join(entryDir('setup', key), 'reading.json'), reading);
  }
  const notes = reading.notes ?? [];
  const generated = (reading.generated ?? []).filter((g) => fs.existsSync(path.join(generatedRoot, g)));
  return {
    modules: reading.extensions.map((e) => {
      const b = toBuild(e, root, file);
      const note = [b.note, notes.length ? `setup.py: ${notes.join('; ')}` : undefined].filter(Boolean).join('; ');
      return withGenerated({ ...b, ...(note && { note }) }, root, generatedRoot, generated);
    }),
    ...(reading.problem && { problem: reading.problem }),
  };
}

/**
 * A build that sees what setup.py wrote before setup(): the generated copies' folders join the
 * include folders (after the project's own), and a listed source that exists only as written by
 * setup.py is compiled from its copy.
 */
function withGenerated(b: ModuleBuild, root: string, generatedRoot: string, generated: readonly string[]): ModuleBuild {
  if (generated.length === 0) return b;
  const dirs = [...new Set([generatedRoot, ...generated.map((g) => path.join(generatedRoot, path.dirname(g)))])];
  const sources = b.sources.map((s) => {
    const rel = path.relative(root, s);
    return !fs.existsSync(s) && generated.includes(rel) ? path.join(generatedRoot, rel) : s;
  });
  const said = `setup.py writes ${generated.map((g) => g).join(', ')}`;
  return { ...b, sources, includeDirs: [...b.includeDirs, ...dirs], note: b.note ? `${b.note}; ${said}` : said };
}
