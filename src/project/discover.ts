/**
 * Finding how a project builds a module, in this order, and saying which was used:
 *  1. the config and the command line (-I, -D, --source, --link) always apply, on top;
 *  2. a compile_commands.json (given, or the nearest one): CMake, Meson (meson-python), Bear;
 *  3. setuptools: `[[tool.setuptools.ext-modules]]` in pyproject.toml, then setup.py run with
 *     setup() captured.
 * A project built by meson-python or scikit-build without a compile_commands.json gets the command
 * that writes one.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Interpreter } from '../verify/types';
import { findCompileCommands, moduleFromDatabase, modulesFromDatabase } from './compile-db';
import type { ModuleBuild } from './module-build';
import { pyprojectExtensions, setupPyExtensions } from './setuptools';

export interface DiscoveryOptions {
  /** Interpreters that may run a setup.py: the newest with setuptools is preferred. */
  pythons: readonly Interpreter[];
  sandbox: boolean;
  cache: boolean;
  /** --compile-commands: this database instead of the nearest one. */
  compileCommands?: string;
}

export interface Found {
  build?: ModuleBuild;
  /** Why nothing was found where a build was expected (setup.py raised; meson without a database). */
  problem?: string;
  /**
   * The project's build was read and does not build this file here (psutil's _psutil_osx.c on
   * Linux): said instead of failing a build that was never meant to happen on this platform.
   */
  notBuilt?: string;
}

/** The folder of the nearest setup.py or pyproject.toml above `file`, not above the repository root. */
export function projectRoot(file: string): string | undefined {
  let dir = fs.statSync(file, { throwIfNoEntry: false })?.isDirectory() ? path.resolve(file) : path.dirname(path.resolve(file));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'setup.py')) || fs.existsSync(path.join(dir, 'pyproject.toml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir || fs.existsSync(path.join(dir, '.git'))) return undefined;
    dir = parent;
  }
}

/** meson-python or scikit-build in pyproject.toml's build backend, or scikit-build's setup() in setup.py (python-blosc). */
function compiledBackend(root: string): keyof typeof HOW_TO_WRITE_DATABASE | undefined {
  const read = (file: string) => {
    try {
      return fs.readFileSync(path.join(root, file), 'utf8');
    } catch {
      return '';
    }
  };
  const pyproject = read('pyproject.toml');
  if (/build-backend\s*=\s*["']mesonpy["']/.test(pyproject)) return 'meson-python';
  if (/build-backend\s*=\s*["']scikit_build_core[.\w]*["']/.test(pyproject)) return 'scikit-build';
  if (/^\s*(from\s+skbuild\s+import|import\s+skbuild)\b/m.test(read('setup.py'))) return 'scikit-build (setup.py)';
  return undefined;
}

const HOW_TO_WRITE_DATABASE = {
  'meson-python': 'meson setup build (it writes build/compile_commands.json), then run again',
  'scikit-build': 'cmake -S . -B build -DCMAKE_EXPORT_COMPILE_COMMANDS=ON, then run again',
  'scikit-build (setup.py)':
    'python setup.py build_ext -- -DCMAKE_EXPORT_COMPILE_COMMANDS=ON, then run again with --compile-commands _skbuild/<platform>/cmake-build/compile_commands.json (or give the build with -I, -D, --source and --link)',
};

/**
 * The interpreters setup.py may be read with: those chosen with --python, and every other one
 * found. A project's build does not depend on which CPythons a run verifies with: convert, verify
 * and bulk-pr must read it with the same interpreter (sgp4's setup.py defines Py_LIMITED_API as the
 * version running it, so reading it with 3.13 hid the 3.11 limited API its 3.11 wheels build for).
 */
export async function setupReaders(explicit: readonly string[] | undefined, cache: boolean | undefined): Promise<Interpreter[]> {
  const { discoverPythons } = await import('../verify/pythons');
  const every = (await discoverPythons({ cache })).found;
  if (!explicit?.length) return every;
  return [...(await discoverPythons({ explicit: [...explicit], cache })).found, ...every];
}

/** The interpreter to read setup.py with: the newest that still ships setuptools (3.11), else the newest. */
function setupPython(pythons: readonly Interpreter[]): Interpreter | undefined {
  const plain = pythons.filter((p) => !p.freeThreaded && !p.debug);
  const pool = plain.length ? plain : [...pythons];
  const withSetuptools = pool.filter((p) => p.major === 3 && p.minor <= 11);
  return (withSetuptools.length ? withSetuptools : pool)[(withSetuptools.length ? withSetuptools : pool).length - 1];
}

/**
 * The project's folder of the top-level package `build.name` belongs to (`wordy` of
 * `wordy._count`): the nearest folder of that name with an `__init__.py` above the module's source,
 * else `<root>/wordy`, `<root>/src/wordy` or `<root>/lib/wordy`.
 */
export function packageDirOf(build: ModuleBuild, root: string | undefined): string | undefined {
  const top = build.name?.includes('.') ? build.name.split('.')[0] : undefined;
  if (!top) return undefined;
  const isPackage = (dir: string) => path.basename(dir) === top && fs.existsSync(path.join(dir, '__init__.py'));
  for (let dir = path.dirname(build.sources[0]); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (isPackage(dir)) return dir;
    if (root && dir === root) break;
  }
  return root ? ['', 'src', 'lib'].map((d) => path.join(root, d, top)).find(isPackage) : undefined;
}

export class ProjectBuilds {
  private readonly readings = new Map<string, Promise<{ modules: ModuleBuild[]; problem?: string }>>();

  constructor(private readonly opts: DiscoveryOptions) {}

  /** How the project builds the module whose init is in `source` (`moduleName` picks among extensions sharing it). */
  async forSource(source: string, moduleName?: string): Promise<Found> {
    const file = path.resolve(source);
    const database = this.opts.compileCommands ? path.resolve(this.opts.compileCommands) : findCompileCommands(file);
    if (database) {
      const build = moduleFromDatabase(database, file);
      if (build) return { build };
    }
    // A database that does not list the file (a moved checkout, a stale build folder) is said.
    const unlisted = database ? `${path.basename(path.dirname(database))}/${path.basename(database)} does not list ${path.basename(file)} (a moved checkout or a stale build folder? build again to write it anew)` : undefined;
    const root = projectRoot(file);
    if (!root) return unlisted ? { problem: unlisted } : {};
    const { modules, problem } = await this.modulesOf(root);
    const holding = modules.filter((m) => m.sources.includes(file));
    const build = holding.find((m) => moduleName && m.name?.split('.').pop() === moduleName) ?? holding[0];
    if (build) return { build };
    const backend = compiledBackend(root);
    if (backend) return { problem: unlisted ?? `${backend} builds this project and there is no compile_commands.json to read its flags from: ${HOW_TO_WRITE_DATABASE[backend]}` };
    if (!problem && modules.length > 0) {
      const names = modules.map((m) => m.name ?? path.basename(m.sources[0])).join(', ');
      return { notBuilt: `${path.basename(modules[0].file)} does not build it on this platform (it builds ${names})` };
    }
    return problem ? { problem } : unlisted ? { problem: unlisted } : {};
  }

  /**
   * The project's other extension modules, as it builds them: a module's init may import one of
   * them, in its own package or another of the project's (ExtensionClass's ComputedAttribute
   * imports ExtensionClass).
   */
  async siblingsOf(build: ModuleBuild): Promise<ModuleBuild[]> {
    // Meson's install plan names the modules it builds (cairo._cairo): a test module it builds
    // beside them (pycairo's cmod imports cairo) needs them too.
    if (build.from === 'compile_commands.json') return modulesFromDatabase(build.file).filter((m) => m.name && m.name !== build.name);
    const root = projectRoot(build.sources[0]);
    if (!build.name || !root) return [];
    const { modules } = await this.modulesOf(root);
    return modules.filter((m) => m !== build && m.name && m.name !== build.name);
  }

  /** Every extension module the setuptools project at `root` builds. */
  modulesOf(root: string): Promise<{ modules: ModuleBuild[]; problem?: string }> {
    let reading = this.readings.get(root);
    if (!reading) {
      reading = this.read(root);
      this.readings.set(root, reading);
    }
    return reading;
  }

  private async read(root: string): Promise<{ modules: ModuleBuild[]; problem?: string }> {
    const declared = pyprojectExtensions(root);
    if (!fs.existsSync(path.join(root, 'setup.py'))) return { modules: declared };
    const python = setupPython(this.opts.pythons);
    if (!python) return { modules: declared, problem: 'no CPython to read setup.py with' };
    const fromSetup = await setupPyExtensions(root, python, { sandbox: this.opts.sandbox, cache: this.opts.cache });
    return { modules: [...declared, ...fromSetup.modules], ...(fromSetup.problem && { problem: fromSetup.problem }) };
  }
}
