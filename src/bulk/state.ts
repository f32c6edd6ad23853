/**
 * The record of what bulk-pr did, in `<out>/bulk-pr-state.json`: per repository the branches made
 * (commit, base), pushed and their pull requests. A run reads it first and skips every step already
 * done, so running again is a no-op and `--resume` picks up where a failure stopped. Written
 * atomically after every step; a lock file keeps two runs from sharing one `--out`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ConvertOptions } from '../engine/options';
import type { Group, LeftOut } from './plan';

export const STATE_FILE = 'bulk-pr-state.json';
const LOCK_FILE = '.bulk-pr.lock';

/** The settings that decide what the branches contain: a later run must use the same ones. */
export interface Settings {
  group: Group;
  branchPrefix: string;
  convert: ConvertOptions;
}

export interface PrRecord {
  url: string;
  number?: number;
  /** OPEN, MERGED, CLOSED as gh reports them (MERGED ticks the tracking issue's box). */
  state?: string;
  /** Found with `gh pr list --head` rather than opened by this tool. */
  existing?: boolean;
}

export interface BranchState {
  commit: string;
  baseCommit: string;
  /** The branch pull requests target. */
  base?: string;
  title: string;
  /** Relative to the --out folder. */
  bodyFile: string;
  modules: { module: string; file: string }[];
  /** One line: where and how the modules were verified, or why not. */
  verified: string;
  pushed?: { remote: string; commit: string };
  pr?: PrRecord;
  /** The last step that failed for this branch, cleared when it succeeds. */
  error?: string;
}

export interface RepoState {
  /** The path as given on the command line, resolved. */
  path: string;
  /** Folder name under --out. */
  folder: string;
  status: 'ok' | 'failed' | 'skipped';
  reason?: string;
  base?: string;
  baseCommit?: string;
  branches: Record<string, BranchState>;
  leftOut: LeftOut[];
}

export interface BulkState {
  version: 1;
  tool: string;
  settings: Settings;
  /** The arguments of the last run, which `--resume` starts from. */
  args: Record<string, unknown>;
  run: { startedAt: string; finishedAt?: string; complete: boolean; failed: number };
  /** By repository top folder (or the given path when it is not a repository). */
  repos: Record<string, RepoState>;
}

export class StateError extends Error {}

export function statePath(out: string): string {
  return path.join(out, STATE_FILE);
}

export function loadState(out: string): BulkState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(statePath(out), 'utf8');
  } catch {
    return undefined;
  }
  let state: BulkState;
  try {
    state = JSON.parse(text) as BulkState;
  } catch (e) {
    throw new StateError(`${statePath(out)} is not valid JSON (${(e as Error).message}); move it away to start over`);
  }
  if (state?.version !== 1 || typeof state.repos !== 'object') throw new StateError(`${statePath(out)} is not a bulk-pr state file (version 1)`);
  return state;
}

export function saveState(out: string, state: BulkState): void {
  const file = statePath(out);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** What differs between two settings, worded for an error; empty when they agree. */
export function settingsDiff(recorded: Settings, now: Settings): string[] {
  const diffs: string[] = [];
  if (recorded.group !== now.group) diffs.push(`--group ${recorded.group} (now ${now.group})`);
  if (recorded.branchPrefix !== now.branchPrefix) diffs.push(`--branch-prefix ${recorded.branchPrefix} (now ${now.branchPrefix})`);
  const keys = new Set([...Object.keys(recorded.convert), ...Object.keys(now.convert)] as (keyof ConvertOptions)[]);
  for (const k of keys) {
    const a = JSON.stringify(recorded.convert[k] ?? null);
    const b = JSON.stringify(now.convert[k] ?? null);
    if (a !== b) diffs.push(`${k} ${a} (now ${b})`);
  }
  return diffs;
}

/** Takes the --out folder for this process; returns the release function, or who holds it. */
export function acquireLock(out: string): { release: () => void } | { heldBy: number } {
  const file = path.join(out, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return { release: () => fs.rmSync(file, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(file, 'utf8'));
      if (pid > 0 && pid !== process.pid && alive(pid)) return { heldBy: pid };
      // Left by a run that was killed: take it over.
      fs.rmSync(file, { force: true });
    }
  }
  return { heldBy: -1 };
}

/** Whether process `pid` still runs (EPERM: it does, as another user's). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
