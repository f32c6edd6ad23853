/**
 * The default command: convert the files given (in place, or --dry-run / --check), review them
 * (--interactive, --stat, --explain), and report (--json, --report, --sarif). Options the config file
 * can set have no yargs default, so "not given" is visible and the file's value applies.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Argv } from 'yargs';
import type { FileOutcome } from '../runner';
import { VerifyFlags, verifyOptions, verifyOptionsBuilder } from './verify-options';
import { GIL_CHOICES, INTERPRETER_CHOICES, NUMPY_IMPORT_CHOICES, ONCE_PER_PROCESS_CHOICES, DEFAULT_OPTIONS } from '../../engine/options';
import type { ConvertOptions, GilChoice, InterpretersChoice, NumpyImportChoice, OncePerProcessChoice } from '../../engine/options';
import { CommandContext, CommandSpec, EXIT, setting, stringList } from './context';
import { STDIN_PATH } from '../stdin-mode';

export interface ConvertArgs extends VerifyFlags {
  verify?: boolean;
  keepFailed?: boolean;
  paths?: string[];
  dryRun?: boolean;
  check?: boolean;
  json?: boolean;
  interpreters?: InterpretersChoice;
  gil?: GilChoice;
  oncePerProcess?: OncePerProcessChoice;
  dropPy2?: boolean;
  numpyImport?: NumpyImportChoice;
  interactive?: boolean;
  stat?: boolean;
  explain?: boolean;
  report?: string;
  sarif?: string;
  jobs?: number;
  exclude?: string | string[];
  include?: string | string[];
  stdinFilename?: string;
}

export function cores(): number {
  return (os as { availableParallelism?: () => number }).availableParallelism?.() ?? os.cpus().length ?? 1;
}

function builder(y: Argv) {
  return y
    .positional('paths', { type: 'string', array: true, describe: 'files or directories' })
    .option('dry-run', { type: 'boolean', describe: 'print a unified diff and write nothing' })
    .option('check', { type: 'boolean', describe: 'write nothing; exit 1 if any file would change' })
    .option('json', { type: 'boolean', describe: 'print one JSON report on stdout' })
    .option('stdin-filename', {
      type: 'string',
      requiresArg: true,
      describe: 'with - (the source on stdin, the result on stdout): the path the text stands for (its language, headers and project build)',
    })
    .option('interpreters', {
      choices: INTERPRETER_CHOICES,
      defaultDescription: 'not-supported',
      describe: 'value of the Py_mod_multiple_interpreters slot',
    })
    .option('gil', {
      choices: GIL_CHOICES,
      defaultDescription: 'used',
      describe: 'value of the Py_mod_gil slot (a module that calls PyUnstable_Module_SetGIL keeps its own)',
    })
    .option('once-per-process', {
      choices: ONCE_PER_PROCESS_CHOICES,
      defaultDescription: 'auto',
      describe:
        "what a second exec in one process does: auto replays the first exec's attributes where the original ran its init once (m_size -1) and exec keeps process-global state; always: numpy's guard (ImportError); never: exec runs again",
    })
    .option('drop-py2', { type: 'boolean', describe: 'remove the Python 2 side of every version conditional' })
    .option('numpy-import', {
      choices: NUMPY_IMPORT_CHOICES,
      defaultDescription: 'any',
      describe: 'how import_array()/import_umath() are rewritten: for any numpy, or numpy 2 headers',
    })
    .option('interactive', {
      alias: 'i',
      type: 'boolean',
      describe: 'show each change, hunk by hunk, and ask whether to apply it, with single keys (needs a terminal; a file is applied only whole)',
    })
    .option('stat', { type: 'boolean', describe: 'list changed files with +/- line counts, not the diff' })
    .option('explain', { type: 'boolean', describe: 'list the rules applied to each file, or the rule that refused and why' })
    .option('report', { type: 'string', requiresArg: true, describe: 'write a markdown summary to this file' })
    .option('sarif', { type: 'string', requiresArg: true, describe: 'write a SARIF 2.1.0 log to this file (GitHub code scanning)' })
    .option('jobs', {
      alias: 'j',
      type: 'number',
      requiresArg: true,
      defaultDescription: 'the number of cores',
      describe: 'files converted side by side on worker threads',
    })
    .option('exclude', {
      type: 'string',
      requiresArg: true,
      describe: 'leave out files and folders matching this glob when walking folders (repeatable)',
    })
    .option('include', {
      type: 'string',
      requiresArg: true,
      describe: 'when walking folders, take the files matching this glob instead of .c .cc .cpp .cxx (repeatable)',
    })
    .option('verify', {
      type: 'boolean',
      describe: 'build, import and probe each converted module under every CPython found (sandboxed) before writing it; a failure is left unwritten and reported',
    })
    .option('keep-failed', { type: 'boolean', describe: 'with --verify: write a conversion even when its verification fails' })
    .group(['dry-run', 'check', 'json', 'interactive', 'stat', 'explain', 'verify', 'keep-failed'], 'Run:')
    .group(['interpreters', 'gil', 'once-per-process', 'drop-py2', 'numpy-import'], 'What the module declares:')
    .group(['report', 'sarif'], 'Reports:')
    .group(['jobs', 'exclude', 'include'], 'Files:');
}

type Yargs = (ReturnType<typeof builder> extends Argv<infer A> ? A : never) & VerifyFlags;

/** Everything a run needs, from the command line over the config file over the defaults. */
interface Settings {
  paths: string[];
  dryRun: boolean;
  check: boolean;
  json: boolean;
  interactive: boolean;
  stat: boolean;
  explain: boolean;
  report?: string;
  sarif?: string;
  jobs: number;
  convert: ConvertOptions;
}

function settings(a: ConvertArgs, ctx: CommandContext): Settings {
  const c = ctx.config;
  const here = (p: string | undefined) => (p === undefined ? undefined : path.resolve(ctx.io.cwd, p));
  // The command line wins across these too: `interactive = true` in the file gives way to
  // --dry-run/--check/--json given here, and -i given here to those set in the file.
  const noQuestions = !!(a.dryRun || a.check || a.json);
  const unlessAsked = (flag: boolean | undefined, file: boolean | undefined) => setting(flag, a.interactive ? undefined : file, false);
  return {
    paths: a.paths ?? [],
    dryRun: unlessAsked(a.dryRun, c?.dryRun),
    check: unlessAsked(a.check, c?.check),
    json: unlessAsked(a.json, c?.json),
    interactive: setting(a.interactive, noQuestions ? undefined : c?.interactive, false),
    stat: setting(a.stat, c?.stat, false),
    explain: setting(a.explain, c?.explain, false),
    report: setting(here(a.report), c?.report, undefined),
    sarif: setting(here(a.sarif), c?.sarif, undefined),
    jobs: setting(a.jobs, c?.jobs, cores()),
    convert: {
      interpreters: setting(a.interpreters, c?.interpreters, DEFAULT_OPTIONS.interpreters),
      gil: setting(a.gil, c?.gil, DEFAULT_OPTIONS.gil),
      oncePerProcess: setting(a.oncePerProcess, c?.oncePerProcess, DEFAULT_OPTIONS.oncePerProcess),
      dropPy2: setting(a.dropPy2, c?.dropPy2, DEFAULT_OPTIONS.dropPy2),
      numpyImport: setting(a.numpyImport, c?.numpyImport, DEFAULT_OPTIONS.numpyImport),
      // The build's -I folders are where the file's own headers (and their macros) are found too.
      headerDirs: (stringList(a.includeDir) ?? c?.verify.includeDirs ?? []).map((d) => path.resolve(ctx.io.cwd, d)),
      defines: stringList(a.define) ?? c?.verify.defines ?? [],
      verified: setting(a.verify, c?.verifyConverted, false),
    },
  };
}

/** A usage problem with the combination of options, or null. */
function conflicts(s: Settings, a: ConvertArgs, ctx: CommandContext): string | null {
  if (a.jobs !== undefined && !(Number.isInteger(a.jobs) && a.jobs >= 1)) return '--jobs must be a whole number >= 1';
  for (const [file, flag] of [
    [s.report, '--report'],
    [s.sarif, '--sarif'],
  ] as const)
    if (file && !fs.existsSync(path.dirname(file)))
      return `${flag} ${file}: the folder ${path.dirname(file)} does not exist; create it or write the report elsewhere`;
    else if (file && fs.existsSync(file) && fs.statSync(file).isDirectory())
      return `${flag} ${file}: that is a folder; name a file to write the report to`;
  const fromFile = a.interactive === undefined && s.interactive;
  if (s.interactive) {
    const where = fromFile ? ` (interactive = true in ${ctx.config?.file ?? 'the config'}; --no-interactive turns it off)` : '';
    for (const [on, flag] of [
      [s.dryRun, '--dry-run'],
      [s.check, '--check'],
      [s.json, '--json'],
    ] as const)
      if (on) return `--interactive converts in place and cannot be combined with ${flag}${where}`;
    if (!(ctx.io.stdinIsTTY ?? false))
      return `--interactive asks about each change on the terminal, but stdin is not a terminal; run it in a terminal, or review with --dry-run and convert without --interactive${where}`;
  }
  return null;
}

async function runConvert(a: ConvertArgs, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const s = settings(a, ctx);
  if (!s.paths.length) {
    io.stderr('pep489-codemod: no paths given; name the files or directories to convert (see --help)\n');
    return EXIT.usage;
  }
  const problem = conflicts(s, a, ctx);
  if (problem) {
    io.stderr(`pep489-codemod: ${problem}\n`);
    return EXIT.usage;
  }
  if (s.paths.includes(STDIN_PATH)) return convertStdin(a, ctx, s);

  const { findFiles, MissingPathError } = await import('../files');
  const { convertFiles, writeOutcome } = await import('../runner');
  const report = await import('../report');
  const { cleanUpPendingWrites } = await import('../write');
  const { colorEnabled, colors } = await import('../color');
  const env = io.env ?? process.env;
  const paint = (isTTY: boolean | undefined) =>
    colors(colorEnabled({ flag: ctx.colorFlag, config: ctx.config?.color, env, isTTY: isTTY ?? false }));
  const out = paint(io.stdoutIsTTY);
  const err = paint(io.stderrIsTTY);

  const cliGlobs = (v: string | string[] | undefined) => {
    const patterns = stringList(v);
    return patterns && { patterns, base: io.cwd };
  };
  let files: string[];
  try {
    files = findFiles(s.paths, io.cwd, {
      exclude: cliGlobs(a.exclude) ?? ctx.config?.exclude,
      include: cliGlobs(a.include) ?? ctx.config?.include,
    });
  } catch (e) {
    if (e instanceof MissingPathError) {
      io.stderr(`pep489-codemod: ${e.message}; check the path and try again\n`);
      return EXIT.usage;
    }
    throw e;
  }

  // The project's build (compile_commands.json, setup.py) says what each module is compiled with.
  const builds = await projectBuilds(files, a, ctx);
  if (Object.keys(builds).length) s.convert = { ...s.convert, builds };

  const write = !s.dryRun && !s.check && !s.interactive;
  // With --verify nothing is written until its verification passed (black's --safe, in advance).
  const verify = setting(a.verify, ctx.config?.verifyConverted, false);
  let interrupted = false;
  let prompter: import('../interactive').Prompter | undefined;
  const onSigint = () => {
    interrupted = true;
    prompter?.abort();
  };
  process.on('SIGINT', onSigint);
  const { createProgress, NO_PROGRESS, PROGRESS_MIN_FILES } = await import('../progress');
  const progress =
    io.stderrIsTTY && !s.json && files.length >= PROGRESS_MIN_FILES
      ? createProgress({ write: io.stderr, columns: io.columns ?? 80, display: (f) => report.displayPath(f, io.cwd) })
      : NO_PROGRESS;
  let outcomes;
  let review: import('../interactive').Review | undefined;
  try {
    outcomes = await convertFiles(files, {
      convert: s.convert,
      write: write && !verify,
      interrupted: () => interrupted,
      jobs: s.jobs,
      onProgress: (done, total, file) => progress.update(done, total, file),
    });
    progress.done();
    if (verify && !interrupted) {
      const verified = await verifyOutcomes(outcomes, a, ctx, write);
      if (typeof verified === 'number') return verified;
      outcomes = verified;
    }
    if (s.interactive && !interrupted) {
      const { keyPrompter, linePrompter, review: reviewChanges } = await import('../interactive');
      const input = (io.stdin ?? (() => process.stdin))();
      // Single keys on a terminal, as git's interactive.singleKey; a line from anything else.
      const tty = input as NodeJS.ReadStream;
      prompter = tty.isTTY && typeof tty.setRawMode === 'function' ? keyPrompter(tty, io.stdout) : linePrompter(input, io.stdout);
      try {
        review = await reviewChanges(outcomes, { cwd: io.cwd, colors: out, out: io.stdout, prompter, apply: writeOutcome });
      } finally {
        prompter.close();
      }
      outcomes = review.outcomes;
    }
  } finally {
    progress.done();
    process.off('SIGINT', onSigint);
    cleanUpPendingWrites();
  }

  const changed = outcomes.filter((o) => o.status === 'changed');
  if (s.json) {
    io.stdout(report.jsonReport(outcomes, io.cwd, s.dryRun, { stat: s.stat, explain: s.explain }));
  } else {
    if (s.stat) {
      const { fileStat, statText } = await import('../stat');
      io.stdout(statText(changed.map((o) => fileStat(o, io.cwd)!), out, io.stdoutIsTTY ? io.columns ?? 80 : 80));
    } else if (s.dryRun) {
      for (const o of outcomes) io.stdout(report.unifiedDiff(o, io.cwd, out));
    }
    for (const o of outcomes) {
      const line = report.outcomeLine(o, io.cwd, !write && !s.interactive, err);
      if (line) io.stderr(line + '\n');
      if (s.explain) for (const l of report.explainLines(o, err)) io.stderr(l + '\n');
    }
    if (review)
      io.stderr(
        `applied ${review.applied.length} of ${review.applied.length + review.notApplied.length + review.notWritten.length} change(s)` +
          (review.notApplied.length ? `; not applied: ${review.notApplied.join(', ')}` : '') +
          (review.notWritten.length ? `; accepted but not written: ${review.notWritten.join(', ')}` : '') +
          '\n',
      );
    io.stderr(report.summaryLine(report.summarize(outcomes), err) + (interrupted ? ' (interrupted)' : '') + '\n');
  }

  let reportFailed = false;
  const writeReport = (file: string | undefined, make: () => string) => {
    if (!file) return;
    try {
      fs.writeFileSync(file, make());
    } catch (e) {
      io.stderr(`pep489-codemod: cannot write the report ${report.displayPath(file, io.cwd)} (${(e as NodeJS.ErrnoException).code ?? e})\n`);
      reportFailed = true;
    }
  };
  if (s.report) {
    const { markdownReport } = await import('../markdown-report');
    writeReport(s.report, () => markdownReport(outcomes, io.cwd, { dryRun: !write && !s.interactive, version: ctx.version }));
  }
  if (s.sarif) {
    const { sarifReport } = await import('../sarif');
    writeReport(s.sarif, () => JSON.stringify(sarifReport(outcomes, { cwd: io.cwd, version: ctx.version, dryRun: !write && !s.interactive }), null, 2) + '\n');
  }

  if (interrupted) return 130;
  if (reportFailed || outcomes.some((o) => o.inputError)) return EXIT.usage;
  if (outcomes.some((o) => o.status === 'failed')) return EXIT.failed;
  if (s.check && outcomes.some((o) => o.status === 'changed')) return EXIT.pending;
  return EXIT.ok;
}

/** `pep489-codemod -`: stdin to stdout (stdin-mode.ts). */
async function convertStdin(a: ConvertArgs, ctx: CommandContext, s: ReturnType<typeof settings>): Promise<number> {
  const { io } = ctx;
  if (s.paths.length > 1) {
    io.stderr('pep489-codemod: - (stdin) is the only path of its run; convert files in another run\n');
    return EXIT.usage;
  }
  if (s.interactive || s.stat || s.report || s.sarif) {
    io.stderr('pep489-codemod: - (stdin) prints one result: --interactive, --stat, --report and --sarif need files\n');
    return EXIT.usage;
  }
  const { runStdin } = await import('../stdin-mode');
  const filename = a.stdinFilename;
  const builds = filename ? await projectBuilds([path.resolve(io.cwd, filename)], a, ctx) : {};
  const verify = setting(a.verify, ctx.config?.verifyConverted, false);
  return runStdin(
    {
      filename,
      dryRun: s.dryRun,
      check: s.check,
      json: s.json,
      explain: s.explain,
      convert: Object.keys(builds).length ? { ...s.convert, builds } : s.convert,
      verify: verify
        ? async (o) => {
            const verified = await verifyOutcomes([o], a, ctx, false);
            return typeof verified === 'number' ? verified : verified[0];
          }
        : undefined,
    },
    ctx,
  );
}

/** Each module source's defines and include folders as the project's build gives them. */
async function projectBuilds(files: string[], a: ConvertArgs, ctx: CommandContext) {
  const { buildsForConversion } = await import('../../project/convert-inputs');
  const options = await verifyOptions(a, ctx.config);
  const sandbox = options.sandbox !== false;
  return buildsForConversion(
    files,
    {
      compileCommands: options.compileCommands,
      sandbox,
      cache: options.cache !== false,
      pythons: async () => (await import('../../project/discover')).setupReaders(options.python, options.cache),
      mayRunSetup: async () => !sandbox || (await (await import('../../verify/sandbox')).sandboxAvailable()).ok,
    },
    ctx.io.cwd,
  );
}

/**
 * --verify: the changed files are verified from memory, against their originals; those that pass
 * are written (when the run writes), those that fail are not (unless --keep-failed) and end `failed`
 * with the verifier's reason.
 */
async function verifyOutcomes(outcomes: FileOutcome[], a: ConvertArgs, ctx: CommandContext, write: boolean): Promise<FileOutcome[] | number> {
  const { verifyConverted } = await import('../../verify/command');
  const { VerifyEnvironmentError } = await import('../../verify/verify');
  const { writeOutcome } = await import('../runner');
  const { secondExecOf } = await import('../report');
  const changed = outcomes.filter((o) => o.status === 'changed');
  if (changed.length === 0) return outcomes;
  const options = await verifyOptions(a, ctx.config, setting(a.jobs, ctx.config?.jobs, undefined));
  let verdicts;
  try {
    verdicts = await verifyConverted(
      changed.map((o) => ({
        path: o.file,
        original: o.before!,
        converted: o.after!,
        expect: o.declared && {
          interpreters: o.declared.interpreters,
          gil: o.declared.gil,
          secondExecChosen: setting(a.oncePerProcess, ctx.config?.oncePerProcess, DEFAULT_OPTIONS.oncePerProcess) !== 'auto',
          secondExec: secondExecOf(o)?.kind,
        },
        module: o.module,
      })),
      options,
      { stdout: (t) => ctx.io.stderr(t), stderr: (t) => ctx.io.stderr(t), isTTY: ctx.io.stderrIsTTY },
    );
  } catch (e) {
    if (!(e instanceof VerifyEnvironmentError)) throw e;
    ctx.io.stderr(`pep489-codemod: cannot verify here: ${e.message}\n`);
    return EXIT.usage;
  }
  const byPath = new Map(verdicts.map((v) => [v.path, v]));
  return outcomes.map((o) => {
    const v = o.status === 'changed' ? byPath.get(o.file) : undefined;
    if (!v) return o;
    // --verify writes only what verified: a module its project does not build here is left as it was.
    if (v.verification?.notBuilt)
      return { ...o, status: 'unchanged' as const, reason: `not converted: it cannot be verified here, as ${v.verification.notBuilt}; convert it where it builds` };
    // How it was built, said with the verdict: from the project's build, or from the flags alone and why.
    const m = v.verification;
    const built = m?.build ? { verifyBuild: `built as the project builds it: ${m.build}` } : m?.buildProblem ? { verifyBuild: `built from the flags given only: ${m.buildProblem}` } : {};
    const why = (v.reason ?? '').replace(/^verification failed: /, '');
    if (v.ok || setting(a.keepFailed, ctx.config?.keepFailed, false)) {
      const done = { ...(write ? writeOutcome(o) : o), ...(v.warnings && { verifyWarnings: v.warnings }), ...built };
      return v.ok ? done : { ...done, status: 'failed' as const, reason: `verification failed (written anyway, --keep-failed): ${why}` };
    }
    return { ...o, ...built, status: 'failed' as const, reason: `verification failed, file left as it was: ${why}`, rule: 'verify' };
  });
}

export const convertCommand: CommandSpec<Yargs> = {
  command: '$0 [paths..]',
  describe: 'convert the C/C++ files given (directories are walked for .c .cc .cpp .cxx)',
  builder: (y) => verifyOptionsBuilder(builder(y)),
  run: (a, ctx) => runConvert(a as ConvertArgs, ctx),
  examples: [
    ['$0 --dry-run src/', 'show the diff for every module under src/'],
    ['$0 src/spam.c', 'convert src/spam.c in place'],
    ['$0 --verify src/', 'convert, and write only what builds, imports and passes every probe under each CPython'],
    ['$0 --check --json .', 'in CI: fail if any module is still single-phase'],
    ['$0 --gil not-used --interpreters per-interpreter-gil src/', 'declare free-threading and per-interpreter GIL support'],
    ['$0 --interactive src/', 'review each change and apply the ones you accept'],
    ['$0 --check --report summary.md --sarif codemod.sarif .', 'in CI: a job summary and code-scanning alerts'],
  ],
};
