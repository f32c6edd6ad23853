/**
 * Verifying one module: build it for every interpreter, run the probes in the sandbox, judge.
 * Interpreters run in parallel (compiles share the cores through build.ts's semaphore), so a module
 * that hangs costs one timeout, not one per interpreter.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildModule, strictWarningCounts, type BuildResult } from './build';
import { entryDir, hashFile, hashOf, readJson, writeJsonAtomic } from './cache';
import { judge } from './judge';
import { isSystemLibraryPath } from '../project/compile-db';
import type { PackagedModule } from './package-overlay';
import { runProbe, stepsFor, type ProbeRequest, type ProbeRun } from './probe';
import { sandboxAvailable } from './sandbox';
import {
  ORIGINAL_FAILS_TOO,
  PROBES,
  withoutCpythonSuffix,
  type Expectation,
  type Interpreter,
  type InterpreterVerification,
  type ModuleVerification,
  type ProbeName,
  type ProbeResult,
} from './types';

export interface VerifyInput {
  sourcePath: string;
  moduleName: string;
  pythons: Interpreter[];
  /** --smoke: a Python expression, or statements; either way its printed output is compared with the original's. */
  smoke?: string;
  /** --smoke-script: a file of statements run after the smoke, its printed output compared likewise. */
  smokeScript?: string;
  expect?: Expectation;
  /** The single-phase original, for the surface comparison (probe 2); displayPath as below. */
  original?: { sourcePath: string; displayPath?: string };
  includeDirs?: string[];
  defines?: string[];
  undefines?: string[];
  compileArgs?: string[];
  extraSources?: string[];
  /** Linker flags the module needs (its libraries). */
  link?: string[];
  /** Folders on sys.path while probing (the module's own package). */
  pythonPath?: string[];
  /** Per probe step; default 30. */
  timeoutS?: number;
  /** Default true. false is the --no-sandbox opt-out. */
  sandbox?: boolean;
  memoryBytes?: number;
  /** Default true: reuse builds and passing probe results from the cache. */
  cache?: boolean;
  /** The path reports and diagnostics name, when sourcePath is a temporary copy. */
  displayPath?: string;
  /** The dotted name the module is imported by, when it belongs to a package; the project's folder of that package. */
  importName?: string;
  packageDir?: string;
  /** The package's other extension modules, as the project builds them. */
  siblings?: { importName: string; packageDir?: string; sources: string[]; includeDirs?: string[]; defines?: string[]; undefines?: string[]; compileArgs?: string[]; link?: string[] }[];
  /** Where the build inputs came from, and why the project's build could not be read: passed to the report. */
  build?: string;
  buildProblem?: string;
}

/** The environment cannot verify anything (no sandbox, no interpreter): exit code 2 territory. */
export class VerifyEnvironmentError extends Error {}

const PROBE_SCRIPT = path.join(__dirname, 'probes', 'probe.py');

export async function verifyModule(input: VerifyInput): Promise<ModuleVerification> {
  const sandbox = input.sandbox !== false;
  if (input.pythons.length === 0) throw new VerifyEnvironmentError('no CPython >= 3.8 with headers to verify with');
  if (sandbox) {
    const available = await sandboxAvailable();
    if (!available.ok) throw new VerifyEnvironmentError(available.reason);
  }
  let script: ProbeRequest['smokeScript'];
  if (input.smokeScript) {
    try {
      script = { name: path.basename(input.smokeScript), code: fs.readFileSync(input.smokeScript, 'utf8') };
    } catch (e) {
      throw new VerifyEnvironmentError(`--smoke-script ${input.smokeScript}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
  }
  const interpreters = await Promise.all(input.pythons.map((py) => verifyOn(input, py, sandbox, script)));
  // The package's own __init__ needs something not installed here (pyqrencode's imports PIL): the
  // module cannot be reached through it on this machine, so it is verified in an empty package.
  const ok = interpreters.every((i) => i.ok) && interpreters.some((i) => i.probes.import.ok === true);
  const missing = !ok && input.packageDir && input.importName ? missingDependency(interpreters, input.importName, input.packageDir, input.siblings ?? []) : undefined;
  if (missing)
    return verifyModule({
      ...input,
      packageDir: undefined,
      siblings: input.siblings?.map((s) => (s.importName.split('.')[0] === input.importName!.split('.')[0] ? { ...s, packageDir: undefined } : s)),
      build: `${input.build ?? 'the flags given'}; the package's __init__ imports ${missing}, which is not ${missing.split('.')[0] === input.importName!.split('.')[0] ? 'in its sources (its build writes it)' : 'installed here'}, so the module was imported in an empty package`,
    });
  return {
    sourcePath: input.displayPath ?? input.sourcePath,
    moduleName: input.moduleName,
    // At least one CPython must have built, imported and probed it: skipping every one proves nothing.
    ok: interpreters.every((i) => i.ok) && interpreters.some((i) => i.probes.import.ok === true),
    sandbox,
    interpreters,
    ...(input.build && { build: input.build }),
    ...(input.buildProblem && { buildProblem: input.buildProblem }),
  };
}

async function verifyOn(input: VerifyInput, py: Interpreter, sandbox: boolean, smokeScript: ProbeRequest['smokeScript']): Promise<InterpreterVerification> {
  const timeoutS = input.timeoutS ?? 30;
  const common = {
    moduleName: input.moduleName,
    python: py,
    includeDirs: input.includeDirs,
    defines: input.defines,
    undefines: input.undefines,
    compileArgs: input.compileArgs,
    link: input.link,
    cache: input.cache,
  };
  const buildConverted = (relaxed: boolean) =>
    buildModule({ ...common, relaxed, sources: [input.sourcePath, ...(input.extraSources ?? [])], displayPath: input.displayPath });
  const buildOriginal = (relaxed: boolean) =>
    input.original
      ? buildModule({ ...common, relaxed, sources: [input.original.sourcePath, ...(input.extraSources ?? [])], displayPath: input.original.displayPath })
      : Promise.resolve(undefined);
  let [built, original] = await Promise.all([buildConverted(false), buildOriginal(false)]);
  // The project's own code trips a strict error (a missing return, an int-conversion): build both
  // with those as warnings, and fail the conversion only for warnings it added.
  let added: string | undefined;
  let relaxedBecause: string | undefined;
  if (original && !original.ok) {
    relaxedBecause = firstError(original.error);
    const relaxedOriginal = await buildOriginal(true);
    if (relaxedOriginal?.ok) {
      original = relaxedOriginal;
      if (!built.ok) {
        built = await buildConverted(true);
        if (built.ok) added = addedStrictWarnings(built.warnings, relaxedOriginal.warnings);
      }
    }
  }
  const result: InterpreterVerification = {
    python: { exe: py.exe, version: py.version, label: py.label, freeThreaded: py.freeThreaded },
    ok: false,
    probes: allSkipped('not run'),
    sideEffects: [],
    timings: { buildMs: built.ms + (original?.ms ?? 0), probeMs: 0, buildCached: built.ok && built.cached, probesCached: false },
  };
  if (!built.ok && original && !original.ok) {
    // Nothing the conversion did: this CPython cannot build the module at all (a removed API, a
    // version-specific struct). It is left out, said so, and the others decide.
    result.probes = allSkipped('the original does not build here either');
    result.probes.build = { ok: 'skipped', detail: `${ORIGINAL_FAILS_TOO} build with this CPython either: ${firstError(original.error)}` };
    result.ok = true;
    return result;
  }
  if (!built.ok) {
    result.probes = allSkipped('the module does not build');
    result.probes.build = { ok: false, detail: built.error };
    return result;
  }
  if (added) {
    result.probes = allSkipped('the conversion adds a warning the strict build rejects');
    result.probes.build = { ok: false, detail: added };
    return result;
  }
  const request: ProbeRequest = {
    python: py,
    moduleName: input.moduleName,
    soPath: built.soPath,
    originalSoPath: original?.ok ? original.soPath : undefined,
    smoke: input.smoke,
    smokeScript,
    timeoutS,
    sandbox,
    memoryBytes: input.memoryBytes,
    pythonPath: input.pythonPath,
    libraryDirs: libraryDirsOf(input.link ?? []),
    ...(input.importName && { importName: input.importName, packageDir: input.packageDir, siblings: await buildSiblings(input, py) }),
  };
  const started = Date.now();
  const cacheKey = probeKey(request);
  // Files under --pythonpath can change without the key seeing it: such runs are not replayed.
  const replayable = input.cache !== false && !input.pythonPath?.length && !input.packageDir;
  let run = !replayable ? undefined : readJson<ProbeRun>(path.join(entryDir('probes', cacheKey), 'run.json'));
  result.timings.probesCached = run !== undefined;
  run ??= await runProbe(request);
  result.timings.probeMs = Date.now() - started;

  const verdict = judge(run, py, input.expect, sandbox);
  result.probes = { ...allSkipped('not run'), ...verdict.probes, build: buildVerdict(built) };
  if (relaxedBecause && original?.ok)
    result.probes.build.warning = `built with the strict errors as warnings, since the single-phase original does not build with them (${relaxedBecause}); the conversion adds none`;
  if (original && !original.ok) result.probes.surface = { ok: 'skipped', detail: `the original does not build: ${original.error}` };
  result.slots = verdict.slots;
  result.sideEffects = verdict.sideEffects;
  result.ok = PROBES.every((p) => result.probes[p].ok !== false);
  // Only clean passes are remembered: a crash or a hang must be seen again, not replayed.
  if (result.ok && !result.timings.probesCached && replayable && !run.stopped && !run.failure) {
    writeJsonAtomic(path.join(entryDir('probes', cacheKey), 'run.json'), run);
  }
  return result;
}

function buildVerdict(built: Extract<BuildResult, { ok: true }>): ProbeResult {
  const warnings = built.warnings.split('\n').filter((l) => /: warning: /.test(l));
  const how = built.cached ? 'cached build' : `built in ${built.ms} ms`;
  return { ok: true, detail: warnings.length > 0 ? `${how}; ${warnings.length} warning(s): ${warnings[0]}` : how };
}

/** The strict kinds of warning the converted build has more of than the original's, said with the first one. */
function addedStrictWarnings(converted: string, original: string): string | undefined {
  const before = strictWarningCounts(original);
  for (const [kind, n] of strictWarningCounts(converted)) {
    if (n <= (before.get(kind) ?? 0)) continue;
    const first = converted.split('\n').find((l) => l.includes(`[-W${kind}]`)) ?? kind;
    return `the conversion adds ${n - (before.get(kind) ?? 0)} -W${kind} warning(s) the original does not have (${first.trim()})`;
  }
  return undefined;
}

/** The first of the errors a failed build lists (they are joined with "; "), without the CPython suffix. */
function firstError(error: string): string {
  return withoutCpythonSuffix(error).split('; ')[0];
}

function allSkipped(why: string): Record<ProbeName, ProbeResult> {
  return Object.fromEntries(PROBES.map((p) => [p, { ok: 'skipped', detail: why }])) as Record<ProbeName, ProbeResult>;
}

/** Built files live at content-addressed paths, so their paths stand for their contents. */
function probeKey(req: ProbeRequest): string {
  return hashOf(
    'probe-v1',
    hashFile(PROBE_SCRIPT) ?? '',
    req.python.realExe,
    req.python.version,
    req.soPath,
    fs.existsSync(req.soPath) ? String(fs.statSync(req.soPath).size) : '',
    req.originalSoPath ?? '',
    req.smoke ?? '',
    // The script's text itself, not its path: an edited script must be run again.
    req.smokeScript ? hashOf(req.smokeScript.name, req.smokeScript.code) : '',
    String(req.timeoutS),
    String(req.sandbox),
    String(req.memoryBytes ?? ''),
    stepsFor(req).join(','),
    req.importName ?? '',
    ...(req.siblings ?? []).map((s) => `${s.importName}=${s.soPath}`),
  );
}

/** A module outside the project that importing the package needed and did not find, on every CPython that tried. */
function missingDependency(interpreters: InterpreterVerification[], importName: string, packageDir: string, siblings: readonly { importName: string }[]): string | undefined {
  const top = importName.split('.')[0];
  const names = interpreters
    .map((i) => /No module named '([\w.]+)'/.exec(i.probes.import.detail ?? '')?.[1])
    .filter((n): n is string => n !== undefined);
  const first = names[0];
  if (!first || names.length !== interpreters.filter((i) => i.probes.import.ok !== true).length) return undefined;
  if (first.split('.')[0] !== top) return first;
  // A module of the package itself that its build writes (lz4's version.py, by setuptools_scm), not
  // in the sources and not one of its extension modules: as missing here as a dependency.
  return generatedModuleMissing(first, packageDir) && !siblings.some((s) => s.importName === first) ? first : undefined;
}

/** Is `dotted` (a module of the package in `packageDir`) absent from the sources, as a file or a folder? */
function generatedModuleMissing(dotted: string, packageDir: string): boolean {
  const rest = dotted.split('.').slice(1);
  if (rest.length === 0) return false;
  const at = path.join(packageDir, ...rest);
  if (fs.existsSync(`${at}.py`) || fs.existsSync(path.join(at, '__init__.py'))) return false;
  const dir = path.dirname(at);
  const base = path.basename(at);
  // An extension module of the package built elsewhere (a .so, a .pyx it is built from); a typing
  // stub (python-isal's _version.pyi, set H) is no module.
  return !(fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.startsWith(`${base}.`) && /\.(so|pyd|pyx)$/.test(f)));
}

/** The folders a module's link flags load libraries from: they must be visible where it is imported. */
export function libraryDirsOf(link: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const l of link) {
    const m = /^-L(.+)$/.exec(l) ?? /^-Wl,(?:-rpath[,=]|-R,?)(.+)$/.exec(l);
    if (m) for (const d of m[1].split(/[,:]/)) if (path.isAbsolute(d)) dirs.add(d);
    if (path.isAbsolute(l) && /\.(so(\.\d+)*|a)$/.test(l)) dirs.add(path.dirname(l));
  }
  return [...dirs].filter((d) => !isSystemLibraryPath(d) && fs.existsSync(d));
}

/**
 * The package's other extension modules, built for `py` as the project builds them, so that a
 * module whose exec imports a sibling finds it; one that does not build here is left out (the
 * module's own import then says what it missed).
 */
async function buildSiblings(input: VerifyInput, py: Interpreter): Promise<PackagedModule[]> {
  const out: PackagedModule[] = [];
  for (const s of input.siblings ?? []) {
    const built = await buildModule({ ...s, moduleName: s.importName.split('.').pop()!, python: py, cache: input.cache, relaxed: true });
    if (built.ok) out.push({ importName: s.importName, soPath: built.soPath, packageDir: s.packageDir });
  }
  return out;
}
