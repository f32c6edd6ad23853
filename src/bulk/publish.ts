/**
 * Publishing: branches pushed to the remote (never forced), then one pull request per branch through
 * gh, skipping branches that already have one, pausing --sleep seconds between two, at most
 * --max-prs per run. Each step is saved in the state as soon as it is done.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Found } from './inspect';
import type { Run } from './run';
import { saveState, type RepoState } from './state';

export async function pushBranches(run: Run, f: Found, rec: RepoState): Promise<void> {
  const { git, r, io } = run;
  if ((await git.maybe(f.top, ['remote', 'get-url', r.remote])) === undefined) {
    run.counts.failed++;
    io.stderr(`${f.folder}: FAILED: no remote named ${r.remote} (see git remote -v; --remote picks another)\n`);
    return;
  }
  for (const [name, b] of Object.entries(rec.branches)) {
    const tip = await git.branchCommit(f.top, name);
    if (!tip || (b.pushed?.remote === r.remote && b.pushed.commit === tip)) continue;
    // Never forced: a branch someone changed on the remote is reported, not overwritten.
    const res = await git.raw(f.top, ['push', '--quiet', r.remote, `refs/heads/${name}:refs/heads/${name}`]);
    if (res.code === 0) {
      b.pushed = { remote: r.remote, commit: tip };
      delete b.error;
      run.counts.pushed++;
      io.stdout(`  pushed  ${name} to ${r.remote}\n`);
    } else {
      b.error = `push to ${r.remote} failed: ${pushError(res.stderr)}`;
      run.counts.failed++;
      io.stderr(`${f.folder}: ${name}: FAILED: ${b.error}\n`);
    }
    saveState(r.out, run.state);
  }
}

/** What the remote said (its hook's own words first), and git's verdict. */
function pushError(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const said = lines.filter((l) => /^remote: ./.test(l)).slice(0, 3);
  const verdict = lines.filter((l) => !l.startsWith('remote:') && /rejected|error|fatal|denied/i.test(l)).slice(0, 2);
  return [...said, ...verdict].join(' / ') || lines.slice(-2).join(' / ');
}

/**
 * What `gh pr create --head` needs: the branch, or `owner:branch` when it was pushed to a fork
 * (`--remote myfork`), since gh looks for a bare branch name in the repository it opens the PR in.
 */
async function headFor(run: Run, top: string, branch: string): Promise<string> {
  if (run.r.remote === 'origin') return branch;
  // As configured (get-url would expand insteadOf into the address git really uses).
  const url = (await run.git.maybe(top, ['config', '--get', `remote.${run.r.remote}.url`])) ?? '';
  const owner = /(?:^[^@/]+@[^:]+:|^[a-z+]+:\/\/[^/]+\/)([^/]+)\/[^/]+?(?:\.git)?\/?$/.exec(url)?.[1];
  return owner ? `${owner}:${branch}` : branch;
}

export async function openPrs(run: Run, f: Found, rec: RepoState): Promise<void> {
  const { r, io } = run;
  const gh = run.gh!;
  for (const [name, b] of Object.entries(rec.branches)) {
    if (b.pr && b.pr.state !== 'MERGED' && b.pr.state !== 'CLOSED') {
      // A pull request opened earlier may have been merged since: the tracking issue ticks its box.
      try {
        const now = await gh.existing(f.top, name);
        if (now?.state && now.state !== b.pr.state) {
          b.pr = { ...b.pr, state: now.state };
          io.stdout(`  ${name}: pull request ${now.state.toLowerCase()}: ${b.pr.url}\n`);
          saveState(r.out, run.state);
        }
      } catch (e) {
        io.stderr(`${f.folder}: ${name}: could not read its pull request's state: ${(e as Error).message}\n`);
      }
      continue;
    }
    if (b.pr || !b.pushed || b.pushed.remote !== r.remote) continue;
    try {
      const existing = await gh.existing(f.top, name);
      if (existing) {
        b.pr = existing;
        run.counts.prsFound++;
        io.stdout(`  PR exists for ${name}: ${existing.url}\n`);
        continue;
      }
      if (r.maxPrs !== undefined && run.counts.opened >= r.maxPrs) {
        run.counts.prsPending++;
        continue;
      }
      const bodyFile = path.join(r.out, b.bodyFile);
      if (!fs.existsSync(bodyFile)) throw new Error(`${bodyFile} is missing: restore it, or delete the branch ${name} so that the next run makes it again`);
      if (run.counts.opened > 0 && r.sleepS > 0) await run.sleep(r.sleepS * 1000);
      b.pr = await gh.create(f.top, { head: await headFor(run, f.top, name), base: b.base, title: b.title, bodyFile, draft: r.draft });
      delete b.error;
      run.counts.opened++;
      io.stdout(`  opened  ${name}: ${b.pr.url}\n`);
    } catch (e) {
      b.error = (e as Error).message;
      run.counts.failed++;
      io.stderr(`${f.folder}: ${name}: FAILED: ${b.error}\n`);
    } finally {
      saveState(r.out, run.state);
    }
  }
}
