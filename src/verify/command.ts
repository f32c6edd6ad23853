/**
 * `pep489-codemod verify [options] <paths...>` and the verify half of `--verify`: find the modules
 * and the interpreters, gather each module's build flags and original, verify modules in parallel
 * (--jobs), and report. Exit codes: 0 all verified, 2 usage or environment error, 3 a module failed.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findFiles, MissingPathError } from '../cli/files';
import { notRegular } from '../cli/runner';
import type { GilChoice, InterpretersChoice } from '../engine/options';
import { ProjectBuilds, setupReaders } from '../project/discover';
import { projectInputs } from '../project/verify-inputs';
import { originalFromGit } from './original';
import { cores, mapLimit } from './pool';
import { discoverPythons } from './pythons';
import type { Colors } from '../cli/color';
import { discoveryReport, failureReason, jsonReport, verificationWarnings, moduleMatrix, noSandboxWarning, summaryLine } from './report';
import { sandboxAvailable } from './sandbox';
import type { Discovery, Expectation, ModuleVerification } from './types';
import { verifyModule, VerifyEnvironmentError, type VerifyInput } from './verify';

export const EXIT = { ok: 0, usage: 2, failed: 3 } as const;

/** Build and probe settings shared by `verify` and `--verify`. */
export interface VerifyOptions {
  /** --python, repeatable; default: discover. */
  python?: string[];
  /** -I */
  include?: string[];
  /** -D */
  define?: string[];
  /** --compile-commands; default: the nearest compile_commands.json above each file. */
  compileCommands?: string;
  /** --source: extra translation units every module is linked with. */
  source?: string[];
  /** --link: linker flags (libraries) every module is linked with. */
  link?: string[];
  /** --pythonpath: folders on sys.path while probing. */
  pythonPath?: string[];
  smoke?: string;
  /** --smoke-script: a Python file run after the smoke. */
  smokeScript?: string;
  /** --timeout, seconds per probe step (default 30). */
  timeout?: number;
  /** --jobs (default: the number of cores). */
  jobs?: number;
  /** false is --no-sandbox. */
  sandbox?: boolean;
  /** false is --no-cache. */
  cache?: boolean;
}

export interface VerifyCommandArgs extends VerifyOptions {
  paths: string[];
  /** --original: the single-phase original (only with one module). */
  original?: string;
  json?: boolean;
  /** --interpreters / --gil: what the modules must declare; default: whatever they declare. */
  interpreters?: InterpretersChoice;
  gil?: GilChoice;
  cwd?: string;
}

export interface CommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Whether stderr is a terminal (progress line). */
  isTTY?: boolean;
  /** Colours for the matrix and the summary (none: plain). */
  colors?: Colors;
}

interface Job {
  file: string;
  moduleName: string;
  original?: { sourcePath: string; displayPath?: string };
  expect?: Expectation;
  /** The user's path, when `file` is a temporary copy. */
  displayPath?: string;
}

class UsageError extends Error {}

export async function runVerifyCommand(args: VerifyCommandArgs, io: CommandIo): Promise<number> {
  const cwd = args.cwd ?? process.cwd();
  const started = Date.now();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pep489-verify-'));
  try {
    const jobs = findJobs(args, cwd, scratch, io);
    const discovery = await interpreters(args, io, !args.json);
    if (jobs.length === 0) {
      io.stderr('pep489-codemod verify: no extension module (no PyInit_<name>) in the paths given\n');
      return EXIT.usage;
    }
    const sandbox = args.sandbox !== false;
    if (!sandbox) io.stderr(noSandboxWarning());
    const results = await runJobs(jobs, args, discovery, cwd, io);
    if (args.json) {
      io.stdout(jsonReport(results, discovery, sandbox, cwd));
    } else {
      for (const r of results) io.stdout(moduleMatrix(r, cwd, io.colors));
      io.stdout(summaryLine(results, discovery.found.length, sandbox, Date.now() - started, io.colors));
      if (!sandbox) io.stderr(noSandboxWarning());
    }
    return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
  } catch (e) {
    if (e instanceof UsageError || e instanceof VerifyEnvironmentError || e instanceof MissingPathError) {
      io.stderr(`pep489-codemod verify: ${e.message}\n`);
      return EXIT.usage;
    }
    throw e;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

export interface ConvertedFile {
  path: string;
  original: string | Buffer;
  converted: string | Buffer;
  /** What the conversion declared (EngineResult.declared); checked against what the build exposes. */
  expect?: Expectation;
  /** The module's name as the engine found it (a macro may spell PyInit_<name>). */
  module?: string;
}

/**
 * The module a source defines: `PyInit_<name>` as written, or through a function-like macro the file
 * defines as `... PyInit_##name(void)` and uses as `MOD_INIT(name)`.
 */
export function moduleNameOf(text: string): string | undefined {
  const direct = /\bPyInit_(\w+)\s*\(/.exec(text)?.[1];
  if (direct) return direct;
  for (const d of text.matchAll(/^[ \t]*#[ \t]*define[ \t]+(\w+)\((\w+)\)[^\n]*\bPyInit_\s*##\s*(\w+)/gm)) {
    if (d[2] !== d[3]) continue;
    const use = new RegExp(`^[ \\t]*${d[1]}\\(\\s*(\\w+)\\s*\\)`, 'm').exec(text);
    if (use) return use[1];
  }
  return undefined;
}

export interface ConvertedVerdict {
  path: string;
  ok: boolean;
  /** One line for the report when !ok. */
  reason?: string;
  /** What the verifier warned of but did not fail (each once, naming its interpreters). */
  warnings?: string[];
  verification?: ModuleVerification;
}

/**
 * For `--verify`: verify converted texts that are not written yet, each against its original.
 * Throws VerifyEnvironmentError (exit 2) when nothing can be verified here (no CPython, no sandbox).
 */
export async function verifyConverted(files: ConvertedFile[], options: VerifyOptions, io: CommandIo): Promise<ConvertedVerdict[]> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pep489-verify-'));
  try {
    const discovery = await interpreters(options, io, false);
    const jobs: Job[] = [];
    const verdicts = new Map<string, ConvertedVerdict>();
    for (const [n, f] of files.entries()) {
      const text = Buffer.isBuffer(f.converted) ? f.converted.toString('latin1') : f.converted;
      const moduleName = f.module ?? moduleNameOf(text);
      if (!moduleName) {
        verdicts.set(f.path, { path: f.path, ok: false, reason: 'verification failed: the converted file has no PyInit_<name>' });
        continue;
      }
      const dir = path.join(scratch, String(n));
      fs.mkdirSync(dir);
      const base = path.basename(f.path);
      const converted = path.join(dir, base);
      const original = path.join(dir, `original-${base}`);
      fs.writeFileSync(converted, f.converted);
      fs.writeFileSync(original, f.original);
      jobs.push({
        file: converted,
        displayPath: f.path,
        moduleName,
        original: { sourcePath: original, displayPath: `${f.path} (original)` },
        expect: f.expect,
      });
    }
    const results = await runJobs(jobs, options, discovery, process.cwd(), io);
    for (const [i, job] of jobs.entries()) {
      const v = results[i];
      const warnings = verificationWarnings(v);
      verdicts.set(job.displayPath!, {
        path: job.displayPath!,
        ok: v.ok,
        reason: v.ok ? undefined : failureReason(v),
        ...(warnings.length && { warnings }),
        verification: v,
      });
    }
    return files.map((f) => verdicts.get(f.path)!);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The interpreters to use; an explicit one that cannot be used is an error, not a silent skip. */
async function interpreters(options: VerifyOptions, io: CommandIo, say: boolean): Promise<Discovery> {
  const discovery = await discoverPythons({ explicit: options.python, cache: options.cache });
  if (say) io.stderr(discoveryReport(discovery));
  if (options.python?.length && discovery.skipped.some((s) => !s.reason.startsWith('same interpreter'))) {
    const bad = discovery.skipped.filter((s) => !s.reason.startsWith('same interpreter'));
    throw new VerifyEnvironmentError(`cannot verify with ${bad.map((s) => `${s.exe} (${s.reason})`).join(', ')}`);
  }
  if (discovery.found.length === 0) {
    const why = discovery.skipped.map((s) => `\n  ${s.exe}: ${s.reason}`).join('');
    throw new VerifyEnvironmentError(`no CPython >= 3.8 with headers found (searched PATH, pyenv, uv and system folders)${why}`);
  }
  if (options.sandbox !== false) {
    const available = await sandboxAvailable();
    if (!available.ok) throw new VerifyEnvironmentError(available.reason);
  }
  return discovery;
}

function findJobs(args: VerifyCommandArgs, cwd: string, scratch: string, io: CommandIo): Job[] {
  if (args.paths.length === 0) throw new UsageError('no paths given; name the module sources or folders to verify');
  const explicit = new Set(args.paths.map((p) => path.resolve(cwd, p)));
  const jobs: Job[] = [];
  const expect: Expectation | undefined = args.interpreters || args.gil ? { interpreters: args.interpreters, gil: args.gil } : undefined;
  for (const file of findFiles(args.paths, cwd)) {
    const kind = notRegular(file);
    if (kind) {
      io.stderr(`${path.relative(cwd, file) || file}: skipped, it is ${kind}, not a regular file\n`);
      continue;
    }
    const text = fs.readFileSync(file).toString('latin1');
    const moduleName = moduleNameOf(text);
    if (!moduleName) {
      if (explicit.has(file)) io.stderr(`${path.relative(cwd, file) || file}: skipped, no PyInit_<name> in it\n`);
      continue;
    }
    jobs.push({ file, moduleName, expect, original: originalFor(file, args, cwd, scratch) });
  }
  if (args.original && jobs.length > 1) throw new UsageError('--original names one original: use it with one module');
  return jobs;
}

function originalFor(file: string, args: VerifyCommandArgs, cwd: string, scratch: string): Job['original'] {
  if (args.original) {
    const p = path.resolve(cwd, args.original);
    if (!fs.existsSync(p)) throw new UsageError(`--original ${args.original}: no such file`);
    return { sourcePath: p };
  }
  const committed = originalFromGit(file);
  if (!committed) return undefined;
  const copy = path.join(fs.mkdtempSync(path.join(scratch, 'head-')), path.basename(file));
  fs.writeFileSync(copy, committed);
  return { sourcePath: copy, displayPath: `${file} (HEAD)` };
}

async function runJobs(jobs: Job[], options: VerifyOptions, discovery: Discovery, cwd: string, io: CommandIo): Promise<ModuleVerification[]> {
  if (options.compileCommands && !fs.existsSync(path.resolve(cwd, options.compileCommands))) throw new UsageError(`--compile-commands ${options.compileCommands}: no such file`);
  // setup.py is read with whichever CPython has setuptools, not only those chosen to verify with.
  const everyPython = options.python?.length ? await setupReaders(options.python, options.cache) : discovery.found;
  const builds = new ProjectBuilds({
    pythons: everyPython,
    sandbox: options.sandbox !== false,
    cache: options.cache !== false,
    compileCommands: options.compileCommands && path.resolve(cwd, options.compileCommands),
  });
  let done = 0;
  const progress = (name: string): void => {
    if (io.isTTY) io.stderr(`\r\x1b[Kverifying [${done}/${jobs.length}] ${name}`);
  };
  const results = await mapLimit(jobs, options.jobs ?? cores(), async (job) => {
    progress(job.moduleName);
    const input = await inputFor(job, options, discovery, cwd, builds);
    // Not built on this platform by the project (and the user named no build inputs of their own):
    // there is nothing to verify here, which is said rather than failed.
    const ownFlags = !!(options.source?.length || options.include?.length || options.define?.length || options.link?.length);
    const v: ModuleVerification =
      input.notBuilt && !ownFlags
        ? { sourcePath: input.displayPath ?? input.sourcePath, moduleName: job.moduleName, ok: true, sandbox: options.sandbox !== false, interpreters: [], notBuilt: input.notBuilt }
        : await verifyModule(input);
    done++;
    progress(job.moduleName);
    return v;
  });
  if (io.isTTY) io.stderr('\r\x1b[K');
  return results;
}

/**
 * The module's build inputs: what the project's build says (compile_commands.json, setuptools),
 * with the command line's and the config's -I, -D, --source and --link on top.
 */
/** `NAME` of `NAME=VALUE`. */
function defineName(define: string): string {
  return define.split('=')[0].trim();
}

async function inputFor(job: Job, options: VerifyOptions, discovery: Discovery, cwd: string, builds: ProjectBuilds): Promise<VerifyInput & { notBuilt?: string }> {
  const project = await projectInputs(builds, job.displayPath ?? job.file, job.moduleName, cwd);
  const given = (options.source ?? []).map((s) => path.resolve(cwd, s));
  return {
    ...project,
    sourcePath: job.file,
    displayPath: job.displayPath,
    moduleName: job.moduleName,
    pythons: discovery.found,
    smoke: options.smoke,
    smokeScript: options.smokeScript && path.resolve(cwd, options.smokeScript),
    expect: job.expect,
    original: job.original,
    includeDirs: [...(options.include ?? []).map((d) => path.resolve(cwd, d)), ...(project.includeDirs ?? [])],
    // A -D of the user's replaces the project's define of the same name (the build read it wrong,
    // or the user builds it otherwise); the compiler would take the last one given.
    defines: [...(options.define ?? []), ...(project.defines ?? []).filter((d) => !(options.define ?? []).some((u) => defineName(u) === defineName(d)))],
    extraSources: [...given, ...(project.extraSources ?? []).filter((s) => !given.includes(s))],
    link: [...(options.link ?? []), ...(project.link ?? [])],
    pythonPath: [...(options.pythonPath ?? []).map((d) => path.resolve(cwd, d)), ...(project.pythonPath ?? [])],
    timeoutS: options.timeout,
    sandbox: options.sandbox,
    cache: options.cache,
  };
}
