/**
 * The git plumbing bulk-pr needs, run as child processes. Everything reads the object store or
 * writes refs and objects: nothing here touches the user's index, working tree or HEAD.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SOURCE_EXTENSIONS } from '../cli/files';

/**
 * Variables a calling git (a hook, an alias, a test harness) may have set: they would point every
 * command at that repository instead of the one named by `cwd`.
 */
const REPO_LOCAL_ENV = [
  'GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR', 'GIT_PREFIX', 'GIT_NAMESPACE', 'GIT_GRAFT_FILE', 'GIT_REPLACE_REF_BASE',
];

export class GitError extends Error {
  constructor(readonly args: readonly string[], readonly code: number | null, readonly stderr: string) {
    super(`git ${args.join(' ')} failed: ${stderr.trim().split('\n').slice(-3).join(' / ') || `exit code ${code}`}`);
  }
}

export interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a program to completion; a missing program is code null with the spawn error in stderr. */
export function run(cmd: string, args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv; input?: Buffer | string }): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => resolve({ code: null, stdout: Buffer.alloc(0), stderr: `${cmd}: ${e.code === 'ENOENT' ? 'not found on PATH' : e.message}` }));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => undefined); // a program that exits without reading its input
    child.stdin.end(opts.input ?? '');
  });
}

export class Git {
  readonly env: NodeJS.ProcessEnv;

  constructor(env: NodeJS.ProcessEnv) {
    const clean: NodeJS.ProcessEnv = { ...env, GIT_TERMINAL_PROMPT: env.GIT_TERMINAL_PROMPT ?? '0' };
    for (const k of REPO_LOCAL_ENV) delete clean[k];
    this.env = clean;
  }

  async raw(cwd: string, args: readonly string[], input?: Buffer | string): Promise<RunResult> {
    return run('git', args, { cwd, env: this.env, input });
  }

  async buf(cwd: string, args: readonly string[], input?: Buffer | string): Promise<Buffer> {
    const r = await this.raw(cwd, args, input);
    if (r.code !== 0) throw new GitError(args, r.code, r.stderr);
    return r.stdout;
  }

  /** Standard output without its final newline; throws GitError on a non-zero exit. */
  async text(cwd: string, args: readonly string[], input?: Buffer | string): Promise<string> {
    return (await this.buf(cwd, args, input)).toString('utf8').replace(/\n$/, '');
  }

  /** Standard output, or undefined when the command fails (a lookup that may find nothing). */
  async maybe(cwd: string, args: readonly string[]): Promise<string | undefined> {
    const r = await this.raw(cwd, args);
    return r.code === 0 ? r.stdout.toString('utf8').replace(/\n$/, '') : undefined;
  }

  /** The commit a branch points at, if the branch exists. */
  branchCommit(repo: string, branch: string): Promise<string | undefined> {
    return this.maybe(repo, ['rev-parse', '-q', '--verify', `refs/heads/${branch}^{commit}`]);
  }
}

export type RepoProblem = { kind: 'missing' | 'not-git' | 'bare' | 'empty'; reason: string };

export interface RepoInfo {
  /** Absolute top of the working tree. */
  top: string;
  /** The shared .git folder (worktrees are registered under it). */
  commonDir: string;
}

/** Whether `dir` is a usable clone: a folder, in a git working tree, not bare. */
export async function inspectRepo(git: Git, dir: string): Promise<RepoInfo | RepoProblem> {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    return { kind: 'missing', reason: 'no such directory' };
  }
  if (!st.isDirectory()) return { kind: 'not-git', reason: 'not a directory' };
  const bare = await git.maybe(dir, ['rev-parse', '--is-bare-repository']);
  if (bare === undefined) return { kind: 'not-git', reason: 'not a git repository' };
  if (bare === 'true') return { kind: 'bare', reason: 'a bare repository: point at a clone with a working tree' };
  const top = await git.maybe(dir, ['rev-parse', '--show-toplevel']);
  const common = await git.maybe(dir, ['rev-parse', '--git-common-dir']);
  if (!top || !common) return { kind: 'not-git', reason: 'not inside a git working tree' };
  return { top: fs.realpathSync(top), commonDir: fs.realpathSync(path.resolve(dir, common)) };
}

export interface Base {
  /** The branch the new branches start from and pull requests target. */
  branch?: string;
  /** The ref that was read (refs/remotes/origin/main, refs/heads/main). */
  ref: string;
  commit: string;
  /** Commits the local branch has that its remote-tracking branch has not: left out of the pull requests. */
  unpushed?: number;
}

/** Why no base could be found: the repository has no commit, or its default branch cannot be told. */
export type NoBase = { noCommits: true } | { unknown: string };

/**
 * The tip of the default branch: `--base` if given, else what `<remote>/HEAD` names (or, for a
 * remote on this machine, what its HEAD names), else `main` or `master`. Never the checked-out
 * branch: a feature branch checked out is not where pull requests go. The remote-tracking branch
 * wins over the local one when both exist, so that local commits nobody pushed do not ride along
 * in every pull request (how many there are is said).
 */
export async function resolveBase(git: Git, top: string, remote: string, base?: string): Promise<Base | NoBase> {
  const commitOf = (ref: string) => git.maybe(top, ['rev-parse', '-q', '--verify', `${ref}^{commit}`]);
  if (!(await commitOf('HEAD')) && !(await git.maybe(top, ['for-each-ref', '--count=1', '--format=%(refname)', 'refs/heads']))) return { noCommits: true };
  const candidates: string[] = [];
  if (base) candidates.push(base);
  else {
    const remoteHead = await git.maybe(top, ['symbolic-ref', '-q', `refs/remotes/${remote}/HEAD`]);
    if (remoteHead) candidates.push(remoteHead.slice(`refs/remotes/${remote}/`.length));
    else {
      // A remote that is a folder here can be asked without the network.
      const url = await git.maybe(top, ['remote', 'get-url', remote]);
      const local = url && (url.startsWith('file://') || (!/^[\w+.-]+:\/\//.test(url) && !/^[^/]+@[^:]+:/.test(url) && fs.existsSync(path.resolve(top, url))));
      if (local) {
        const symref = await git.maybe(top, ['ls-remote', '--symref', remote, 'HEAD']);
        const m = symref && /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(symref);
        if (m) candidates.push(m[1]);
      }
    }
    candidates.push('main', 'master');
  }
  for (const name of candidates) {
    const tracking = await commitOf(`refs/remotes/${remote}/${name}`);
    const localTip = await commitOf(`refs/heads/${name}`);
    if (tracking) {
      const ahead = localTip && localTip !== tracking ? Number(await git.maybe(top, ['rev-list', '--count', `${tracking}..${localTip}`])) || 0 : 0;
      return { branch: name, ref: `refs/remotes/${remote}/${name}`, commit: tracking, ...(ahead > 0 && { unpushed: ahead }) };
    }
    if (localTip) return { branch: name, ref: `refs/heads/${name}`, commit: localTip };
  }
  if (base) return { unknown: `no branch ${base} (locally or on ${remote})` };
  return {
    unknown: `cannot tell its default branch (no ${remote}/HEAD, no main or master): run \`git remote set-head ${remote} --auto\` in it, or pass --base`,
  };
}

/** Folders whose sources are not the project's own (as src/files.ts skips them in directory walks). */
const SKIPPED_DIRS = new Set([
  '.git', '.hg', '.svn', 'node_modules', 'build', 'dist', '_build', '.eggs', 'wheelhouse', '.tox', '.nox',
  '.venv', 'venv', '__pycache__', '.mypy_cache', '.pytest_cache', 'site-packages',
]);

export interface TreeFile {
  /** Path in the repository, with forward slashes. */
  path: string;
  mode: string;
  blob: string;
}

/** The C and C++ sources committed at `commit` (regular files only: no symlinks, no submodules). */
export async function listSources(git: Git, top: string, commit: string): Promise<TreeFile[]> {
  const out = await git.buf(top, ['ls-tree', '-r', '-z', '--full-tree', commit]);
  const files: TreeFile[] = [];
  for (const entry of out.toString('utf8').split('\0')) {
    const m = /^(\d{6}) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(entry);
    if (!m || m[2] !== 'blob' || (m[1] !== '100644' && m[1] !== '100755')) continue;
    const p = m[4];
    const parts = p.split('/');
    if (parts.slice(0, -1).some((d) => SKIPPED_DIRS.has(d) || d.endsWith('.egg-info'))) continue;
    if (!SOURCE_EXTENSIONS.has(path.extname(p).toLowerCase())) continue;
    files.push({ path: p, mode: m[1], blob: m[3] });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The bytes of several blobs in one `git cat-file --batch`. */
export async function readBlobs(git: Git, top: string, blobs: readonly string[]): Promise<Map<string, Buffer>> {
  const unique = [...new Set(blobs)];
  const found = new Map<string, Buffer>();
  if (unique.length === 0) return found;
  const out = await git.buf(top, ['cat-file', '--batch'], unique.join('\n') + '\n');
  let at = 0;
  for (const sha of unique) {
    const eol = out.indexOf(0x0a, at);
    const header = out.subarray(at, eol).toString('utf8').split(' ');
    if (header[1] === 'missing') throw new Error(`git cat-file: blob ${sha} is missing`);
    const size = Number(header[2]);
    found.set(sha, out.subarray(eol + 1, eol + 1 + size));
    at = eol + 1 + size + 1;
  }
  return found;
}

/** The identity commits are made with, or why there is none (git would refuse to commit). */
export async function identity(git: Git, top: string): Promise<{ ok: true; ident: string } | { ok: false; reason: string }> {
  const name = git.env.GIT_COMMITTER_NAME ?? (await git.maybe(top, ['config', 'user.name']));
  const email = git.env.GIT_COMMITTER_EMAIL ?? (await git.maybe(top, ['config', 'user.email']));
  if (!name || !email) {
    return { ok: false, reason: 'no git identity configured: run git config --global user.name "Your Name" and git config --global user.email you@example.com' };
  }
  return { ok: true, ident: `${name} <${email}>` };
}

/** Whether `name` is a valid branch name (git check-ref-format --branch). */
export async function validBranchName(git: Git, top: string, name: string): Promise<boolean> {
  return (await git.raw(top, ['check-ref-format', '--branch', name])).code === 0;
}
