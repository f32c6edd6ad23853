/**
 * Pull requests through the GitHub CLI (`gh`). Only used with --create-pr: without it gh is never
 * run. gh finds the GitHub repository from the clone's remotes, so every call runs in the clone.
 */
import { run } from './git';
import type { PrRecord } from './state';

export interface PrRequest {
  head: string;
  base?: string;
  title: string;
  bodyFile: string;
  draft: boolean;
}

export class Gh {
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** Why gh cannot be used, or undefined when it is installed and logged in. */
  async unusable(cwd: string): Promise<string | undefined> {
    const version = await run('gh', ['--version'], { cwd, env: this.env });
    if (version.code === null) return 'gh (the GitHub CLI) is not installed or not on PATH: install it from https://cli.github.com, then run gh auth login';
    if (version.code !== 0) return `gh --version failed: ${lastLines(version.stderr)}`;
    const auth = await run('gh', ['auth', 'status'], { cwd, env: this.env });
    if (auth.code !== 0) return `gh auth status failed (${lastLines(auth.stderr + auth.stdout.toString('utf8')) || `exit code ${auth.code}`}): run gh auth login`;
    return undefined;
  }

  /** A pull request already made from `head`, in any state (a closed one is not opened again). */
  async existing(cwd: string, head: string): Promise<PrRecord | undefined> {
    const r = await run('gh', ['pr', 'list', '--head', head, '--state', 'all', '--json', 'number,url,state', '--limit', '1'], { cwd, env: this.env });
    if (r.code !== 0) throw new Error(`gh pr list --head ${head} failed: ${lastLines(r.stderr) || `exit code ${r.code}`}`);
    const text = r.stdout.toString('utf8').trim();
    let list: { number?: number; url?: string; state?: string }[];
    try {
      list = text ? (JSON.parse(text) as typeof list) : [];
    } catch {
      throw new Error(`gh pr list --head ${head} printed something that is not JSON: ${text.slice(0, 200)}`);
    }
    const pr = list[0];
    return pr?.url ? { url: pr.url, number: pr.number, state: pr.state, existing: true } : undefined;
  }

  async create(cwd: string, req: PrRequest): Promise<PrRecord> {
    const args = ['pr', 'create', '--head', req.head, '--title', req.title, '--body-file', req.bodyFile];
    if (req.base) args.push('--base', req.base);
    if (req.draft) args.push('--draft');
    const r = await run('gh', args, { cwd, env: this.env });
    if (r.code !== 0) throw new Error(`gh pr create --head ${req.head} failed: ${lastLines(r.stderr) || `exit code ${r.code}`}`);
    const url = r.stdout.toString('utf8').match(/https?:\/\/\S+/g)?.pop();
    if (!url) throw new Error(`gh pr create --head ${req.head} printed no pull request URL`);
    const number = Number(/\/pull\/(\d+)/.exec(url)?.[1]);
    return { url, ...(number > 0 && { number }), state: 'OPEN' };
  }
}

function lastLines(s: string): string {
  return s.trim().split('\n').slice(-2).join(' / ');
}
