/** Real git repositories in temp folders, a fake `gh` on PATH, and a snapshot of a user's checkout. */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBulkPrCommand, type BulkDeps, type BulkPrArgs } from '../../src/bulk/command';

export const ROOT = path.resolve(__dirname, '..', '..');
export const fixture = (name: string, file = 'input.c') => fs.readFileSync(path.join(ROOT, 'fixtures', name, file));

export interface Sandbox {
  dir: string;
  env: NodeJS.ProcessEnv;
  ghDir: string;
  out: string;
}

/** A temp folder with a git identity of its own, and the fake gh first on PATH. */
export function sandbox(): Sandbox {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'bulk-test-')));
  const bin = path.join(dir, 'bin');
  const ghDir = path.join(dir, 'gh');
  fs.mkdirSync(bin);
  fs.mkdirSync(ghDir);
  fs.copyFileSync(path.join(__dirname, 'fake-gh.js'), path.join(bin, 'gh'));
  fs.chmodSync(path.join(bin, 'gh'), 0o755);
  fs.mkdirSync(path.join(dir, 'tmp'));
  const gitconfig = path.join(dir, 'gitconfig');
  fs.writeFileSync(gitconfig, '[user]\n\tname = Pat Porter\n\temail = pat@example.com\n[init]\n\tdefaultBranch = main\n');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}${path.delimiter}${process.env.PATH}`,
    FAKE_GH_DIR: ghDir,
    GIT_CONFIG_GLOBAL: gitconfig,
    GIT_CONFIG_NOSYSTEM: '1',
    // Worktrees go here, so a test sees only its own run's leftovers.
    TMPDIR: path.join(dir, 'tmp'),
  };
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'FAKE_GH_AUTH_FAIL', 'FAKE_GH_FAIL_HEAD']) delete env[k];
  return { dir, env, ghDir, out: path.join(dir, 'out') };
}

export function git(cwd: string, args: string[], env: NodeJS.ProcessEnv): string {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).replace(/\n$/, '');
}

/** A repository with `files` committed on main, and a bare `origin` it has been pushed to. */
export function makeRepo(sb: Sandbox, name: string, files: Record<string, Buffer | string>, opts: { origin?: boolean } = {}): string {
  const repo = path.join(sb.dir, name);
  fs.mkdirSync(repo, { recursive: true });
  git(repo, ['init', '-q', '-b', 'main'], sb.env);
  for (const [p, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(repo, p)), { recursive: true });
    fs.writeFileSync(path.join(repo, p), content);
  }
  git(repo, ['add', '-A'], sb.env);
  git(repo, ['commit', '-q', '-m', 'initial'], sb.env);
  if (opts.origin !== false) {
    const bare = path.join(sb.dir, `${name}-origin.git`);
    git(sb.dir, ['init', '-q', '--bare', bare], sb.env);
    git(repo, ['remote', 'add', 'origin', bare], sb.env);
    git(repo, ['push', '-q', 'origin', 'main'], sb.env);
    git(repo, ['fetch', '-q', 'origin'], sb.env);
  }
  return repo;
}

/** Uncommitted work of every kind: a stash, a staged change, an edited module, an untracked file. */
export function makeDirty(repo: string, env: NodeJS.ProcessEnv, module: string, other: string): void {
  fs.appendFileSync(path.join(repo, other), '\n/* stashed */\n');
  git(repo, ['stash', 'push', '-q', '-m', 'work in progress'], env);
  fs.appendFileSync(path.join(repo, other), '\n/* staged */\n');
  git(repo, ['add', other], env);
  fs.appendFileSync(path.join(repo, module), '\n/* DIRTY: must never reach a branch */\n');
  fs.writeFileSync(path.join(repo, 'notes.txt'), 'untracked\n');
}

/** Everything of the user's checkout bulk-pr must leave alone. */
export function snapshot(repo: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.git') continue;
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else files.push(`${path.relative(repo, full)} ${crypto.createHash('sha1').update(fs.readFileSync(full)).digest('hex')}`);
    }
  };
  walk(repo);
  return {
    head: git(repo, ['symbolic-ref', '-q', 'HEAD'], env),
    headCommit: git(repo, ['rev-parse', 'HEAD'], env),
    status: git(repo, ['status', '--porcelain=v1', '--untracked-files=all'], env),
    index: git(repo, ['ls-files', '-s'], env),
    staged: git(repo, ['diff', '--cached'], env),
    unstaged: git(repo, ['diff'], env),
    stashes: git(repo, ['stash', 'list', '--format=%H %s'], env),
    worktrees: git(repo, ['worktree', 'list', '--porcelain'], env),
    files: files.sort().join('\n'),
  };
}

export function branches(repo: string, env: NodeJS.ProcessEnv, pattern = 'refs/heads/'): Record<string, string> {
  const out = git(repo, ['for-each-ref', '--format=%(refname:short) %(objectname)', pattern], env);
  return Object.fromEntries(out.split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
}

/** No worktree of ours is registered or left on disk. */
export function expectNoWorktree(repo: string, env: NodeJS.ProcessEnv): void {
  const tmp = env.TMPDIR!;
  const list = git(repo, ['worktree', 'list', '--porcelain'], env).split('\n').filter((l) => l.startsWith('worktree '));
  expect(list).toEqual([`worktree ${repo}`]);
  const admin = path.join(repo, '.git', 'worktrees');
  expect(fs.existsSync(admin) ? fs.readdirSync(admin) : []).toEqual([]);
  expect(fs.readdirSync(tmp)).toEqual([]);
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export async function bulk(sb: Sandbox, args: BulkPrArgs, deps: BulkDeps = { verifier: null }, extraEnv: NodeJS.ProcessEnv = {}): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const code = await runBulkPrCommand(
    { out: sb.out, sleep: 0, ...args },
    { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), cwd: sb.dir, env: { ...sb.env, ...extraEnv } },
    deps,
  );
  return { code, stdout, stderr };
}

export interface GhCall {
  args: string[];
  cwd: string;
  body?: string;
}

export function ghCalls(sb: Sandbox): GhCall[] {
  const log = path.join(sb.ghDir, 'log.jsonl');
  return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as GhCall) : [];
}

export const read = (p: string) => fs.readFileSync(p, 'utf8');
