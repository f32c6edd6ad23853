/**
 * Temporary `git worktree`s, detached at the base commit, outside the user's checkout. Every one is
 * removed again: after its repository is done, after an error, and on Ctrl-C (a signal handler
 * removes what is still registered, synchronously, before the process exits).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Git } from './git';
import { alive } from './state';

interface Live {
  repo: string;
  /** The mkdtemp folder holding the worktree. */
  tmp: string;
}

export class Worktrees {
  private readonly live = new Map<string, Live>();

  /** `tmpRoot`: where the worktrees go (the environment's TMPDIR, as a child process would see it). */
  constructor(private readonly git: Git, private readonly tmpRoot = os.tmpdir()) {}

  /** Adds a worktree of `repo` detached at `commit`; its folder is named after `label`. */
  async add(repo: string, commit: string, label: string): Promise<string> {
    const tmp = fs.mkdtempSync(path.join(this.tmpRoot, 'pep489-bulk-'));
    // Whose it is: a run killed with SIGKILL cleans up nothing, and the next run removes what a
    // dead process left (removeStale), never a live run's.
    fs.writeFileSync(path.join(tmp, OWNER_FILE), String(process.pid));
    const dir = path.join(tmp, label.replace(/[^\w.-]/g, '_') || 'repo');
    // Registered before git runs, so a Ctrl-C during the checkout still cleans up.
    this.live.set(dir, { repo, tmp });
    // The user's hooks (post-checkout) are theirs to run in their checkouts, not in this scratch copy.
    await this.git.text(repo, ['-c', `core.hooksPath=${os.devNull}`, 'worktree', 'add', '--detach', '--quiet', dir, commit]);
    return dir;
  }

  async remove(dir: string): Promise<void> {
    const live = this.live.get(dir);
    if (!live) return;
    await this.git.raw(live.repo, ['worktree', 'remove', '--force', '--force', dir]);
    this.forget(dir, live);
  }

  /** For the signal handler and `finally`: removes every worktree still registered, synchronously. */
  removeAllSync(): void {
    for (const [dir, live] of [...this.live]) {
      try {
        execFileSync('git', ['worktree', 'remove', '--force', '--force', dir], { cwd: live.repo, env: this.git.env, stdio: 'ignore' });
      } catch {
        // Falls through to forget(), which removes what git left.
      }
      this.forget(dir, live);
    }
  }

  get count(): number {
    return this.live.size;
  }

  /**
   * Removes the worktrees of `repo` that an earlier run killed outright (SIGKILL, a crash) left:
   * only bulk-pr's own (in a `pep489-bulk-` folder whose owner process is gone). Returns how many.
   */
  async removeStale(repo: string): Promise<number> {
    const listing = (await this.git.maybe(repo, ['worktree', 'list', '--porcelain'])) ?? '';
    let removed = 0;
    for (const line of listing.split('\n')) {
      const dir = /^worktree (.*)$/.exec(line)?.[1];
      if (!dir) continue;
      const tmp = path.dirname(dir);
      if (!path.basename(tmp).startsWith('pep489-bulk-') || this.live.has(dir)) continue;
      let owner = 0;
      try {
        owner = Number(fs.readFileSync(path.join(tmp, OWNER_FILE), 'utf8').trim());
      } catch {
        // No owner file: made before runs recorded one, and no run is making it now.
      }
      if (owner > 0 && alive(owner)) continue;
      if (fs.existsSync(dir)) await this.git.raw(repo, ['worktree', 'remove', '--force', '--force', dir]);
      this.forget(dir, { repo, tmp });
      // A folder git no longer had: its entry under .git/worktrees is the one pointing at it.
      removeAdminEntry(repo, dir);
      removed++;
    }
    return removed;
  }

  /**
   * Deletes the folder and, if git did not, the worktree's entry under .git/worktrees (read from the
   * worktree's own .git file): only that entry, never a `git worktree prune` of the user's others.
   */
  private forget(dir: string, live: Live): void {
    try {
      const link = fs.readFileSync(path.join(dir, '.git'), 'utf8');
      const admin = /^gitdir: (.*)$/m.exec(link)?.[1]?.trim();
      if (admin && path.basename(path.dirname(admin)) === 'worktrees') fs.rmSync(admin, { recursive: true, force: true });
    } catch {
      // No .git file: git already removed the worktree, or never got to create it.
    }
    fs.rmSync(live.tmp, { recursive: true, force: true });
    this.live.delete(dir);
  }
}

const OWNER_FILE = 'owner.pid';


/** Deletes the `.git/worktrees/<id>` entry whose gitdir names `dir`'s .git, if there is one. */
function removeAdminEntry(repo: string, dir: string): void {
  let admin: string;
  try {
    admin = path.join(execFileSync('git', ['rev-parse', '--git-common-dir'], { cwd: repo, encoding: 'utf8' }).trim(), 'worktrees');
    if (!path.isAbsolute(admin)) admin = path.join(repo, admin);
  } catch {
    return;
  }
  for (const id of fs.existsSync(admin) ? fs.readdirSync(admin) : []) {
    try {
      if (fs.readFileSync(path.join(admin, id, 'gitdir'), 'utf8').trim() === path.join(dir, '.git')) fs.rmSync(path.join(admin, id), { recursive: true, force: true });
    } catch {
      // Not a worktree entry.
    }
  }
}

/**
 * Runs `cleanup` and exits 130 on Ctrl-C (143 on SIGTERM, 129 on SIGHUP) while installed. Returns
 * the uninstaller. The children (git, gh) get the terminal's signal themselves.
 */
export function onInterrupt(cleanup: () => void): () => void {
  const codes: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  const handlers = Object.entries(codes).map(([signal, code]) => {
    const handler = () => {
      try {
        cleanup();
      } finally {
        process.exit(code);
      }
    };
    process.once(signal as NodeJS.Signals, handler);
    return () => process.removeListener(signal as NodeJS.Signals, handler);
  });
  return () => handlers.forEach((off) => off());
}
