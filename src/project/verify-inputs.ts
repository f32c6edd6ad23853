/**
 * What the verifier takes from a project's build for one module (see discover.ts): its other
 * sources and flags, how it is imported (its package), and a line saying where they came from.
 * `verify`, `--verify` and `bulk-pr` put the user's own flags on top.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { VerifyInput } from '../verify/verify';
import { packageDirOf, type ProjectBuilds, projectRoot } from './discover';
import { describeBuild } from './module-build';

export type ProjectInputs = Pick<
  VerifyInput,
  'includeDirs' | 'defines' | 'undefines' | 'compileArgs' | 'extraSources' | 'link' | 'build' | 'buildProblem' | 'importName' | 'packageDir' | 'siblings' | 'pythonPath'
> & {
  /** The project's build does not build this file here: nothing to verify on this platform. */
  notBuilt?: string;
};

/**
 * The project's build of the module whose init is in `file` (the user's path, even when a
 * temporary copy is verified), with paths said relative to `cwd`. The file itself is not among
 * the extra sources: the file verified stands for it.
 */
export async function projectInputs(builds: ProjectBuilds, file: string, moduleName: string, cwd: string): Promise<ProjectInputs> {
  const logical = path.resolve(file);
  const { build, problem, notBuilt } = await builds.forSource(logical, moduleName);
  if (notBuilt) return { notBuilt };
  if (!build) return problem ? { buildProblem: problem } : {};
  // A source the build lists that is not here (a git submodule not checked out: xxhash's bundled
  // library) would fail the original's build too: the build is said, and the user's flags decide.
  const missing = build.sources.filter((s) => s !== logical && !fs.existsSync(s));
  if (missing.length) {
    const rel = (p: string) => path.relative(cwd, p) || p;
    return {
      buildProblem: `${rel(build.file)} builds ${build.name ?? moduleName} from ${missing.map(rel).join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not here (a git submodule not checked out?); check it out, or give what it stands for (--source, --link)`,
    };
  }
  const inputs: ProjectInputs = {
    includeDirs: build.includeDirs,
    defines: build.defines,
    undefines: build.undefines,
    compileArgs: build.compileArgs,
    extraSources: build.sources.filter((s) => s !== logical),
    link: build.link,
    build: describeBuild(build, (p) => path.relative(cwd, p) || p),
    ...(build.pythonPath?.length && { pythonPath: build.pythonPath.filter((d) => fs.existsSync(d)) }),
  };
  // A module of a package (and the build names the same module the file defines): imported by its
  // dotted name, with the project's other modules (and their packages) built beside it.
  // A module the build does not name (a test module Meson builds but does not install) is imported
  // by its own name, with the named ones beside it.
  const importName = build.name ?? moduleName;
  if (importName.split('.').pop() === moduleName) {
    const root = projectRoot(logical) ?? path.dirname(build.file);
    const siblings = (await builds.siblingsOf(build)).map((s) => ({ ...s, importName: s.name!, packageDir: packageDirOf(s, root) }));
    if (importName.includes('.') || siblings.length) {
      inputs.importName = importName;
      inputs.packageDir = build.name ? packageDirOf(build, root) : undefined;
      inputs.siblings = siblings;
    }
  }
  return inputs;
}
