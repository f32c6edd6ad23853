/**
 * bulk-pr as a process: a command line through its yargs spec (test/bulk/launch.js runs the built
 * dist/), and Ctrl-C while a worktree exists: the worktree goes, the checkout and the refs are as
 * they were, and --resume finishes the run.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { branches, expectNoWorktree, fixture, git, makeDirty, makeRepo, read, sandbox, snapshot, type Sandbox } from './bulk/helpers';

const LAUNCHER = path.join(__dirname, 'bulk', 'launch.js');

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
});
afterEach(() => {
  fs.rmSync(sb.dir, { recursive: true, force: true });
});

function launch(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [LAUNCHER, 'bulk-pr', ...args], { cwd: sb.dir, env: { ...sb.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

async function waitFor(ok: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function project(): string {
  const repo = makeRepo(sb, 'demo', { 'src/spam/textbook_spam.c': fixture('textbook-spam'), 'src/ext/minimal.c': fixture('minimal') });
  makeDirty(repo, sb.env, 'src/ext/minimal.c', 'src/spam/textbook_spam.c');
  return repo;
}

test('the command line reaches every option (through the yargs spec)', async () => {
  const repo = project();
  const { done } = launch([repo, '--out', sb.out, '--group', 'dir', '--branch-prefix', 'port/', '--dry-run', '--create-pr', '--draft']);
  const ran = await done;
  expect(ran.stderr).toBe('');
  expect(ran.code).toBe(0);
  expect(ran.stdout).toContain('would create port/src-ext: minimal (src/ext/minimal.c)');
  expect(ran.stdout).toContain('would open a pull request (unless origin has one for port/src-spam), as a draft');
  expect(fs.existsSync(sb.out)).toBe(false);

  const bad = await launch([repo, '--out', sb.out, '--group', 'everything']).done;
  expect(bad.code).toBe(1); // yargs' own exit for a bad choice; src/cli.ts maps usage errors to 2
  expect(bad.stderr).toContain('Invalid values');
});

test('Ctrl-C while a worktree exists removes it, leaves the checkout and refs as they were; --resume finishes', async () => {
  const repo = project();
  const before = snapshot(repo, sb.env);
  const refs = git(repo, ['for-each-ref'], sb.env);
  const marker = path.join(sb.dir, 'verifying');
  const { child, done } = launch([repo, '--out', sb.out], { BULK_HANG_MARKER: marker });
  await waitFor(() => fs.existsSync(marker), 30000);
  // The run is inside its worktree now.
  expect(git(repo, ['worktree', 'list', '--porcelain'], sb.env).split('\n').filter((l) => l.startsWith('worktree '))).toHaveLength(2);
  child.kill('SIGINT');
  const ran = await done;
  expect(ran.code).toBe(130);
  expect(ran.stderr).toContain('interrupted; removed 1 temporary worktree(s); run again with --resume to continue');
  expectNoWorktree(repo, sb.env);
  expect(snapshot(repo, sb.env)).toEqual(before);
  expect(git(repo, ['for-each-ref'], sb.env)).toBe(refs);
  expect(fs.existsSync(path.join(sb.out, '.bulk-pr.lock'))).toBe(false);
  expect(JSON.parse(read(path.join(sb.out, 'bulk-pr-state.json'))).run.complete).toBe(false);

  const resumed = await launch(['--out', sb.out, '--resume']).done;
  expect(resumed.stderr).toBe('');
  expect(resumed.code).toBe(0);
  expect(Object.keys(branches(repo, sb.env, 'refs/heads/pep489/')).sort()).toEqual(['pep489/minimal', 'pep489/textbook_spam']);
  expect(snapshot(repo, sb.env)).toEqual(before);
  expectNoWorktree(repo, sb.env);
});

test('killed outright (SIGKILL): --resume removes the worktree and the half-made branch the dead run left, and finishes', async () => {
  const repo = project();
  const before = snapshot(repo, sb.env);
  const marker = path.join(sb.dir, 'verifying');
  const { child, done } = launch([repo, '--out', sb.out], { BULK_HANG_MARKER: marker });
  await waitFor(() => fs.existsSync(marker), 30000);
  child.kill('SIGKILL');
  await done;
  // Nothing ran to clean up: the worktree is still registered, and the lock file is there.
  expect(git(repo, ['worktree', 'list', '--porcelain'], sb.env).split('\n').filter((l) => l.startsWith('worktree '))).toHaveLength(2);
  // As if it had died between making a branch and recording it: a commit on the base, made with bulk-pr's message.
  const base = git(repo, ['rev-parse', 'main'], sb.env).trim();
  const tree = git(repo, ['rev-parse', 'main^{tree}'], sb.env).trim();
  const commit = git(repo, ['commit-tree', tree, '-p', base, '-m', 'half made'], sb.env).trim();
  git(repo, ['update-ref', '-m', 'pep489-codemod bulk-pr: Convert minimal to multi-phase init', 'refs/heads/pep489/minimal', commit, ''], sb.env);

  const resumed = await launch(['--out', sb.out, '--resume']).done;
  expect(resumed.stderr).toBe('');
  expect(resumed.code).toBe(0);
  expect(resumed.stdout).toContain('removed 1 temporary worktree(s) an interrupted run left');
  expect(resumed.stdout).toContain(`removed pep489/minimal (${commit.slice(0, 10)}), which an interrupted run made without recording it; making it again`);
  const made = branches(repo, sb.env, 'refs/heads/pep489/');
  expect(Object.keys(made).sort()).toEqual(['pep489/minimal', 'pep489/textbook_spam']);
  expect(made['pep489/minimal']).not.toBe(commit);
  expect(snapshot(repo, sb.env)).toEqual(before);
  expectNoWorktree(repo, sb.env);
});
