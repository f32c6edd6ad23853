/**
 * The command line: options in, exit code out. Conversion lives in the engine and runner; this file
 * only wires options to them and prints. Heavy modules are required lazily so `--help` stays fast.
 *
 * Exit codes: 0 all good; 1 `--check` found pending changes; 2 usage or input error; 3 a file was
 * refused or failed.
 */
import type { Argv } from 'yargs';
import { GIL_CHOICES, INTERPRETER_CHOICES } from './options';
import type { ConvertOptions, GilChoice, InterpretersChoice } from './options';

export const EXIT = { ok: 0, pending: 1, usage: 2, failed: 3 } as const;

export interface Io {
  stdout: (s: string | Uint8Array) => void;
  stderr: (s: string) => void;
  cwd: string;
}

const defaultIo = (): Io => ({
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  cwd: process.cwd(),
});

interface ConvertArgs {
  paths: string[];
  dryRun: boolean;
  check: boolean;
  json: boolean;
  interpreters: InterpretersChoice;
  gil: GilChoice;
}

async function runConvert(args: ConvertArgs, io: Io): Promise<number> {
  const { findFiles, MissingPathError } = await import('./files');
  const { convertFiles } = await import('./runner');
  const report = await import('./report');
  const { cleanUpPendingWrites } = await import('./write');

  let files: string[];
  try {
    files = findFiles(args.paths, io.cwd);
  } catch (e) {
    if (e instanceof MissingPathError) {
      io.stderr(`pep489-codemod: ${e.message}; check the path and try again\n`);
      return EXIT.usage;
    }
    throw e;
  }
  const write = !args.dryRun && !args.check;
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  const convert: ConvertOptions = { interpreters: args.interpreters, gil: args.gil };
  let outcomes;
  try {
    outcomes = await convertFiles(files, { convert, write, interrupted: () => interrupted });
  } finally {
    process.off('SIGINT', onSigint);
    cleanUpPendingWrites();
  }

  if (args.json) {
    io.stdout(report.jsonReport(outcomes, io.cwd, args.dryRun));
  } else {
    if (args.dryRun) for (const o of outcomes) io.stdout(report.unifiedDiff(o, io.cwd));
    for (const o of outcomes) {
      const line = report.outcomeLine(o, io.cwd, !write);
      if (line) io.stderr(line + '\n');
    }
    io.stderr(report.summaryLine(report.summarize(outcomes)) + (interrupted ? ' (interrupted)' : '') + '\n');
  }
  if (interrupted) return 130;
  if (outcomes.some((o) => o.inputError)) return EXIT.usage;
  if (outcomes.some((o) => o.status === 'failed')) return EXIT.failed;
  if (args.check && outcomes.some((o) => o.status === 'changed')) return EXIT.pending;
  return EXIT.ok;
}

function packageVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      return (require(rel) as { version: string }).version;
    } catch {
      /* try the next layout: src/ in a checkout, dist/src/ when built */
    }
  }
  return 'unknown';
}

export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const yargs = (await import('yargs/yargs')).default;
  let exitCode: number = EXIT.ok;
  let failed = false;
  const parser: Argv = yargs(argv)
    .scriptName('pep489-codemod')
    .usage(
      '$0 [options] <paths...>\n\nConvert CPython extension modules from single-phase init (PyInit_x calling PyModule_Create)\nto multi-phase init (PEP 489). Files are converted in place unless --dry-run or --check.',
    )
    .command(
      '$0 [paths..]',
      'convert the C/C++ files given (directories are walked for .c .cc .cpp .cxx)',
      (y) =>
        y
          .positional('paths', { type: 'string', array: true, describe: 'files or directories' })
          .option('dry-run', { type: 'boolean', default: false, describe: 'print a unified diff and write nothing' })
          .option('check', { type: 'boolean', default: false, describe: 'write nothing; exit 1 if any file would change' })
          .option('json', { type: 'boolean', default: false, describe: 'print one JSON report on stdout' })
          .option('interpreters', {
            choices: INTERPRETER_CHOICES,
            default: 'not-supported' as InterpretersChoice,
            describe: 'value of the Py_mod_multiple_interpreters slot',
          })
          .option('gil', {
            choices: GIL_CHOICES,
            default: 'used' as GilChoice,
            describe: 'value of the Py_mod_gil slot (a module that calls PyUnstable_Module_SetGIL keeps its own)',
          }),
      async (a) => {
        // yargs still calls the handler after a validation failure when it does not exit the process.
        if (failed) return;
        if (!a.paths?.length) {
          io.stderr('pep489-codemod: no paths given; name the files or directories to convert (see --help)\n');
          exitCode = EXIT.usage;
          return;
        }
        exitCode = await runConvert(
          { paths: a.paths, dryRun: a.dryRun, check: a.check, json: a.json, interpreters: a.interpreters, gil: a.gil },
          io,
        );
      },
    )
    .example('$0 --dry-run src/', 'show the diff for every module under src/')
    .example('$0 src/spam.c', 'convert src/spam.c in place')
    .example('$0 --check --json .', 'in CI: fail if any module is still single-phase')
    .example('$0 --gil not-used --interpreters per-interpreter-gil src/', 'declare free-threading and per-interpreter GIL support')
    .strict()
    .version(packageVersion())
    .help()
    .alias('h', 'help')
    .wrap(Math.min(100, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      failed = true;
      if (err && !msg) throw err;
      io.stderr(`pep489-codemod: ${msg}\nRun "pep489-codemod --help" for usage.\n`);
    });
  const out: string[] = [];
  await parser.parseAsync(argv, {}, (_err, _argv, output) => {
    if (output) out.push(output);
  });
  if (out.length) io.stdout(out.join('\n') + '\n');
  return failed ? EXIT.usage : exitCode;
}
