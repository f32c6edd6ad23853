/** Shapes shared by the verifier's modules: what an interpreter is, what a probe found. */

import type { GilChoice, InterpretersChoice } from '../engine/options';

/** One CPython that can build and import extension modules, as its own sysconfig describes it. */
export interface Interpreter {
  /** The path it was found at (what the user would type). */
  exe: string;
  /** sys.executable resolved through symlinks: the identity used to dedupe. */
  realExe: string;
  /** "3.12.1" */
  version: string;
  major: number;
  minor: number;
  /** Short label for reports: "3.12", "3.13t", "3.12-debug". */
  label: string;
  includeDir: string;
  /** Directory of the platform-specific headers (pyconfig.h); often the same as includeDir. */
  platIncludeDir: string;
  extSuffix: string;
  freeThreaded: boolean;
  debug: boolean;
  /** sysconfig's CC, CXX, CFLAGS, CCSHARED, already split like a shell would. */
  cc: string[];
  cxx: string[];
  cflags: string[];
  ccshared: string[];
  /** LDSHARED without its leading driver words ("gcc -pthread"): only the flags. */
  ldflags: string[];
}

export interface Discovery {
  found: Interpreter[];
  skipped: { exe: string; reason: string }[];
}

/** A probe's verdict. 'skipped' always carries a detail saying why. */
export interface ProbeResult {
  ok: boolean | 'skipped';
  detail?: string;
  /** Something wrong that the conversion did not cause (the original does the same): said, not failed. */
  warning?: string;
}

/** The columns of the report, in order. Each is one probe (or one part of probe 1). */
export const PROBES = ['build', 'import', 'surface', 'multiphase', 'reimport', 'subinterpreters', 'faults', 'gil'] as const;
export type ProbeName = (typeof PROBES)[number];

/** Column titles for the matrix. */
export const PROBE_TITLES: Record<ProbeName, string> = {
  build: 'build',
  import: 'import',
  surface: 'surface',
  multiphase: 'multi-phase',
  reimport: 're-import',
  subinterpreters: 'subinterp',
  faults: 'faults',
  gil: 'free-threaded',
};

/** What the compiled module declares, read from its PyModuleDef through ctypes. */
export interface SlotInfo {
  /** 'def' when PyInit returned a PyModuleDef, 'module' for single-phase, 'other' for anything else. */
  returned: 'def' | 'module' | 'other';
  mSize?: number;
  execSlots?: number;
  create?: boolean;
  /** Absent when the slot is not compiled in (older CPython, or not declared). */
  interpreters?: InterpretersChoice | string;
  gil?: GilChoice | string;
}

export interface InterpreterVerification {
  python: { exe: string; version: string; label: string; freeThreaded: boolean };
  ok: boolean;
  probes: Record<ProbeName, ProbeResult>;
  slots?: SlotInfo;
  /** Side effects the module tried (writes, sockets), each already worded for a report. */
  sideEffects: string[];
  timings: { buildMs: number; probeMs: number; buildCached: boolean; probesCached: boolean };
}

export interface ModuleVerification {
  sourcePath: string;
  moduleName: string;
  ok: boolean;
  sandbox: boolean;
  interpreters: InterpreterVerification[];
  /** Where the module's build inputs came from, as said in the output (project-build discovery). */
  build?: string;
  /** Why the project's build could not be read, when it could not (the module was built from flags alone). */
  buildProblem?: string;
  /** The project's build does not build this module on this platform: not verified, and said so. */
  notBuilt?: string;
}

export interface Expectation {
  interpreters?: InterpretersChoice;
  gil?: GilChoice;
  /**
   * The user chose what a second exec does (`--once-per-process always` or `never`): a re-import
   * that differs from the original's is their choice, noted rather than failed.
   */
  secondExecChosen?: boolean;
  /**
   * What the conversion makes a second exec do (the engine's outcome): `replay` must keep what the
   * original kept on re-import; after `runs-again` (exec keeps no process-global state) fresh
   * objects where the original shared them are noted, not failed: each module gets its own.
   */
  secondExec?: 'replay' | 'guard' | 'runs-again';
}

/** How a probe skipped because the single-phase original fails there too starts its detail. */
export const ORIGINAL_FAILS_TOO = 'the single-phase original does not';

/** A build error's " [CPython 3.12.1, /path/python]" suffix, dropped where the interpreter is named anyway. */
export function withoutCpythonSuffix(text: string): string {
  return text.replace(/ \[CPython [^\]]*\]$/, '');
}
