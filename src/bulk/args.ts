/** bulk-pr's arguments: as given (yargs or a caller), and resolved with defaults, the state's record and checks. */
import path from 'node:path';
import { GIL_CHOICES, INTERPRETER_CHOICES, NUMPY_IMPORT_CHOICES, ONCE_PER_PROCESS_CHOICES, type ConvertOptions, type GilChoice, type InterpretersChoice, type NumpyImportChoice, type OncePerProcessChoice } from '../engine/options';
import { GROUPS, type Group } from './plan';
import { loadState, type BulkState, type Settings } from './state';

export interface BulkPrArgs {
  /** Local clones (their top folders, or any folder inside). */
  repos?: string[];
  out?: string;
  group?: Group;
  /** Put before each branch name as given; default `pep489/`. */
  branchPrefix?: string;
  interpreters?: InterpretersChoice;
  gil?: GilChoice;
  oncePerProcess?: OncePerProcessChoice;
  dropPy2?: boolean;
  numpyImport?: NumpyImportChoice;
  /** Header folders, relative to each repository's top (conversion and verification). */
  includeDir?: string[];
  define?: string[];
  /** undefined: verify when a CPython and the sandbox are found. */
  verify?: boolean;
  python?: string[];
  timeout?: number;
  sandbox?: boolean;
  cache?: boolean;
  push?: boolean;
  remote?: string;
  createPr?: boolean;
  draft?: boolean;
  base?: string;
  /** Seconds between two pull requests created; default 2. */
  sleep?: number;
  maxPrs?: number;
  resume?: boolean;
  dryRun?: boolean;
  template?: string;
}

export const DEFAULT_PREFIX = 'pep489/';
export const DEFAULT_SLEEP_S = 2;

export class UsageError extends Error {}

export interface Resolved {
  repos: string[];
  out: string;
  settings: Settings;
  includeDirs: string[];
  defines?: string[];
  verify?: boolean;
  python?: string[];
  timeout?: number;
  sandbox?: boolean;
  cache?: boolean;
  push: boolean;
  remote: string;
  createPr: boolean;
  draft: boolean;
  base?: string;
  sleepS: number;
  maxPrs?: number;
  dryRun: boolean;
  template?: string;
  /** What --resume reads back. */
  recorded: Record<string, unknown>;
}

/** Per run: counters, the verifier, and what every repository step shares. */
export function resolveArgs(args: BulkPrArgs, cwd: string): { r: Resolved; state?: BulkState } {
  let a: BulkPrArgs = definedOnly(args);
  if (!a.out) throw new UsageError('--out <dir> is required: the folder for the PR bodies, the tracking issue and the state file');
  const out = path.resolve(cwd, a.out);
  const state = loadState(out);
  if (a.resume) {
    if (!state) throw new UsageError(`--resume: nothing to resume in ${out} (no state file)`);
    // The recorded run's arguments, with what is given now on top.
    a = { ...(state.args as BulkPrArgs), ...a, repos: a.repos?.length ? a.repos : (state.args.repos as string[] | undefined) };
  }
  const repos = [...new Set((a.repos ?? []).map((p) => path.resolve(cwd, p)))];
  if (repos.length === 0) throw new UsageError('name at least one repository (a local git clone)');
  const group = a.group ?? 'module';
  checkChoice('--group', group, GROUPS);
  const convert: ConvertOptions = {
    interpreters: a.interpreters ?? 'not-supported',
    gil: a.gil ?? 'used',
    oncePerProcess: a.oncePerProcess ?? 'auto',
    dropPy2: a.dropPy2 ?? false,
    numpyImport: a.numpyImport ?? 'any',
  };
  checkChoice('--interpreters', convert.interpreters, INTERPRETER_CHOICES);
  checkChoice('--gil', convert.gil, GIL_CHOICES);
  checkChoice('--once-per-process', convert.oncePerProcess!, ONCE_PER_PROCESS_CHOICES);
  checkChoice('--numpy-import', convert.numpyImport!, NUMPY_IMPORT_CHOICES);
  const sleepS = a.sleep ?? DEFAULT_SLEEP_S;
  if (!(sleepS >= 0) || !Number.isFinite(sleepS)) throw new UsageError(`--sleep ${a.sleep}: give a number of seconds, 0 or more`);
  if (a.maxPrs !== undefined && !(Number.isInteger(a.maxPrs) && a.maxPrs >= 0)) throw new UsageError(`--max-prs ${a.maxPrs}: give a whole number, 0 or more`);
  const template = a.template ? path.resolve(cwd, a.template) : undefined;
  const recorded: Record<string, unknown> = { ...a, repos, out, ...(template && { template }) };
  delete recorded.resume;
  delete recorded.dryRun;
  return {
    state,
    r: {
      repos,
      out,
      settings: { group, branchPrefix: a.branchPrefix ?? DEFAULT_PREFIX, convert },
      includeDirs: a.includeDir ?? [],
      defines: a.define,
      verify: a.verify,
      python: a.python,
      timeout: a.timeout,
      sandbox: a.sandbox,
      cache: a.cache,
      push: !!(a.push || a.createPr),
      remote: a.remote ?? 'origin',
      createPr: !!a.createPr,
      draft: !!a.draft,
      base: a.base,
      sleepS,
      maxPrs: a.maxPrs,
      dryRun: !!args.dryRun,
      template,
      recorded,
    },
  };
}

function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function checkChoice(flag: string, value: string, choices: readonly string[]): void {
  if (!choices.includes(value)) throw new UsageError(`${flag} ${value}: choose one of ${choices.join(', ')}`);
}

