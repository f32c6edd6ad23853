/** `pep489-codemod audit <paths...>`: what stands between each module and subinterpreters (read-only). */
import type { Argv } from 'yargs';
import { stdoutColors, type CommandSpec } from './context';

interface AuditArgs {
  paths?: string[];
  json?: boolean;
}

export const auditCommand: CommandSpec<AuditArgs> = {
  command: 'audit [paths..]',
  describe: 'list process-global state per module and the Py_mod_multiple_interpreters value it has earned',
  builder: (y: Argv) =>
    y
      .positional('paths', { type: 'string', array: true, describe: 'files or directories' })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON report' }) as Argv<AuditArgs>,
  examples: [['$0 audit src/', 'what keeps each module under src/ from isolated subinterpreters']],
  async run(args, ctx) {
    const { runAuditCommand } = await import('../../audit/command');
    const { MissingPathError } = await import('../files');
    if (!args.paths?.length) {
      ctx.io.stderr('pep489-codemod audit: no paths given; name the files or directories to audit\n');
      return 2;
    }
    try {
      return await runAuditCommand(
        { paths: args.paths, json: !!args.json },
        { stdout: (s) => ctx.io.stdout(s), stderr: ctx.io.stderr, cwd: ctx.io.cwd, colors: args.json ? undefined : await stdoutColors(ctx) },
      );
    } catch (e) {
      if (!(e instanceof MissingPathError)) throw e;
      ctx.io.stderr(`pep489-codemod: ${e.message}; check the path and try again\n`);
      return 2;
    }
  },
};
