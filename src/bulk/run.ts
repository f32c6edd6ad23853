/** What one bulk-pr run shares between its steps: settings, tools, state, counters. */
import type { Gh } from './gh';
import type { Git } from './git';
import type { Resolved } from './args';
import type { BulkState } from './state';
import type { Templates } from './templates';
import type { Verifier } from './verify-step';
import type { Worktrees } from './worktree';

export interface BulkIo {
  stdout(s: string): void;
  stderr(s: string): void;
  cwd: string;
  /** For git and gh (PATH, identity); default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** What a caller may replace: the verifier (null turns verification off), the pause between PRs. */
export interface BulkDeps {
  verifier?: Verifier | null;
  sleep?: (ms: number) => Promise<void>;
  version?: string;
}

export interface Run {
  r: Resolved;
  io: BulkIo;
  git: Git;
  gh?: Gh;
  state: BulkState;
  templates: Templates;
  worktrees: Worktrees;
  verifier?: Verifier;
  notVerified?: string;
  tool: string;
  sleep: (ms: number) => Promise<void>;
  counts: Counts;
}

export interface Counts {
  created: number;
  existing: number;
  pushed: number;
  opened: number;
  prsFound: number;
  prsPending: number;
  leftOut: number;
  failed: number;
}

export const short = (sha: string) => sha.slice(0, 10);
