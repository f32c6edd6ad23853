/**
 * The command line: options in, exit code out. Each command is a CommandSpec (src/commands/); this
 * file registers them with yargs, adds the global options (--config, --no-config, --color), loads
 * pyproject.toml for whichever command runs, and turns usage errors into exit code 2. Heavy modules
 * are required lazily so `--help` stays fast.
 *
 * Exit codes: 0 all good; 1 `--check` found pending changes; 2 usage or input error (a bad config
 * file included); 3 a file was refused or failed.
 */
import type { Argv } from 'yargs';
import { COLOR_CHOICES } from './color';
import type { ColorChoice } from './color';
import { COMMANDS } from './commands';
import { EXIT } from './commands/context';
import type { CommandContext, CommandSpec, Io } from './commands/context';

export { EXIT };
export type { Io, CommandContext, CommandSpec };

function isatty(fd: number): boolean {
  return (require('node:tty') as typeof import('node:tty')).isatty(fd);
}

const defaultIo = (): Io => ({
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  cwd: process.cwd(),
  env: process.env,
  stdinIsTTY: isatty(0),
  stdoutIsTTY: isatty(1),
  stderrIsTTY: isatty(2),
  columns: process.stderr.columns || process.stdout.columns || 80,
  stdin: () => process.stdin,
});

export { packageVersion } from './version';
import { jsonDocument, packageVersion } from './version';

interface GlobalArgs {
  config?: string | false;
  color?: ColorChoice;
}

/** Loads the config for the command about to run; a bad config file is a usage error (exit 2). */
async function runCommand(spec: CommandSpec, args: GlobalArgs & Record<string, unknown>, io: Io): Promise<number> {
  const { loadConfig, ConfigError } = await import('./config');
  const { displayPath } = await import('./report');
  let config;
  try {
    config = loadConfig({ config: args.config }, io.cwd, (f) => displayPath(f, io.cwd));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.stderr(`pep489-codemod: ${e.message}\n`);
    return EXIT.usage;
  }
  const ctx: CommandContext = { io, config, colorFlag: args.color, version: packageVersion() };
  return spec.run(args as never, ctx);
}

/** Options (and positionals) that collect every value given; all others take the last one. */
const REPEATABLE = new Set([
  '_', 'paths', 'repos', 'python', 'include-dir', 'includeDir', 'I', 'define', 'D', 'source', 'link', 'pythonpath', 'exclude', 'include',
]);

import { STDIN_PATH } from './stdin-mode';

/** Options whose value is Python code, which may start with `-` (`--smoke "-1 < spam.x()"`). */
const CODE_VALUED = new Set(['--smoke']);

/**
 * `--smoke -1 < x` as `--smoke=-1 < x`: yargs takes a next word starting with `-` for an option,
 * not a value, and would report "Unknown argument: 1". A code-valued option always takes the next
 * word, as its user meant.
 */
export function joinCodeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') return [...out, ...argv.slice(i)];
    if (CODE_VALUED.has(argv[i]) && i + 1 < argv.length) out.push(`${argv[i]}=${argv[++i]}`);
    // yargs drops a bare `-`: it travels as STDIN_PATH.
    else out.push(argv[i] === '-' ? STDIN_PATH : argv[i]);
  }
  return out;
}

export async function main(rawArgv: string[], given: Io = defaultIo()): Promise<number> {
  const argv = joinCodeValues(rawArgv);
  // Under --json a usage error is a JSON document on stdout too (what it says on stderr, and exit 2),
  // so a caller reading stdout is never left with nothing to parse.
  const wantsJson = argv.includes('--json');
  let wroteStdout = false;
  const said: string[] = [];
  const io: Io = {
    ...given,
    stdout: (s) => {
      wroteStdout = true;
      given.stdout(s);
    },
    stderr: (s) => {
      said.push(s);
      given.stderr(s);
    },
  };
  const code = await mainWith(argv, io);
  if (wantsJson && code === EXIT.usage && !wroteStdout) {
    const command = (['verify', 'audit', 'bulk-pr'] as const).find((c) => argv.includes(c));
    const error = said.join('').trim().split('\n').filter((l) => !l.startsWith('Run "pep489-codemod --help"')).join('\n').replace(/^pep489-codemod( \w+)?: /, '');
    given.stdout(jsonDocument(command ?? 'convert', { error, exit: EXIT.usage }));
  }
  return code;
}

async function mainWith(argv: string[], io: Io): Promise<number> {
  const yargs = (await import('yargs/yargs')).default;
  let exitCode: number = EXIT.ok;
  let failed = false;
  let parser: Argv = yargs(argv)
    .scriptName('pep489-codemod')
    .usage(
      '$0 [options] <paths...>\n\nConvert CPython extension modules from single-phase init (PyInit_x calling PyModule_Create)\nto multi-phase init (PEP 489). Files are converted in place unless --dry-run or --check.\nSettings can also live in [tool.pep489-codemod] of pyproject.toml; the command line wins.',
    )
    .option('config', {
      type: 'string',
      describe: 'read settings from this TOML file instead of the nearest pyproject.toml (--no-config: none)',
    })
    .option('color', {
      choices: COLOR_CHOICES,
      defaultDescription: 'auto',
      describe: 'colour diffs and summaries (auto: on a terminal; --no-color: never)',
      coerce: (v: unknown) => (v === false ? 'never' : v === true ? 'always' : v),
    })
    .group(['config', 'color', 'help', 'version'], 'General:')
    // An option given twice that is not meant to repeat: the last one wins, as in git and ruff
    // (yargs would hand over an array, and `--gil used --gil not-used` wrote `{Py_mod_gil, undefined}`).
    .middleware((a) => {
      for (const [key, value] of Object.entries(a)) if (Array.isArray(value) && !REPEATABLE.has(key)) a[key] = value[value.length - 1];
    }, true);
  for (const spec of COMMANDS) {
    parser = parser.command(spec.command, spec.describe, spec.builder, async (a) => {
      // yargs still calls the handler after a validation failure when it does not exit the process.
      if (failed) return;
      exitCode = await runCommand(spec, a as GlobalArgs & Record<string, unknown>, io);
    });
    for (const [cmd, what] of spec.examples ?? []) parser = parser.example(cmd, what);
  }
  parser = parser
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
