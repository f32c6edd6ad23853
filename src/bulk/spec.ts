/**
 * The `bulk-pr` command for yargs, ready for src/commands/index.ts. No option has a yargs default:
 * an option not given arrives undefined, so `--resume` can take the recorded run's value instead
 * (the defaults are applied in args.ts and shown here as defaultDescription).
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import type { CommandSpec } from '../cli/commands/context';
import { GIL_CHOICES, INTERPRETER_CHOICES, NUMPY_IMPORT_CHOICES, ONCE_PER_PROCESS_CHOICES } from '../engine/options';
import type { BulkPrArgs } from './args';
import { GROUPS } from './plan';

const list = (v: string | string[] | undefined) => (v === undefined ? undefined : ([] as string[]).concat(v));

function builder(y: Argv) {
  return y
    .positional('repos', { type: 'string', array: true, describe: 'local git clones' })
    .option('out', { type: 'string', requiresArg: true, describe: 'folder for the PR bodies, the tracking issue and the state file (required)' })
    .option('group', { choices: GROUPS, defaultDescription: 'module', describe: 'one branch per module, per directory, or for the whole repository' })
    .option('branch-prefix', { type: 'string', requiresArg: true, defaultDescription: 'pep489/', describe: 'put before every branch name' })
    .option('template', { type: 'string', requiresArg: true, describe: 'folder with pr-title.txt, commit-message.txt, pr-body.md, tracking-issue.md to use instead of the built-in texts' })
    .option('dry-run', { type: 'boolean', describe: 'print the plan (repositories, modules, branches, PR titles) and change nothing' })
    .option('resume', { type: 'boolean', describe: "continue the run recorded in --out: its repositories and options, skipping what is done" })
    .option('push', { type: 'boolean', describe: 'push the branches to --remote (never forced)' })
    .option('remote', { type: 'string', requiresArg: true, defaultDescription: 'origin', describe: 'remote to push to' })
    .option('create-pr', { type: 'boolean', describe: 'push, then open one pull request per branch with gh (skipping branches that have one)' })
    .option('draft', { type: 'boolean', describe: 'open the pull requests as drafts' })
    .option('base', { type: 'string', requiresArg: true, defaultDescription: "the remote's default branch", describe: 'branch to start from and to open the pull requests against' })
    .option('sleep', { type: 'number', requiresArg: true, defaultDescription: '2', describe: 'seconds to wait between two pull requests' })
    .option('max-prs', { type: 'number', requiresArg: true, describe: 'open at most this many pull requests in this run' })
    .option('interpreters', { choices: INTERPRETER_CHOICES, defaultDescription: 'not-supported', describe: 'value of the Py_mod_multiple_interpreters slot' })
    .option('gil', { choices: GIL_CHOICES, defaultDescription: 'used', describe: 'value of the Py_mod_gil slot (a module that calls PyUnstable_Module_SetGIL keeps its own)' })
    .option('once-per-process', { choices: ONCE_PER_PROCESS_CHOICES, defaultDescription: 'auto', describe: "a second exec in one process: auto replays the first, always raises ImportError (numpy's guard), never runs again" })
    .option('drop-py2', { type: 'boolean', describe: 'remove the Python 2 side of every version conditional' })
    .option('numpy-import', { choices: NUMPY_IMPORT_CHOICES, defaultDescription: 'any', describe: 'how import_array()/import_umath() are rewritten' })
    .option('verify', { type: 'boolean', defaultDescription: 'when a CPython and bubblewrap are found', describe: 'build, import and probe each module under every CPython found before committing it; failures are left out' })
    .option('python', {
      type: 'string',
      requiresArg: true,
      describe: 'verify with this CPython (repeatable): a path, a name on PATH, a label (3.12, 3.11.7#2, 3.13t), a version, or a cibuildwheel selector (cp312, "cp3*")',
    })
    .option('include-dir', { alias: 'I', type: 'string', requiresArg: true, describe: "header folder, relative to each repository's top (repeatable)" })
    .option('define', { alias: 'D', type: 'string', requiresArg: true, describe: 'preprocessor define for verifying builds (repeatable)' })
    .option('timeout', { type: 'number', requiresArg: true, defaultDescription: '30', describe: 'seconds allowed per probe step' })
    .option('sandbox', { type: 'boolean', describe: 'run probes in bubblewrap (--no-sandbox: unconfined)' })
    .option('cache', { type: 'boolean', describe: 'reuse builds and passing results (--no-cache: build again)' })
    .group(['out', 'group', 'branch-prefix', 'template', 'dry-run', 'resume'], 'Branches and texts:')
    .group(['push', 'remote', 'create-pr', 'draft', 'base', 'sleep', 'max-prs'], 'Publishing:')
    .group(['interpreters', 'gil', 'once-per-process', 'drop-py2', 'numpy-import'], 'What the modules declare:')
    .group(['verify', 'python', 'include-dir', 'define', 'timeout', 'sandbox', 'cache'], 'Verification:');
}

type Yargs = ReturnType<typeof builder> extends Argv<infer A> ? A : never;

/** The parsed command line as runBulkPrCommand's arguments. */
export function toBulkPrArgs(a: ArgumentsCamelCase<Yargs>): BulkPrArgs {
  return {
    repos: list(a.repos),
    out: a.out,
    group: a.group,
    branchPrefix: a.branchPrefix,
    template: a.template,
    dryRun: a.dryRun,
    resume: a.resume,
    push: a.push,
    remote: a.remote,
    createPr: a.createPr,
    draft: a.draft,
    base: a.base,
    sleep: a.sleep,
    maxPrs: a.maxPrs,
    interpreters: a.interpreters,
    gil: a.gil,
    oncePerProcess: a.oncePerProcess,
    dropPy2: a.dropPy2,
    numpyImport: a.numpyImport,
    verify: a.verify,
    python: list(a.python),
    includeDir: list(a.includeDir),
    define: list(a.define),
    timeout: a.timeout,
    sandbox: a.sandbox,
    cache: a.cache,
  };
}

export const bulkPrCommand: CommandSpec<Yargs> = {
  command: 'bulk-pr [repos..]',
  describe: 'convert the single-phase modules of several clones on new branches, with PR texts and a tracking issue; optionally push and open the PRs',
  builder,
  examples: [
    ['$0 bulk-pr ~/src/spam ~/src/eggs --out pep489-prs', 'branches pep489/<module> in each clone, PR bodies and tracking-issue.md in pep489-prs/'],
    ['$0 bulk-pr ~/src/spam ~/src/eggs --out pep489-prs --create-pr --draft', 'the same run again: push the branches and open draft PRs with gh'],
  ],
  async run(args, ctx) {
    const { runBulkPrCommand } = await import('./command');
    return runBulkPrCommand(toBulkPrArgs(args), { stdout: (s) => ctx.io.stdout(s), stderr: (s) => ctx.io.stderr(s), cwd: ctx.io.cwd, env: ctx.io.env }, { version: ctx.version });
  },
};
