/**
 * `pep489-codemod bulk-pr <repo-dir>... --out <dir>`: for each local clone, convert its single-phase
 * modules on new branches made from the tip of its default branch, in a temporary worktree; write a
 * pull request body per branch and a tracking issue; with --push and --create-pr, publish them.
 *
 * The user's checkout is never touched: files are read from the commit, commits are made in the
 * worktree and only a new branch ref appears. Every step done is recorded in the state file, so a
 * second run does nothing new and --resume continues after a failure.
 */
import { packageVersion } from '../cli/version';
import fs from 'node:fs';
import path from 'node:path';
import { resolveArgs, UsageError, type BulkPrArgs, type Resolved } from './args';
import { Gh } from './gh';
import { Git, validBranchName } from './git';
import { trackingIssue } from './pr-body';
import { planOnly, processRepo } from './repo';
import type { BulkDeps, BulkIo, Run } from './run';
import { acquireLock, saveState, settingsDiff, StateError, type BulkState } from './state';
import { loadTemplates, TemplateError, type Templates } from './templates';
import { chooseVerifier } from './verify-step';
import { onInterrupt, Worktrees } from './worktree';

export type { BulkPrArgs } from './args';
export type { BulkDeps, BulkIo } from './run';

const EXIT = { ok: 0, usage: 2, failed: 3 } as const;

export async function runBulkPrCommand(args: BulkPrArgs, io: BulkIo, deps: BulkDeps = {}): Promise<number> {
  const env = io.env ?? process.env;
  const git = new Git(env);
  const tool = `pep489-codemod ${deps.version ?? packageVersion()}`;
  let r: Resolved;
  let state: BulkState | undefined;
  let templates: Templates;
  try {
    ({ r, state } = resolveArgs(args, io.cwd));
    templates = loadTemplates(r.template);
    if (!(await validBranchName(git, io.cwd, `${r.settings.branchPrefix}x`))) {
      throw new UsageError(`--branch-prefix ${r.settings.branchPrefix}: git does not accept branch names starting with it`);
    }
    if (state) {
      const diff = settingsDiff(state.settings, r.settings);
      if (diff.length > 0) {
        throw new UsageError(`${r.out} holds the state of a run made with other settings: ${diff.join(', ')}; use the same settings, or another --out`);
      }
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof StateError || e instanceof TemplateError) {
      io.stderr(`pep489-codemod bulk-pr: ${e.message}\n`);
      return EXIT.usage;
    }
    throw e;
  }

  const run: Run = {
    r,
    io,
    git,
    state: state ?? newState(r, tool),
    templates,
    worktrees: new Worktrees(git, env.TMPDIR || undefined),
    tool,
    sleep: deps.sleep ?? ((ms) => new Promise((res) => setTimeout(res, ms))),
    counts: { created: 0, existing: 0, pushed: 0, opened: 0, prsFound: 0, prsPending: 0, leftOut: 0, failed: 0 },
  };

  // `alpha` and `alpha/src` are one repository: it is done once.
  const repos: string[] = [];
  const tops = new Map<string, string>();
  for (const repo of r.repos) {
    const top = await git.maybe(repo, ['rev-parse', '--show-toplevel']).catch(() => undefined);
    const key = top && fs.existsSync(top) ? fs.realpathSync(top) : path.resolve(repo);
    const first = tops.get(key);
    if (first !== undefined) {
      io.stdout(`${repo}: skipped: the same repository as ${first}\n`);
      continue;
    }
    tops.set(key, repo);
    repos.push(repo);
  }

  if (r.dryRun) {
    io.stdout('bulk-pr --dry-run: the plan; nothing is changed anywhere\n');
    for (const repo of repos) await planOnly(run, repo);
    summary(run);
    return run.counts.failed > 0 ? EXIT.failed : EXIT.ok;
  }

  // Everything that can stop the run is checked before any repository is touched.
  if (r.createPr) {
    run.gh = new Gh(env);
    const why = await run.gh.unusable(io.cwd);
    if (why) {
      io.stderr(`pep489-codemod bulk-pr: --create-pr: ${why}; nothing was done\n`);
      return EXIT.usage;
    }
  }
  const choice = deps.verifier !== undefined ? (deps.verifier ? { verifier: deps.verifier, describe: 'verifying each module' } : { off: 'verification turned off' }) : await chooseVerifier({ ...r, includeDirs: r.includeDirs });
  if ('error' in choice) {
    io.stderr(`pep489-codemod bulk-pr: ${choice.error}\n`);
    return EXIT.usage;
  }
  if ('verifier' in choice) {
    run.verifier = choice.verifier;
    io.stdout(`${choice.describe}\n`);
  } else {
    run.notVerified = choice.off;
    io.stdout(`not verifying: ${choice.off}\n`);
  }

  fs.mkdirSync(r.out, { recursive: true });
  const lock = acquireLock(r.out);
  if ('heldBy' in lock) {
    io.stderr(`pep489-codemod bulk-pr: another bulk-pr run (pid ${lock.heldBy}) is using ${r.out}; wait for it, or use another --out\n`);
    return EXIT.usage;
  }
  run.state.args = r.recorded;
  run.state.run = { startedAt: new Date().toISOString(), complete: false, failed: 0 };
  saveState(r.out, run.state);
  const uninstall = onInterrupt(() => {
    const left = run.worktrees.count;
    run.worktrees.removeAllSync();
    saveState(r.out, run.state);
    lock.release();
    io.stderr(`\npep489-codemod bulk-pr: interrupted; removed ${left} temporary worktree(s); run again with --resume to continue\n`);
  });
  try {
    for (const repo of repos) {
      try {
        await processRepo(run, repo);
      } catch (e) {
        // One repository's unexpected failure does not stop the others.
        run.counts.failed++;
        io.stderr(`${repo}: FAILED: ${(e as Error).message}\n`);
        const rec = Object.values(run.state.repos).find((x) => x.path === repo);
        if (rec) Object.assign(rec, { status: 'failed', reason: (e as Error).message });
      }
      saveState(r.out, run.state);
    }
    fs.writeFileSync(path.join(r.out, 'tracking-issue.md'), trackingIssue(templates, run.state, tool));
    run.state.run = { ...run.state.run, finishedAt: new Date().toISOString(), complete: run.counts.failed === 0, failed: run.counts.failed };
    saveState(r.out, run.state);
  } finally {
    run.worktrees.removeAllSync();
    uninstall();
    lock.release();
  }
  summary(run);
  io.stdout(`PR bodies and the tracking issue: ${path.join(r.out, 'tracking-issue.md')}\n`);
  return run.counts.failed > 0 ? EXIT.failed : EXIT.ok;
}

function newState(r: Resolved, tool: string): BulkState {
  return { version: 1, tool, settings: r.settings, args: r.recorded, run: { startedAt: new Date().toISOString(), complete: false, failed: 0 }, repos: {} };
}


function summary(run: Run): void {
  const c = run.counts;
  const would = run.r.dryRun ? 'would be ' : '';
  const parts = [`${c.created} branch(es) ${would}created`, `${c.existing} already there`];
  if (!run.r.dryRun && run.r.push) parts.push(`${c.pushed} pushed`);
  if (!run.r.dryRun && run.r.createPr) parts.push(`${c.opened} pull request(s) opened`, `${c.prsFound} found already open`);
  if (c.prsPending) parts.push(`${c.prsPending} pull request(s) left for the next run (--max-prs ${run.r.maxPrs})`);
  if (c.leftOut) parts.push(`${c.leftOut} module(s) left out`);
  if (c.failed) parts.push(`${c.failed} failure(s)`);
  run.io.stdout(`bulk-pr: ${parts.join(', ')}\n`);
}
