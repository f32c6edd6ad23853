/**
 * One repository, end to end: the plan (--dry-run stops there), then in a temporary worktree each
 * branch's modules converted again from the commit, verified, committed on the base, and the branch
 * created; then the PR bodies, and with --push / --create-pr the publishing (publish.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { identity } from './git';
import { branchStatus, convert, facts, groupLeftOut, inspect, refusal, repoRecord, uniqueFolder, type Found } from './inspect';
import { bodyFileName, type BranchPlan, type LeftOut, type ModulePlan } from './plan';
import { branchTitle, commitMessage, prBody, type ModuleFacts, type VerifyVerdict } from './pr-body';
import { openPrs, pushBranches } from './publish';
import { short, type Run } from './run';
import { saveState, type RepoState } from './state';
import { secondExecOf } from '../cli/report';

/** `main at abc1234 (origin/main; local main has 2 unpushed commit(s), left out)`. */
function baseLine(b: Found['base']): string {
  const from = b.ref.replace(/^refs\/(remotes|heads)\//, '');
  const unpushed = b.unpushed ? `; local ${b.branch} has ${b.unpushed} unpushed commit(s), left out` : '';
  return `${b.branch ?? 'HEAD'} at ${short(b.commit)} (${from}${unpushed})`;
}

export async function planOnly(run: Run, repo: string): Promise<void> {
  const { io, r } = run;
  const seen = await inspect(run, repo);
  if ('failed' in seen) {
    run.counts.failed++;
    io.stdout(`${repo}: would fail: ${seen.failed}\n`);
    return;
  }
  if ('skipped' in seen) {
    io.stdout(`${repo}: skipped: ${seen.skipped}\n`);
    return;
  }
  const f = seen.found;
  const rec = run.state.repos[f.top];
  io.stdout(`${f.folder} (${f.top}): ${baseLine(f.base)}, ${f.modules.length} module(s) to convert\n`);
  for (const b of f.branches) {
    const status = await branchStatus(run, f.top, f.base.commit, b, rec?.branches[b.name]);
    const mods = b.modules.map((m) => `${m.module} (${m.file})`).join(', ');
    if ('conflict' in status) {
      run.counts.failed++;
      io.stdout(`  would fail ${b.name}: ${status.conflict}\n`);
      continue;
    }
    const done = rec?.branches[b.name];
    if (!status.todo) run.counts.existing++;
    else run.counts.created++;
    io.stdout(`  ${status.todo ? 'would create' : 'exists'} ${b.name}: ${mods}\n`);
    for (const m of b.modules) {
      const failed = rec?.leftOut.find((l) => l.kind === 'verification' && l.file === m.file && l.blob === m.blob);
      if (failed && status.todo) io.stdout(`    ${m.file} failed verification in an earlier run (${failed.reason}): it is verified again, or left out\n`);
    }
    const title = done?.title ?? branchTitle(run.templates, facts(run, f, b, b.modules, []));
    io.stdout(`    title: ${title}\n`);
    if (r.push && !(done?.pushed && !status.todo)) io.stdout(`    would push to ${r.remote}\n`);
    if (r.createPr && !done?.pr) io.stdout(`    would open a pull request (unless ${r.remote} has one for ${b.name})${r.draft ? ', as a draft' : ''}\n`);
    else if (done?.pr) io.stdout(`    pull request: ${done.pr.url}\n`);
  }
  for (const l of f.refused) {
    run.counts.leftOut++;
    io.stdout(`  left out ${l.file}${l.module ? ` (${l.module})` : ''}: ${l.reason}\n`);
  }
  if (f.branches.length > 0) io.stdout(`  would write a PR body per new branch in ${path.join(r.out, f.folder)}\n`);
}

export async function processRepo(run: Run, repo: string): Promise<void> {
  const { io, git, r, state } = run;
  const seen = await inspect(run, repo);
  if (!('found' in seen)) {
    const failed = 'failed' in seen;
    const key = seen.top ?? repo;
    const rec = repoRecord(run, repo, key, state.repos[key]?.folder ?? uniqueFolder(state, path.basename(repo)));
    rec.status = failed ? 'failed' : 'skipped';
    rec.reason = failed ? seen.failed : seen.skipped;
    if (failed) {
      run.counts.failed++;
      io.stderr(`${repo}: FAILED: ${seen.failed}\n`);
    } else io.stdout(`${repo}: skipped: ${seen.skipped}\n`);
    return;
  }
  const f = seen.found;
  const rec = repoRecord(run, repo, f.top, f.folder);
  if (r.push && !(await git.maybe(f.top, ['remote', 'get-url', r.remote]))) {
    // Found before any branch is made, not when the push fails.
    Object.assign(rec, { status: 'failed', reason: `no remote named ${r.remote} to push to: add it (git remote add ${r.remote} <url>), or pass --remote` });
    run.counts.failed++;
    io.stderr(`${repo}: FAILED: ${rec.reason}\n`);
    return;
  }
  Object.assign(rec, { status: 'ok', reason: undefined, base: f.base.branch, baseCommit: f.base.commit });
  io.stdout(`${f.folder} (${f.top}): ${baseLine(f.base)}, ${f.modules.length} module(s) to convert\n`);

  // Verification failures from an earlier run stay left out unless this run can verify again.
  const earlier = new Map(rec.leftOut.filter((l) => l.kind === 'verification').map((l) => [`${l.file}\0${l.blob}`, l]));
  const leftOut: LeftOut[] = [...f.refused];
  const todo: BranchPlan[] = [];
  for (const b of f.branches) {
    const status = await branchStatus(run, f.top, f.base.commit, b, rec.branches[b.name]);
    if ('conflict' in status) {
      run.counts.failed++;
      io.stderr(`${f.folder}: ${b.name}: FAILED: ${status.conflict}\n`);
    } else if (status.todo) todo.push(b);
    else {
      run.counts.existing++;
      io.stdout(`  exists  ${b.name} ${status.note}\n`);
      // Its modules' earlier verdicts still hold.
      for (const m of b.modules) {
        const l = earlier.get(`${m.file}\0${m.blob}`);
        if (l) leftOut.push(l);
      }
    }
  }

  if (todo.length > 0) {
    const who = await identity(git, f.top);
    if (!who.ok) throw new Error(who.reason);
    // What a run killed outright (SIGKILL) left behind is removed first.
    const stale = await run.worktrees.removeStale(f.top);
    if (stale) io.stdout(`  removed ${stale} temporary worktree(s) an interrupted run left\n`);
    const wt = await run.worktrees.add(f.top, f.base.commit, f.folder);
    try {
      for (const b of todo) {
        const kept: (ModuleFacts & ModulePlan)[] = [];
        const groupOut: LeftOut[] = [];
        for (const m of b.modules) {
          const before = f.blobs.get(m.blob)!;
          // Converted again where the commit is checked out: its headers are the committed ones.
          const outcome = await convert(path.join(wt, m.file), before, run);
          let verification: VerifyVerdict | undefined;
          let out: LeftOut | undefined;
          if (outcome.status !== 'changed' || !outcome.after) {
            out = refusal(f.files.get(m.file)!, outcome);
          } else if (run.verifier) {
            io.stdout(`  verifying ${m.module} (${m.file})\n`);
            verification = await run.verifier.verify({
              file: path.join(wt, m.file),
              root: wt,
              module: m.module,
              original: before,
              converted: outcome.after,
              expect: outcome.declared && {
                interpreters: outcome.declared.interpreters,
                gil: outcome.declared.gil,
                secondExecChosen: (run.r.settings.convert.oncePerProcess ?? 'auto') !== 'auto',
                secondExec: secondExecOf(outcome)?.kind,
              },
            });
            if (!verification.ok) out = { file: m.file, module: m.module, reason: verification.reason ?? 'verification failed', blob: m.blob, kind: 'verification' };
          } else {
            const l = earlier.get(`${m.file}\0${m.blob}`);
            // Said once, however many runs keep it out (the stored reason may carry it already).
            const note = ' (in an earlier run; not committed unverified)';
            if (l) out = { ...l, reason: l.reason.endsWith(note) ? l.reason : `${l.reason}${note}` };
          }
          if (out) groupOut.push(out);
          else kept.push({ ...m, outcome, verification });
        }
        leftOut.push(...groupOut);
        for (const l of groupOut) io.stdout(`  left out ${l.file} (${l.module ?? '?'}): ${l.reason}\n`);
        if (kept.length === 0) {
          io.stdout(`  no branch ${b.name}: every module in it was left out\n`);
          continue;
        }
        await commitBranch(run, f, wt, b, kept, groupLeftOut(run, b, [...f.refused, ...groupOut]), rec);
      }
    } finally {
      await run.worktrees.remove(wt);
    }
  }
  for (const l of f.refused) io.stdout(`  left out ${l.file}${l.module ? ` (${l.module})` : ''}: ${l.reason}\n`);
  rec.leftOut = dedupeLeftOut(leftOut);
  run.counts.leftOut += rec.leftOut.length;
  saveState(r.out, state);

  if (r.push) await pushBranches(run, f, rec);
  if (r.createPr) await openPrs(run, f, rec);
}

function dedupeLeftOut(list: LeftOut[]): LeftOut[] {
  const byFile = new Map<string, LeftOut>();
  for (const l of list) byFile.set(l.file, l);
  return [...byFile.values()].sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** One commit on the base, holding the converted modules, and the branch pointing at it. */
async function commitBranch(run: Run, f: Found, wt: string, b: BranchPlan, kept: (ModuleFacts & ModulePlan)[], leftOut: LeftOut[], rec: RepoState): Promise<void> {
  const { git, r, io } = run;
  const fx = facts(run, f, b, kept, leftOut);
  const title = branchTitle(run.templates, fx);
  const message = commitMessage(run.templates, fx, title);
  // The worktree's own index, reset to the base: the user's index is not involved.
  await git.text(wt, ['read-tree', f.base.commit]);
  for (const m of kept) {
    const blob = await git.text(wt, ['hash-object', '-w', '--no-filters', '--stdin'], m.outcome.after!);
    await git.text(wt, ['update-index', '--cacheinfo', `${m.mode},${blob},${m.file}`]);
  }
  const tree = await git.text(wt, ['write-tree']);
  const commit = await git.text(wt, ['commit-tree', tree, '-p', f.base.commit, '-F', '-'], message);
  // The empty old value: create the branch only if it still does not exist.
  await git.text(f.top, ['update-ref', '-m', `pep489-codemod bulk-pr: ${title}`, `refs/heads/${b.name}`, commit, '']);
  const bodyFile = path.join(f.folder, bodyFileName(b.name));
  fs.mkdirSync(path.join(r.out, f.folder), { recursive: true });
  fs.writeFileSync(path.join(r.out, bodyFile), prBody(run.templates, fx, title));
  const first = kept.find((m) => m.verification)?.verification;
  rec.branches[b.name] = {
    commit,
    baseCommit: f.base.commit,
    base: f.base.branch,
    title,
    bodyFile,
    modules: kept.map((m) => ({ module: m.module, file: m.file })),
    verified: run.notVerified ? `not verified: ${run.notVerified}` : first ? `verified on CPython ${first.labels.join(', ')}` : 'verified',
  };
  saveState(r.out, run.state);
  run.counts.created++;
  io.stdout(`  created ${b.name} (${short(commit)}): ${kept.map((m) => `${m.module} (${m.file})`).join(', ')}${first ? ', verified' : ''}\n`);
}
