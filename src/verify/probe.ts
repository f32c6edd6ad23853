/**
 * Running probes/probe.py for one built module under one interpreter, in the sandbox, and reading
 * back the facts it reports (one JSON line per step). Steps are chosen here from what the
 * interpreter offers; what the facts mean is judge.ts's job.
 */

import * as path from 'node:path';
import { HIDDEN_PREFIXES, interpreterPrefixes, runSandboxed, type SandboxResult } from './sandbox';
import { packageOverlay, type PackagedModule } from './package-overlay';
import { traceShimLibrary } from './shims';
import type { Interpreter } from './types';

export type Step =
  | 'multiphase'
  | 'import'
  | 'original'
  | 'original-again'
  | 'reimport'
  | 'original-reimport'
  | 'legacy'
  | 'original-legacy'
  | 'threads'
  | 'original-threads'
  | 'strict'
  | 'isolated'
  | 'faults'
  | 'gil';

export interface ExcFacts {
  type: string;
  msg: string;
}

/** What happened to a step's child when it did not report normally. */
export interface ChildFate {
  timeout?: number;
  /** With a timeout: how many processes the step had running then. */
  processes?: number;
  crash?: string;
  exited?: number;
  log?: string;
  probe_error?: string;
  effects?: string[];
  ms?: number;
}

export type StepFacts = ChildFate & Record<string, unknown>;

export interface ProbeRun {
  facts: Partial<Record<Step, StepFacts>>;
  /** Why the probe stopped early (a hang, a module that does not import), if it did. */
  stopped?: string;
  /** The probe process itself went wrong (killed by the outer limit, an internal error). */
  failure?: string;
  ms: number;
}

export interface ProbeRequest {
  python: Interpreter;
  moduleName: string;
  soPath: string;
  originalSoPath?: string;
  /** --smoke: an expression, or statements. */
  smoke?: string;
  /** --smoke-script: statements run after the smoke, by the file's name (for tracebacks) and text. */
  smokeScript?: { name: string; code: string };
  timeoutS: number;
  sandbox: boolean;
  memoryBytes?: number;
  /** Folders put on sys.path (read-only): the package a module imports from its own init. */
  pythonPath?: string[];
  /** The dotted name the module is imported by (`pkg._mod`), when it belongs to a package. */
  importName?: string;
  /** The project's folder of that package (its Python files are laid out beside the module). */
  packageDir?: string;
  /** The package's other extension modules, built: importable beside it as in an installed package. */
  siblings?: PackagedModule[];
  /** Folders of the libraries the module links (-L, rpath, a library's path): shown inside the sandbox. */
  libraryDirs?: string[];
}

const PROBES_DIR = path.join(__dirname, 'probes');

/** Which steps this interpreter can run, in the order they run. */
export function stepsFor(req: ProbeRequest): Step[] {
  const py = req.python;
  const steps: Step[] = ['multiphase', 'import'];
  if (req.originalSoPath) steps.push('original');
  // The original's first import once more: smoke output lines that differ between its two runs
  // (timings, ids) are not compared with the conversion's.
  if (req.originalSoPath && (req.smoke || req.smokeScript)) steps.push('original-again');
  // Parity with the original: the same re-import and legacy subinterpreter scenarios on both.
  steps.push('reimport', 'legacy', 'threads');
  if (req.originalSoPath) steps.push('original-reimport', 'original-legacy', 'original-threads');
  if (py.major > 3 || py.minor >= 12) steps.push('strict', 'isolated');
  steps.push('faults');
  if (py.freeThreaded) steps.push('gil');
  return steps;
}

export async function runProbe(req: ProbeRequest): Promise<ProbeRun> {
  // A module of a package is imported by its dotted name from a folder laid out like the package.
  const packaged = !!req.importName && (req.importName.includes('.') || !!req.siblings?.length);
  const overlays = packaged
    ? [req.soPath, req.originalSoPath].map((so) => (so ? packageOverlay({ importName: req.importName!, soPath: so }, req.siblings ?? [], req.packageDir) : undefined))
    : [];
  try {
    return await probeIn(req, overlays[0]?.soPath ?? req.soPath, overlays[1]?.soPath ?? req.originalSoPath);
  } finally {
    for (const o of overlays) o?.remove();
  }
}

/** The folder to mount for a built module: its own, or its package overlay's root. */
function mountOf(so: string, importName: string): { dir: string; inside: string } {
  let dir = path.dirname(so);
  for (let dots = importName.split('.').length - 1; dots > 0; dots--) dir = path.dirname(dir);
  return { dir, inside: path.relative(dir, so) };
}

async function probeIn(req: ProbeRequest, soPath: string, originalSoPath: string | undefined): Promise<ProbeRun> {
  const name = req.importName ?? req.moduleName;
  const mod = mountOf(soPath, name);
  const orig = originalSoPath ? mountOf(originalSoPath, name) : undefined;
  const shim = await traceShimLibrary(req.python.cc);
  const mounts: Record<string, string> = {
    probes: PROBES_DIR,
    mod: mod.dir,
    shim: path.dirname(shim),
  };
  if (orig) mounts.orig = orig.dir;
  const pythonPath = req.pythonPath ?? [];
  pythonPath.forEach((dir, i) => (mounts[`path${i}`] = path.resolve(dir)));
  const steps = stepsFor(req);
  // Each step has its own limit inside the probe; this one only catches a probe that lost its way.
  const outerMs = (req.timeoutS * 2 + 15) * 1000;
  const result = await runSandboxed(
    (at) => ({
      argv: [
        req.python.exe,
        '-E',
        '-s',
        '-B',
        path.join(at.mount('probes'), 'probe.py'),
        JSON.stringify({
          name,
          so: path.join(at.mount('mod'), mod.inside),
          original: orig ? path.join(at.mount('orig'), orig.inside) : undefined,
          smoke: req.smoke,
          smoke_script: req.smokeScript?.code,
          smoke_script_name: req.smokeScript?.name,
          steps,
          timeout: req.timeoutS,
          memory: req.memoryBytes,
          path: pythonPath.map((_, i) => at.mount(`path${i}`)),
        }),
      ],
      // PEP489_VISIBLE: hidden paths the sandbox shows after all (the interpreter's prefix), not named as reads.
      // Unconfined (--no-sandbox), the mounts are the host folders themselves: reading them is the probe's own.
      env: {
        LD_PRELOAD: path.join(at.mount('shim'), path.basename(shim)),
        PEP489_HIDDEN: HIDDEN_PREFIXES.join(':'),
        PEP489_VISIBLE: [...interpreterPrefixes(req.python), ...(req.libraryDirs ?? []), ...(req.sandbox ? [] : Object.values(mounts))].join(':'),
      },
    }),
    {
      sandbox: req.sandbox,
      timeoutMs: outerMs,
      memoryBytes: req.memoryBytes,
      mounts,
      keepVisible: [...interpreterPrefixes(req.python), ...(req.libraryDirs ?? [])],
    },
  );
  return parse(result, outerMs);
}

function parse(result: SandboxResult, outerMs: number): ProbeRun {
  // PEP489_DEBUG_PROBE=1: the raw facts each probe step reported, on stderr (for reading a verdict).
  if (process.env.PEP489_DEBUG_PROBE) process.stderr.write(result.stdout);
  const run: ProbeRun = { facts: {}, ms: result.ms };
  let done = false;
  for (const line of result.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (typeof record.step === 'string') run.facts[record.step as Step] = record as StepFacts;
    else if (typeof record.stopped === 'string') run.stopped = record.stopped;
    else if (record.done) done = true;
  }
  if (!done && !run.stopped) {
    if (result.timedOut) run.failure = `the probe process was killed after ${Math.round(outerMs / 1000)}s`;
    else if (result.signal) run.failure = `the probe process died of ${result.signal}`;
    else run.failure = `the probe process failed (exit ${result.exitCode}): ${lastLines(result.stderr)}`;
  }
  return run;
}

function lastLines(text: string, n = 5): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}
