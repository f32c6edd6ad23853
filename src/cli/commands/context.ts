/**
 * What every command gets: the streams, the settings from pyproject.toml (already loaded and
 * checked), and the global options. A command is a CommandSpec in ./index.ts; src/cli.ts registers
 * each one as a yargs command and loads the config before its `run`.
 */
import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { ColorChoice } from '../color';
import type { Config } from '../config';

export const EXIT = { ok: 0, pending: 1, usage: 2, failed: 3 } as const;

export interface Io {
  stdout: (s: string | Uint8Array) => void;
  stderr: (s: string) => void;
  cwd: string;
  /** The environment (NO_COLOR, FORCE_COLOR, TERM); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Whether each stream is a terminal; default: asked of file descriptors 0, 1, 2. */
  stdinIsTTY?: boolean;
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
  /** Width of the terminal, for the progress line and --stat. */
  columns?: number;
  /** The input answers are read from (--interactive); default process.stdin. */
  stdin?: () => NodeJS.ReadableStream;
}

export interface CommandContext {
  io: Io;
  /** `[tool.pep489-codemod]` from the nearest pyproject.toml (or --config), null with --no-config or none found. */
  config: Config | null;
  /** `--color` from the command line (the config's `color` is in `config`). */
  colorFlag?: ColorChoice;
  version: string;
}

export interface CommandSpec<A = object> {
  /** The yargs command string, e.g. `audit [paths..]`; `$0 [paths..]` for the default command. */
  command: string;
  describe: string;
  builder: (y: Argv) => Argv<A>;
  /** Returns the exit code. Options the config can also set arrive undefined when not given on the command line. */
  run: (args: ArgumentsCamelCase<A>, ctx: CommandContext) => Promise<number>;
  examples?: [string, string][];
}

/** A command-line value if given, else the config file's, else the default. */
export function setting<T>(flag: T | undefined, config: T | undefined, fallback: T): T {
  return flag !== undefined ? flag : config !== undefined ? config : fallback;
}

/** Repeatable string options arrive as a string or an array of them. */
export function stringList(v: string | string[] | undefined): string[] | undefined {
  return v === undefined ? undefined : ([] as string[]).concat(v);
}

/** The colours for stdout under the command's --color, the environment and pyproject.toml (color.ts). */
export async function stdoutColors(ctx: CommandContext): Promise<import('../color').Colors> {
  const { colorEnabled, colors } = await import('../color');
  return colors(colorEnabled({ flag: ctx.colorFlag, config: ctx.config?.color, env: ctx.io.env ?? process.env, isTTY: ctx.io.stdoutIsTTY ?? false }));
}
