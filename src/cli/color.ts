/**
 * Whether to colour a stream, and the colours. In order: `--color always|never|auto` wins (auto: a
 * terminal decides; `--no-color` is never); then the
 * environment (`NO_COLOR` non-empty turns colour off, https://no-color.org; `FORCE_COLOR` turns it
 * on even into a pipe, `FORCE_COLOR=0` off); then `color` from pyproject.toml; then whether the
 * stream is a terminal (and TERM is not `dumb`).
 */
import { createColors } from 'picocolors';

export const COLOR_CHOICES = ['auto', 'always', 'never'] as const;
export type ColorChoice = (typeof COLOR_CHOICES)[number];

export type Colors = ReturnType<typeof createColors>;

export interface ColorInputs {
  /** `--color` on the command line. */
  flag?: ColorChoice;
  /** `color` from the config file. */
  config?: ColorChoice;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
}

export function colorEnabled({ flag, config, env, isTTY }: ColorInputs): boolean {
  if (flag === 'always') return true;
  if (flag === 'never') return false;
  // An explicit `--color auto` overrides the environment too: only the terminal decides.
  if (flag === 'auto') return isTTY && env.TERM !== 'dumb';
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !(force === '0' || force === 'false');
  if (config === 'always') return true;
  if (config === 'never') return false;
  return isTTY && env.TERM !== 'dumb';
}

export function colors(enabled: boolean): Colors {
  return createColors(enabled);
}

/** Colours one line of a unified diff the way git does. */
export function colorDiffLine(line: string, c: Colors): string {
  if (line.startsWith('--- ') || line.startsWith('+++ ')) return c.bold(line);
  if (line.startsWith('@@')) return c.cyan(line);
  if (line.startsWith('+')) return c.green(line);
  if (line.startsWith('-')) return c.red(line);
  return line;
}
