/**
 * What `convert` takes from a project's build: each module's defines (above all Py_LIMITED_API,
 * which decides whether the converted module can declare its subinterpreter support) and include
 * folders (where its quoted headers and their macros are). Read the same way as the verifier reads
 * the build (discover.ts); a setup.py is only run when its text passes defines or include folders.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Interpreter } from '../verify/types';
import { findCompileCommands, moduleFromDatabase } from './compile-db';
import { ProjectBuilds, projectRoot } from './discover';
import type { ModuleBuild } from './module-build';

/** The part of a module's build the engine reads. */
export interface FileBuild {
  defines: string[];
  includeDirs: string[];
  /** The file they came from, for messages ("setup.py"). */
  from: string;
}

export interface ConvertDiscovery {
  compileCommands?: string;
  sandbox: boolean;
  cache: boolean;
  /** The interpreters to read a setup.py with, found only if one is needed. */
  pythons: () => Promise<readonly Interpreter[]>;
  /** Whether setup.py may be run (the sandbox works here, or the user chose --no-sandbox). */
  mayRunSetup: () => Promise<boolean>;
}

const MODULE_SOURCE = /\bPyInit_|\bPyModule_Create/;
const SETUP_PASSES_FLAGS = /define_macros|include_dirs|py_limited_api|Py_LIMITED_API/;

function toFileBuild(b: ModuleBuild, cwd: string): FileBuild {
  return { defines: b.defines, includeDirs: b.includeDirs, from: path.relative(cwd, b.file) || b.file };
}

/** The build of each module source among `files` that the project's build describes, by absolute path. */
export async function buildsForConversion(files: readonly string[], opts: ConvertDiscovery, cwd: string): Promise<Record<string, FileBuild>> {
  const out: Record<string, FileBuild> = {};
  let builds: ProjectBuilds | undefined;
  for (const file of files) {
    const abs = path.resolve(cwd, file);
    let text: string;
    try {
      // Only regular files: a FIFO would block the read (the conversion says what it is).
      if (!fs.statSync(abs).isFile()) continue;
      text = fs.readFileSync(abs, 'latin1');
    } catch {
      continue; // the conversion itself says why it cannot be read
    }
    if (!MODULE_SOURCE.test(text)) continue;
    const database = opts.compileCommands ? path.resolve(cwd, opts.compileCommands) : findCompileCommands(abs);
    const fromDb = database ? moduleFromDatabase(database, abs) : undefined;
    if (fromDb) {
      out[abs] = toFileBuild(fromDb, cwd);
      continue;
    }
    const root = projectRoot(abs);
    if (!root || !setupPassesFlags(root)) continue;
    if (!builds) {
      if (!(await opts.mayRunSetup())) return out;
      builds = new ProjectBuilds({ pythons: await opts.pythons(), sandbox: opts.sandbox, cache: opts.cache });
    }
    const moduleName = /\bPyInit_(\w+)/.exec(text)?.[1];
    const { build } = await builds.forSource(abs, moduleName);
    if (build) out[abs] = toFileBuild(build, cwd);
  }
  return out;
}

function setupPassesFlags(root: string): boolean {
  for (const name of ['setup.py', 'pyproject.toml']) {
    try {
      const text = fs.readFileSync(path.join(root, name), 'utf8');
      if (name === 'setup.py' ? SETUP_PASSES_FLAGS.test(text) : /ext-modules/.test(text)) return true;
    } catch {
      // not there
    }
  }
  return false;
}
