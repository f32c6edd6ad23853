/**
 * What bulk-pr finds in one repository, read from the commit and never from the working tree: the
 * base, the single-phase modules (converted in memory), those the engine refuses, and the branches
 * they go on, each with its status (to make, already made, or in the way).
 */
import path from 'node:path';
import { buildsForConversion, type ConvertDiscovery } from '../project/convert-inputs';
import { setupReaders } from '../project/discover';
import { sandboxAvailable } from '../verify/sandbox';
import { convertBytes, type FileOutcome } from '../cli/runner';
import { inspectRepo, listSources, readBlobs, resolveBase, type Base, type TreeFile } from './git';
import { groupModules, type BranchPlan, type LeftOut, type ModulePlan } from './plan';
import type { BranchFacts, ModuleFacts } from './pr-body';
import { short, type Run } from './run';
import type { BranchState, BulkState, RepoState } from './state';


/** What the committed tree holds: the modules to convert, those refused, and how many are done already. */
export interface Found {
  top: string;
  base: Base;
  folder: string;
  files: Map<string, TreeFile>;
  blobs: Map<string, Buffer>;
  modules: ModulePlan[];
  refused: LeftOut[];
  multiPhase: number;
  branches: BranchPlan[];
}

export type Inspected = { found: Found } | { skipped: string; top?: string } | { failed: string; top?: string };


export async function inspect(run: Run, repo: string): Promise<Inspected> {
  const { git, r } = run;
  const info = await inspectRepo(git, repo);
  if ('kind' in info) return { failed: info.reason };
  const base = await resolveBase(git, info.top, r.remote, r.base);
  if ('noCommits' in base) return { skipped: 'has no commits', top: info.top };
  if ('unknown' in base) return { failed: base.unknown, top: info.top };
  const sources = await listSources(git, info.top, base.commit);
  const blobs = await readBlobs(git, info.top, sources.map((s) => s.blob));
  const modules: ModulePlan[] = [];
  const refused: LeftOut[] = [];
  let multiPhase = 0;
  for (const f of sources) {
    // Planned from the committed bytes. Headers a file includes are looked up beside its path in
    // the checkout here; the commit itself is converted again in the worktree, from the commit.
    const outcome = await convert(path.join(info.top, f.path), blobs.get(f.blob)!, run);
    if (outcome.status === 'changed' && outcome.module) modules.push({ file: f.path, module: outcome.module, mode: f.mode, blob: f.blob, outcome });
    else if (outcome.status === 'failed') refused.push(refusal(f, outcome));
    else if (outcome.status === 'unchanged') multiPhase++;
  }
  if (modules.length === 0 && refused.length === 0) {
    return { skipped: `no single-phase module${multiPhase ? ` (${multiPhase} already multi-phase)` : ''}`, top: info.top };
  }
  const folder = run.state.repos[info.top]?.folder ?? uniqueFolder(run.state, path.basename(info.top));
  return {
    found: {
      top: info.top,
      base,
      folder,
      files: new Map(sources.map((s) => [s.path, s])),
      blobs,
      modules,
      refused,
      multiPhase,
      branches: groupModules(modules, r.settings.group, r.settings.branchPrefix),
    },
  };
}

export async function convert(file: string, bytes: Buffer, run: Run): Promise<FileOutcome> {
  const headerDirs = run.r.includeDirs.map((d) => path.resolve(path.dirname(file), d));
  try {
    // The repository's own build says what the module is compiled with (Py_LIMITED_API above all).
    const builds = await buildsForConversion([file], conversionDiscovery(run), path.dirname(file));
    return await convertBytes(file, bytes, { ...run.r.settings.convert, headerDirs, defines: run.r.defines ?? [], builds });
  } catch (e) {
    return { file, status: 'failed', reason: `internal error while converting: ${(e as Error).message}` };
  }
}

/** How bulk-pr reads a repository's build for converting: in the sandbox unless --no-sandbox. */
function conversionDiscovery(run: Run): ConvertDiscovery {
  const sandbox = run.r.sandbox !== false;
  return {
    sandbox,
    cache: run.r.cache !== false,
    pythons: () => setupReaders(run.r.python, run.r.cache),
    mayRunSetup: async () => !sandbox || (await sandboxAvailable()).ok,
  };
}

export function refusal(f: TreeFile, o: FileOutcome): LeftOut {
  const at = o.line ? ` at line ${o.line}` : '';
  return { file: f.path, module: o.module, reason: `refused${at}: ${o.reason ?? 'no reason given'}`, line: o.line, blob: f.blob, kind: 'refused' };
}

export function uniqueFolder(state: BulkState, name: string): string {
  const taken = new Set(Object.values(state.repos).map((x) => x.folder));
  const base = name.replace(/[^\w.+-]/g, '-') || 'repo';
  let folder = base;
  for (let n = 2; taken.has(folder); n++) folder = `${base}-${n}`;
  return folder;
}

/** Modules of `b`'s group that will not be in it: refused in its folder (dir), or anywhere (repo). */
export function groupLeftOut(run: Run, b: BranchPlan, all: LeftOut[]): LeftOut[] {
  const g = run.r.settings.group;
  if (g === 'repo') return all;
  if (g === 'dir') return all.filter((l) => path.posix.dirname(l.file) === b.dir);
  return all.filter((l) => b.modules.some((m) => m.file === l.file));
}

export type BranchStatus = { todo: true } | { todo: false; note: string } | { conflict: string };

export async function branchStatus(run: Run, top: string, base: string, b: BranchPlan, rec: BranchState | undefined): Promise<BranchStatus> {
  const tip = await run.git.branchCommit(top, b.name);
  if (!tip) {
    // A branch of that name on the remote (someone else's, or another --out's) would reject the push.
    const remote = await run.git.maybe(top, ['rev-parse', '-q', '--verify', `refs/remotes/${run.r.remote}/${b.name}^{commit}`]);
    if (remote) return { conflict: `${run.r.remote} already has a branch ${b.name} (at ${short(remote)}); delete it there, or use another --branch-prefix` };
    return { todo: true };
  }
  if (!rec) {
    // Made by a run killed between creating the branch and recording it: the branch's only reflog
    // entry is bulk-pr's creation, on a commit whose parent is the base. Ours to remove and redo.
    if (await halfMade(run, top, b.name, tip, base)) {
      if (run.r.dryRun) {
        run.io.stdout(`  would remove ${b.name} (${short(tip)}), which an interrupted run made without recording it, and make it again\n`);
        return { todo: true };
      }
      await run.git.text(top, ['update-ref', '-d', `refs/heads/${b.name}`, tip]);
      run.io.stdout(`  removed ${b.name} (${short(tip)}), which an interrupted run made without recording it; making it again\n`);
      return { todo: true };
    }
    return { conflict: `branch ${b.name} already exists (at ${short(tip)}) and the state file does not record making it; delete it, or use another --branch-prefix` };
  }
  if (tip !== rec.commit) return { todo: false, note: `moved since bulk-pr made it (now ${short(tip)}); left as it is` };
  const older = rec.baseCommit !== base ? `, made from an earlier tip ${short(rec.baseCommit)} (delete the branch to redo it)` : '';
  return { todo: false, note: `at ${short(tip)}${older}` };
}

async function halfMade(run: Run, top: string, name: string, tip: string, base: string): Promise<boolean> {
  const log = (await run.git.maybe(top, ['reflog', 'show', '--format=%H %gs', `refs/heads/${name}`])) ?? '';
  const entries = log.split('\n').filter(Boolean);
  if (entries.length !== 1 || !entries[0].startsWith(`${tip} pep489-codemod bulk-pr: `)) return false;
  return (await run.git.maybe(top, ['rev-parse', '-q', '--verify', `${tip}^`])) === base;
}

export function repoRecord(run: Run, repo: string, key: string, folder: string): RepoState {
  const rec = (run.state.repos[key] ??= { path: repo, folder, status: 'ok', branches: {}, leftOut: [] });
  rec.path = repo;
  return rec;
}

export function facts(run: Run, f: Found, b: BranchPlan, modules: ModuleFacts[], leftOut: LeftOut[]): BranchFacts {
  return {
    repo: f.folder,
    branch: b.name,
    base: f.base.branch,
    baseCommit: f.base.commit,
    remote: run.r.remote,
    dir: b.dir,
    modules,
    leftOut,
    notVerified: run.notVerified,
    tool: run.tool,
  };
}
