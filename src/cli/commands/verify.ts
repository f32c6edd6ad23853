/** `pep489-codemod verify <paths...>`: prove modules that are already multi-phase (see src/verify/). */
import type { Argv } from 'yargs';
import { GIL_CHOICES, INTERPRETER_CHOICES } from '../../engine/options';
import type { GilChoice, InterpretersChoice } from '../../engine/options';
import { stdoutColors, type CommandSpec } from './context';
import { setting } from './context';
import { VerifyFlags, verifyOptions, verifyOptionsBuilder } from './verify-options';

interface VerifyArgs extends VerifyFlags {
  paths?: string[];
  original?: string;
  json?: boolean;
  jobs?: number;
  interpreters?: InterpretersChoice;
  gil?: GilChoice;
}

export const verifyCommand: CommandSpec<VerifyArgs> = {
  command: 'verify [paths..]',
  describe: 'build and import multi-phase modules under every CPython found, in a sandbox, and probe them',
  builder: (y: Argv) =>
    verifyOptionsBuilder(y)
      .positional('paths', { type: 'string', array: true, describe: 'module sources or directories' })
      .option('original', { type: 'string', describe: 'the single-phase original, for the surface probe (default: git HEAD)' })
      .option('json', { type: 'boolean', describe: 'print the verification matrix as JSON' })
      .option('jobs', { type: 'number', describe: 'modules verified side by side (default: number of cores)' })
      .option('interpreters', { choices: INTERPRETER_CHOICES, describe: 'fail unless the modules declare this Py_mod_multiple_interpreters value' })
      .option('gil', { choices: GIL_CHOICES, describe: 'fail unless the modules declare this Py_mod_gil value' }) as Argv<VerifyArgs>,
  examples: [
    ['$0 verify src/', 'build, import and probe every module under src/ with each CPython found'],
    ['$0 verify --python python3.12 --smoke "spam.system(\'true\') == 0" src/spam.c', 'one interpreter, with a smoke test'],
  ],
  async run(args, ctx) {
    const { runVerifyCommand } = await import('../../verify/command');
    if (!args.paths?.length) {
      ctx.io.stderr('pep489-codemod verify: no paths given; name the module sources or directories to verify\n');
      return 2;
    }
    const jobs = setting(args.jobs, ctx.config?.jobs, undefined);
    const options = await verifyOptions(args, ctx.config, jobs);
    return runVerifyCommand(
      {
        ...options,
        paths: args.paths,
        original: args.original,
        json: args.json,
        interpreters: args.interpreters,
        gil: args.gil,
        cwd: ctx.io.cwd,
      },
      { stdout: (s) => ctx.io.stdout(s), stderr: (s) => ctx.io.stderr(s), isTTY: ctx.io.stderrIsTTY, colors: await stdoutColors(ctx) },
    );
  },
};
