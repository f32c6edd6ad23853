/**
 * bulk-pr --push and --create-pr: branches reach a bare origin, one pull request per branch through a
 * fake gh that logs its calls; nothing leaves without the flags; gh missing or logged out stops the
 * run before any push; --max-prs, --sleep, existing pull requests, and --resume after a failure.
 */
import fs from 'node:fs';
import path from 'node:path';
import { branches, bulk, expectNoWorktree, fixture, ghCalls, git, makeDirty, makeRepo, read, sandbox, snapshot, type Sandbox } from './bulk/helpers';

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
});
afterEach(() => {
  fs.rmSync(sb.dir, { recursive: true, force: true });
});

const origin = (name: string) => path.join(sb.dir, `${name}-origin.git`);

function twoRepos(): [string, string] {
  const a = makeRepo(sb, 'alpha', { 'src/spam/textbook_spam.c': fixture('textbook-spam'), 'src/minimal.c': fixture('minimal') });
  const b = makeRepo(sb, 'beta', { 'ext/goto_error_label.c': fixture('goto-error-label') });
  makeDirty(a, sb.env, 'src/minimal.c', 'src/spam/textbook_spam.c');
  return [a, b];
}

const creates = () => ghCalls(sb).filter((c) => c.args[0] === 'pr' && c.args[1] === 'create');

test('without --push or --create-pr nothing leaves the machine and gh is never run', async () => {
  const [a] = twoRepos();
  expect((await bulk(sb, { repos: [a] })).code).toBe(0);
  expect(branches(origin('alpha'), sb.env)).toEqual({ main: git(a, ['rev-parse', 'main'], sb.env) });
  expect(ghCalls(sb)).toEqual([]);
});

test('--create-pr pushes every branch and opens one pull request each; a second run opens none', async () => {
  const [a, b] = twoRepos();
  const beforeA = snapshot(a, sb.env);
  const sleeps: number[] = [];
  const ran = await bulk(sb, { repos: [a, b], createPr: true, draft: true, sleep: 3 }, { verifier: null, sleep: async (ms) => void sleeps.push(ms) });
  expect(ran.stderr).toBe('');
  expect(ran.code).toBe(0);

  // The remote has each branch at the local commit.
  const local = { ...branches(a, sb.env, 'refs/heads/pep489/'), ...branches(b, sb.env, 'refs/heads/pep489/') };
  expect(Object.keys(local).sort()).toEqual(['pep489/goto_error_label', 'pep489/minimal', 'pep489/textbook_spam']);
  const remote = { ...branches(origin('alpha'), sb.env, 'refs/heads/pep489/'), ...branches(origin('beta'), sb.env, 'refs/heads/pep489/') };
  expect(remote).toEqual(local);

  // gh: checked first, then per branch a lookup and a create with the body file.
  const calls = ghCalls(sb);
  expect(calls.slice(0, 2).map((c) => c.args)).toEqual([['--version'], ['auth', 'status']]);
  const made = creates();
  expect(made).toHaveLength(3);
  const spam = made.find((c) => c.args.includes('pep489/textbook_spam'))!;
  expect(spam.cwd).toBe(a);
  expect(spam.args).toEqual([
    'pr', 'create', '--head', 'pep489/textbook_spam',
    '--title', 'Convert textbook_spam to multi-phase initialization (PEP 489)',
    '--body-file', path.join(sb.out, 'alpha', 'pep489-textbook_spam.md'),
    '--base', 'main', '--draft',
  ]);
  expect(spam.body).toBe(read(path.join(sb.out, 'alpha', 'pep489-textbook_spam.md')));
  for (const c of made) {
    const head = c.args[c.args.indexOf('--head') + 1];
    const lookup = calls.findIndex((x) => x.args[1] === 'list' && x.args.includes(head));
    const create = calls.findIndex((x) => x.args[1] === 'create' && x.args.includes(head));
    expect(lookup).toBeGreaterThan(-1);
    expect(lookup).toBeLessThan(create);
    expect(calls[lookup].args).toEqual(['pr', 'list', '--head', head, '--state', 'all', '--json', 'number,url,state', '--limit', '1']);
  }
  expect(sleeps).toEqual([3000, 3000]);
  expect(ran.stdout).toContain('opened  pep489/textbook_spam: https://github.com/example/alpha/pull/');
  expect(ran.stdout).toContain('bulk-pr: 3 branch(es) created, 0 already there, 3 pushed, 3 pull request(s) opened');

  const issue = read(path.join(sb.out, 'tracking-issue.md'));
  expect(issue).toMatch(/- \[ \] `textbook_spam` \(`src\/spam\/textbook_spam.c`\): https:\/\/github.com\/example\/alpha\/pull\/\d/);
  expect(issue).toContain('### beta');
  expect(issue).toContain('3 pull request(s) opened');
  expect(snapshot(a, sb.env)).toEqual(beforeA);
  expectNoWorktree(a, sb.env);
  expectNoWorktree(b, sb.env);

  // Meanwhile a maintainer merges one: the next run reads its state and ticks its box.
  const prsFile = path.join(sb.dir, 'gh', 'prs.json');
  const prs = JSON.parse(fs.readFileSync(prsFile, 'utf8')) as { head: string; state: string }[];
  prs.find((p) => p.head === 'pep489/textbook_spam')!.state = 'MERGED';
  fs.writeFileSync(prsFile, JSON.stringify(prs));

  const again = await bulk(sb, { repos: [a, b], createPr: true, draft: true, sleep: 3 });
  expect(again.code).toBe(0);
  expect(creates()).toHaveLength(3);
  expect(again.stdout).toContain('bulk-pr: 0 branch(es) created, 3 already there, 0 pushed, 0 pull request(s) opened');
  expect(again.stdout).toContain('pep489/textbook_spam: pull request merged: https://github.com/example/alpha/pull/');
  const ticked = read(path.join(sb.out, 'tracking-issue.md'));
  expect(ticked).toMatch(/- \[x\] `textbook_spam` \(`src\/spam\/textbook_spam.c`\): https:\/\/github.com\/example\/alpha\/pull\/\d/);
  expect(ticked).toMatch(/- \[ \] `minimal`/);
  expect(ticked).toContain('1 merged');
  expect(snapshot(a, sb.env)).toEqual(beforeA);
});

test('--push alone pushes to --remote and never runs gh', async () => {
  const [a] = twoRepos();
  const mirror = path.join(sb.dir, 'mirror.git');
  git(sb.dir, ['init', '-q', '--bare', mirror], sb.env);
  git(a, ['remote', 'add', 'mirror', mirror], sb.env);
  const ran = await bulk(sb, { repos: [a], push: true, remote: 'mirror' });
  expect(ran.code).toBe(0);
  expect(Object.keys(branches(mirror, sb.env)).sort()).toEqual(['pep489/minimal', 'pep489/textbook_spam']);
  expect(Object.keys(branches(origin('alpha'), sb.env))).toEqual(['main']);
  expect(ghCalls(sb)).toEqual([]);
  const state = JSON.parse(read(path.join(sb.out, 'bulk-pr-state.json')));
  expect(Object.values(state.repos as Record<string, { branches: Record<string, { pushed: unknown }> }>)[0].branches['pep489/minimal'].pushed).toEqual({
    remote: 'mirror',
    commit: git(a, ['rev-parse', 'pep489/minimal'], sb.env),
  });
});

test('gh missing, or not logged in: a clear error before anything is made or pushed', async () => {
  const [a] = twoRepos();
  const noGh = { PATH: process.env.PATH };
  const missing = await bulk(sb, { repos: [a], createPr: true }, { verifier: null }, noGh);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain('gh (the GitHub CLI) is not installed or not on PATH: install it from https://cli.github.com');

  const loggedOut = await bulk(sb, { repos: [a], createPr: true }, { verifier: null }, { FAKE_GH_AUTH_FAIL: '1' });
  expect(loggedOut.code).toBe(2);
  expect(loggedOut.stderr).toContain('gh auth status failed');
  expect(loggedOut.stderr).toContain('run gh auth login');
  expect(ghCalls(sb).map((c) => c.args.join(' '))).toEqual(['--version', 'auth status']);
  expect(Object.keys(branches(a, sb.env))).toEqual(['main']);
  expect(Object.keys(branches(origin('alpha'), sb.env))).toEqual(['main']);
  expect(fs.existsSync(path.join(sb.out, 'bulk-pr-state.json'))).toBe(false);
});

test('a branch that already has a pull request gets no second one', async () => {
  const [a] = twoRepos();
  fs.writeFileSync(
    path.join(sb.ghDir, 'prs.json'),
    JSON.stringify([{ head: 'pep489/minimal', number: 7, url: 'https://github.com/example/alpha/pull/7', state: 'MERGED', repo: a }]),
  );
  const ran = await bulk(sb, { repos: [a], createPr: true });
  expect(ran.code).toBe(0);
  expect(creates().map((c) => c.args[3])).toEqual(['pep489/textbook_spam']);
  expect(ran.stdout).toContain('PR exists for pep489/minimal: https://github.com/example/alpha/pull/7');
  // A merged pull request ticks its box in the tracking issue.
  expect(read(path.join(sb.out, 'tracking-issue.md'))).toContain('- [x] `minimal` (`src/minimal.c`): https://github.com/example/alpha/pull/7');
});

test('--max-prs opens that many per run; the next run opens the rest', async () => {
  const [a, b] = twoRepos();
  const first = await bulk(sb, { repos: [a, b], createPr: true, maxPrs: 2 });
  expect(first.code).toBe(0);
  expect(creates()).toHaveLength(2);
  expect(first.stdout).toContain('1 pull request(s) left for the next run (--max-prs 2)');
  expect(read(path.join(sb.out, 'tracking-issue.md'))).toContain('2 pull request(s) opened, 0 merged, 1 not opened yet');
  const second = await bulk(sb, { repos: [a, b], createPr: true, maxPrs: 2 });
  expect(second.code).toBe(0);
  expect(creates()).toHaveLength(3);
  expect(new Set(creates().map((c) => c.args[3])).size).toBe(3);
});

test('--resume after a failed pull request and a rejected push: the rest is done, nothing twice', async () => {
  const [a, b] = twoRepos();
  // beta's origin refuses pushes; gh fails for one of alpha's branches.
  const hook = path.join(origin('beta'), 'hooks', 'pre-receive');
  fs.writeFileSync(hook, '#!/bin/sh\necho "remote: pushes are frozen" >&2\nexit 1\n');
  fs.chmodSync(hook, 0o755);
  const failed = await bulk(sb, { repos: [a, b], createPr: true }, { verifier: null }, { FAKE_GH_FAIL_HEAD: 'pep489/minimal' });
  expect(failed.code).toBe(3);
  expect(failed.stderr).toContain('alpha: pep489/minimal: FAILED: gh pr create --head pep489/minimal failed: pull request create failed: GraphQL: was submitted too quickly');
  expect(failed.stderr).toContain('beta: pep489/goto_error_label: FAILED: push to origin failed');
  expect(failed.stderr).toContain('pushes are frozen');
  expect(creates().map((c) => c.args[3])).toEqual(['pep489/minimal', 'pep489/textbook_spam']);
  const state = JSON.parse(read(path.join(sb.out, 'bulk-pr-state.json')));
  expect(state.run.complete).toBe(false);
  expectNoWorktree(a, sb.env);
  expectNoWorktree(b, sb.env);
  const localBefore = { ...branches(a, sb.env), ...branches(b, sb.env) };

  fs.rmSync(hook);
  // --resume takes the repositories and flags of the recorded run.
  const resumed = await bulk(sb, { resume: true });
  expect(resumed.stderr).toBe('');
  expect(resumed.code).toBe(0);
  expect({ ...branches(a, sb.env), ...branches(b, sb.env) }).toEqual(localBefore);
  expect(branches(origin('beta'), sb.env, 'refs/heads/pep489/')).toEqual(branches(b, sb.env, 'refs/heads/pep489/'));
  const heads = creates().map((c) => c.args[3]);
  expect(heads.sort()).toEqual(['pep489/goto_error_label', 'pep489/minimal', 'pep489/minimal', 'pep489/textbook_spam']);
  // The failed create is retried once; the successful one is not repeated.
  expect(heads.filter((h) => h === 'pep489/textbook_spam')).toHaveLength(1);
  expect(JSON.parse(read(path.join(sb.out, 'bulk-pr-state.json'))).run.complete).toBe(true);
  expect(read(path.join(sb.out, 'tracking-issue.md'))).toContain('3 pull request(s) opened');
});

test('a fork as --remote: gh is given owner:branch; a remote that is missing, or that already has the branch, is found before anything is made', async () => {
  const [a] = twoRepos();
  // "https://github.com/porter/" is a folder here, through git's own URL rewriting.
  git(sb.dir, ['init', '-q', '--bare', path.join(sb.dir, 'alpha-fork.git')], sb.env);
  git(a, ['config', `url.${sb.dir}/.insteadOf`, 'https://github.com/porter/'], sb.env);
  git(a, ['remote', 'add', 'fork', 'https://github.com/porter/alpha-fork.git'], sb.env);

  const missing = await bulk(sb, { repos: [a], push: true, remote: 'upstream' });
  expect(missing.code).toBe(3);
  expect(missing.stderr).toContain('no remote named upstream to push to: add it (git remote add upstream <url>), or pass --remote');
  expect(branches(a, sb.env, 'refs/heads/pep489/')).toEqual({});

  const ran = await bulk(sb, { repos: [a], createPr: true, remote: 'fork', out: path.join(sb.dir, 'out-fork') });
  expect(ran.stderr).toBe('');
  expect(ran.code).toBe(0);
  const heads = creates().map((c) => c.args[c.args.indexOf('--head') + 1]).sort();
  expect(heads).toEqual(['porter:pep489/minimal', 'porter:pep489/textbook_spam']);
  expect(Object.keys(branches(path.join(sb.dir, 'alpha-fork.git'), sb.env, 'refs/heads/pep489/')).sort()).toEqual(['pep489/minimal', 'pep489/textbook_spam']);

  // Another --out, the local branches gone, the fork still has them: said before any branch is made again.
  for (const b of ['pep489/minimal', 'pep489/textbook_spam']) git(a, ['branch', '-q', '-D', b], sb.env);
  const again = await bulk(sb, { repos: [a], push: true, remote: 'fork', out: path.join(sb.dir, 'out-other') });
  expect(again.code).toBe(3);
  expect(again.stdout + again.stderr).toContain('fork already has a branch pep489/minimal');
  expect(branches(a, sb.env, 'refs/heads/pep489/')).toEqual({});
});

test('the same repository named twice (its top and a folder in it) is done once', async () => {
  const [a] = twoRepos();
  const ran = await bulk(sb, { repos: [a, path.join(a, 'src')] });
  expect(ran.code).toBe(0);
  expect(ran.stdout).toContain(`${path.join(a, 'src')}: skipped: the same repository as ${a}`);
  expect(ran.stdout).toContain('bulk-pr: 2 branch(es) created');
});
