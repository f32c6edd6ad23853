/**
 * `pep489-codemod bulk-pr <repo-dir>... --out <dir>`: for each local clone, convert its single-phase
 * modules on new branches made from the tip of its default branch, in a temporary worktree; write a
 * pull request body per branch and a tracking issue; with --push and --create-pr, publish them.
 *
 * The user's checkout is never touched: files are read from the commit, commits are made in the
 * worktree and only a new branch ref appears. Every step done is recorded in the state file, so a
 * second run does nothing new and --resume continues after a failure.
 */
import fs from 'node:fs';
import path from 'node:path';
import { GIL_CHOICES, INTERPRETER_CHOICES, NUMPY_IMPORT_CHOICES, ONCE_PER_PROCESS_CHOICES, type ConvertOptions, type GilChoice, type InterpretersChoice, type NumpyImportChoice, type OncePerProcessChoice } from '../options';
import { convertBytes, type FileOutcome } from '../runner';
import { Gh } from './gh';
import { Git, identity, inspectRepo, listSources, readBlobs, resolveBase, validBranchName, type Base, type TreeFile } from './git';
import { bodyFileName, groupModules, GROUPS, type BranchPlan, type Group, type LeftOut, type ModulePlan } from './plan';
import { branchTitle, commitMessage, prBody, trackingIssue, type BranchFacts, type ModuleFacts, type VerifyVerdict } from './pr-body';
import { acquireLock, loadState, saveState, settingsDiff, StateError, type BranchState, type BulkState, type RepoState, type Settings } from './state';
import { loadTemplates, TemplateError, type Templates } from './templates';
import { chooseVerifier, type Verifier } from './verify-step';
import { onInterrupt, Worktrees } from './worktree';

export interface BulkPrArgs {
  /** Local clones (their top folders, or any folder inside). */
  repos?: string[];
  out?: string;
  group?: Group;
  /** Put before each branch name as given; default `pep489/`. */
  branchPrefix?: string;
  interpreters?: InterpretersChoice;
  gil?: GilChoice;
  oncePerProcess?: OncePerProcessChoice;
  dropPy2?: boolean;
  numpyImport?: NumpyImportChoice;
  /** Header folders, relative to each repository's top (conversion and verification). */
  includeDir?: string[];
  define?: string[];
  /** undefined: verify when a CPython and the sandbox are found. */
  verify?: boolean;
  python?: string[];
  timeout?: number;
  sandbox?: boolean;
  cache?: boolean;
  push?: boolean;
  remote?: string;
  createPr?: boolean;
  draft?: boolean;
  base?: string;
  /** Seconds between two pull requests created; default 2. */
  sleep?: number;
  maxPrs?: number;
  resume?: boolean;
  dryRun?: boolean;
  template?: string;
}

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

const EXIT = { ok: 0, usage: 2, failed: 3 } as const;
const DEFAULT_PREFIX = 'pep489/';
const DEFAULT_SLEEP_S = 2;

class UsageError extends Error {}

interface Resolved {
  repos: string[];
  out: string;
  settings: Settings;
  includeDirs: string[];
  defines?: string[];
  verify?: boolean;
  python?: string[];
  timeout?: number;
  sandbox?: boolean;
  cache?: boolean;
  push: boolean;
  remote: string;
  createPr: boolean;
  draft: boolean;
  base?: string;
  sleepS: number;
  maxPrs?: number;
  dryRun: boolean;
  template?: string;
  /** What --resume reads back. */
  recorded: Record<string, unknown>;
}

/** Per run: counters, the verifier, and what every repository step shares. */
interface Run {
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
  counts: { created: number; existing: number; pushed: number; opened: number; prsFound: number; prsPending: number; leftOut: number; failed: number };
}

export async function runBulkPrCommand(args: BulkPrArgs, io: BulkIo, deps: BulkDeps = {}): Promise<number> {
  const env = io.env ?? process.env;
  const git = new Git(env);
  const tool = `pep489-codemod ${deps.version ?? packageVersion()}`;
  let r: Resolved;
  let state: BulkState | undefined;
  let templates: Templates;
  try {
    ({ r, state } = resolveArgs(args, io.cwd));
    templates = loadTemplates(r.template);
    if (!(await validBranchName(git, io.cwd, `${r.settings.branchPrefix}x`))) {
      throw new UsageError(`--branch-prefix ${r.settings.branchPrefix}: git does not accept branch names starting with it`);
    }
    if (state) {
      const diff = settingsDiff(state.settings, r.settings);
      if (diff.length > 0) {
        throw new UsageError(`${r.out} holds the state of a run made with other settings: ${diff.join(', ')}; use the same settings, or another --out`);
      }
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof StateError || e instanceof TemplateError) {
      io.stderr(`pep489-codemod bulk-pr: ${e.message}\n`);
      return EXIT.usage;
    }
    throw e;
  }

  const run: Run = {
    r,
    io,
    git,
    state: state ?? newState(r, tool),
    templates,
    worktrees: new Worktrees(git, env.TMPDIR || undefined),
    tool,
    sleep: deps.sleep ?? ((ms) => new Promise((res) => setTimeout(res, ms))),
    counts: { created: 0, existing: 0, pushed: 0, opened: 0, prsFound: 0, prsPending: 0, leftOut: 0, failed: 0 },
  };

  if (r.dryRun) {
    io.stdout('bulk-pr --dry-run: the plan; nothing is changed anywhere\n');
    for (const repo of r.repos) await planOnly(run, repo);
    summary(run);
    return run.counts.failed > 0 ? EXIT.failed : EXIT.ok;
  }

  // Everything that can stop the run is checked before any repository is touched.
  if (r.createPr) {
    run.gh = new Gh(env);
    const why = await run.gh.unusable(io.cwd);
    if (why) {
      io.stderr(`pep489-codemod bulk-pr: --create-pr: ${why}; nothing was done\n`);
      return EXIT.usage;
    }
  }
  const choice = deps.verifier !== undefined ? (deps.verifier ? { verifier: deps.verifier, describe: 'verifying each module' } : { off: 'verification turned off' }) : await chooseVerifier({ ...r, includeDirs: r.includeDirs });
  if ('error' in choice) {
    io.stderr(`pep489-codemod bulk-pr: ${choice.error}\n`);
    return EXIT.usage;
  }
  if ('verifier' in choice) {
    run.verifier = choice.verifier;
    io.stdout(`${choice.describe}\n`);
  } else {
    run.notVerified = choice.off;
    io.stdout(`not verifying: ${choice.off}\n`);
  }

  fs.mkdirSync(r.out, { recursive: true });
  const lock = acquireLock(r.out);
  if ('heldBy' in lock) {
    io.stderr(`pep489-codemod bulk-pr: another bulk-pr run (pid ${lock.heldBy}) is using ${r.out}; wait for it, or use another --out\n`);
    return EXIT.usage;
  }
  run.state.args = r.recorded;
  run.state.run = { startedAt: new Date().toISOString(), complete: false, failed: 0 };
  saveState(r.out, run.state);
  const uninstall = onInterrupt(() => {
    const left = run.worktrees.count;
    run.worktrees.removeAllSync();
    saveState(r.out, run.state);
    lock.release();
    io.stderr(`\npep489-codemod bulk-pr: interrupted; removed ${left} temporary worktree(s); run again with --resume to continue\n`);
  });
  try {
    for (const repo of r.repos) {
      try {
        await processRepo(run, repo);
      } catch (e) {
        // One repository's unexpected failure does not stop the others.
        run.counts.failed++;
        io.stderr(`${repo}: FAILED: ${(e as Error).message}\n`);
        const rec = Object.values(run.state.repos).find((x) => x.path === repo);
        if (rec) Object.assign(rec, { status: 'failed', reason: (e as Error).message });
      }
      saveState(r.out, run.state);
    }
    fs.writeFileSync(path.join(r.out, 'tracking-issue.md'), trackingIssue(templates, run.state, tool));
    run.state.run = { ...run.state.run, finishedAt: new Date().toISOString(), complete: run.counts.failed === 0, failed: run.counts.failed };
    saveState(r.out, run.state);
  } finally {
    run.worktrees.removeAllSync();
    uninstall();
    lock.release();
  }
  summary(run);
  io.stdout(`PR bodies and the tracking issue: ${path.join(r.out, 'tracking-issue.md')}\n`);
  return run.counts.failed > 0 ? EXIT.failed : EXIT.ok;
}

// ---------------------------------------------------------------- arguments

function resolveArgs(args: BulkPrArgs, cwd: string): { r: Resolved; state?: BulkState } {
  let a: BulkPrArgs = definedOnly(args);
  if (!a.out) throw new UsageError('--out <dir> is required: the folder for the PR bodies, the tracking issue and the state file');
  const out = path.resolve(cwd, a.out);
  const state = loadState(out);
  if (a.resume) {
    if (!state) throw new UsageError(`--resume: nothing to resume in ${out} (no state file)`);
    // The recorded run's arguments, with what is given now on top.
    a = { ...(state.args as BulkPrArgs), ...a, repos: a.repos?.length ? a.repos : (state.args.repos as string[] | undefined) };
  }
  const repos = [...new Set((a.repos ?? []).map((p) => path.resolve(cwd, p)))];
  if (repos.length === 0) throw new UsageError('name at least one repository (a local git clone)');
  const group = a.group ?? 'module';
  checkChoice('--group', group, GROUPS);
  const convert: ConvertOptions = {
    interpreters: a.interpreters ?? 'not-supported',
    gil: a.gil ?? 'used',
    oncePerProcess: a.oncePerProcess ?? 'auto',
    dropPy2: a.dropPy2 ?? false,
    numpyImport: a.numpyImport ?? 'any',
  };
  checkChoice('--interpreters', convert.interpreters, INTERPRETER_CHOICES);
  checkChoice('--gil', convert.gil, GIL_CHOICES);
  checkChoice('--once-per-process', convert.oncePerProcess!, ONCE_PER_PROCESS_CHOICES);
  checkChoice('--numpy-import', convert.numpyImport!, NUMPY_IMPORT_CHOICES);
  const sleepS = a.sleep ?? DEFAULT_SLEEP_S;
  if (!(sleepS >= 0) || !Number.isFinite(sleepS)) throw new UsageError(`--sleep ${a.sleep}: give a number of seconds, 0 or more`);
  if (a.maxPrs !== undefined && !(Number.isInteger(a.maxPrs) && a.maxPrs >= 0)) throw new UsageError(`--max-prs ${a.maxPrs}: give a whole number, 0 or more`);
  const template = a.template ? path.resolve(cwd, a.template) : undefined;
  const recorded: Record<string, unknown> = { ...a, repos, out, ...(template && { template }) };
  delete recorded.resume;
  delete recorded.dryRun;
  return {
    state,
    r: {
      repos,
      out,
      settings: { group, branchPrefix: a.branchPrefix ?? DEFAULT_PREFIX, convert },
      includeDirs: a.includeDir ?? [],
      defines: a.define,
      verify: a.verify,
      python: a.python,
      timeout: a.timeout,
      sandbox: a.sandbox,
      cache: a.cache,
      push: !!(a.push || a.createPr),
      remote: a.remote ?? 'origin',
      createPr: !!a.createPr,
      draft: !!a.draft,
      base: a.base,
      sleepS,
      maxPrs: a.maxPrs,
      dryRun: !!args.dryRun,
      template,
      recorded,
    },
  };
}

function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function checkChoice(flag: string, value: string, choices: readonly string[]): void {
  if (!choices.includes(value)) throw new UsageError(`${flag} ${value}: choose one of ${choices.join(', ')}`);
}

function newState(r: Resolved, tool: string): BulkState {
  return { version: 1, tool, settings: r.settings, args: r.recorded, run: { startedAt: new Date().toISOString(), complete: false, failed: 0 }, repos: {} };
}

function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      return (require(rel) as { version: string }).version;
    } catch {
      /* src/bulk in a checkout, dist/src/bulk when built */
    }
  }
  return 'unknown';
}

// ---------------------------------------------------------------- one repository

/** What the committed tree holds: the modules to convert, those refused, and how many are done already. */
interface Found {
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

type Inspected = { found: Found } | { skipped: string; top?: string } | { failed: string; top?: string };

const short = (sha: string) => sha.slice(0, 10);

async function inspect(run: Run, repo: string): Promise<Inspected> {
  const { git, r } = run;
  const info = await inspectRepo(git, repo);
  if ('kind' in info) return { failed: info.reason };
  const base = await resolveBase(git, info.top, r.remote, r.base);
  if (!base) return r.base ? { failed: `no branch ${r.base} (locally or on ${r.remote})`, top: info.top } : { skipped: 'has no commits', top: info.top };
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

async function convert(file: string, bytes: Buffer, run: Run): Promise<FileOutcome> {
  const headerDirs = run.r.includeDirs.map((d) => path.resolve(path.dirname(file), d));
  try {
    return await convertBytes(file, bytes, { ...run.r.settings.convert, headerDirs });
  } catch (e) {
    return { file, status: 'failed', reason: `internal error while converting: ${(e as Error).message}` };
  }
}

function refusal(f: TreeFile, o: FileOutcome): LeftOut {
  const at = o.line ? ` at line ${o.line}` : '';
  return { file: f.path, module: o.module, reason: `refused${at}: ${o.reason ?? 'no reason given'}`, line: o.line, blob: f.blob, kind: 'refused' };
}

function uniqueFolder(state: BulkState, name: string): string {
  const taken = new Set(Object.values(state.repos).map((x) => x.folder));
  const base = name.replace(/[^\w.+-]/g, '-') || 'repo';
  let folder = base;
  for (let n = 2; taken.has(folder); n++) folder = `${base}-${n}`;
  return folder;
}

/** Modules of `b`'s group that will not be in it: refused in its folder (dir), or anywhere (repo). */
function groupLeftOut(run: Run, b: BranchPlan, all: LeftOut[]): LeftOut[] {
  const g = run.r.settings.group;
  if (g === 'repo') return all;
  if (g === 'dir') return all.filter((l) => path.posix.dirname(l.file) === b.dir);
  return all.filter((l) => b.modules.some((m) => m.file === l.file));
}

type BranchStatus = { todo: true } | { todo: false; note: string } | { conflict: string };

async function branchStatus(run: Run, top: string, base: string, b: BranchPlan, rec: BranchState | undefined): Promise<BranchStatus> {
  const tip = await run.git.branchCommit(top, b.name);
  if (!tip) return { todo: true };
  if (!rec) return { conflict: `branch ${b.name} already exists (at ${short(tip)}) and the state file does not record making it; delete it, or use another --branch-prefix` };
  if (tip !== rec.commit) return { todo: false, note: `moved since bulk-pr made it (now ${short(tip)}); left as it is` };
  const older = rec.baseCommit !== base ? `, made from an earlier tip ${short(rec.baseCommit)} (delete the branch to redo it)` : '';
  return { todo: false, note: `at ${short(tip)}${older}` };
}

function repoRecord(run: Run, repo: string, key: string, folder: string): RepoState {
  const rec = (run.state.repos[key] ??= { path: repo, folder, status: 'ok', branches: {}, leftOut: [] });
  rec.path = repo;
  return rec;
}

async function planOnly(run: Run, repo: string): Promise<void> {
  const { io, r } = run;
  const seen = await inspect(run, repo);
  if ('failed' in seen) {
    run.counts.failed++;
    io.stdout(`${repo}: would fail: ${seen.failed}\n`);
    return;
  }
  if ('skipped' in seen) {
    io.stdout(`${repo}: skipped: ${seen.skipped}\n`);
    return;
  }
  const f = seen.found;
  const rec = run.state.repos[f.top];
  io.stdout(`${f.folder} (${f.top}): ${f.base.branch ?? 'HEAD'} at ${short(f.base.commit)}, ${f.modules.length} module(s) to convert\n`);
  for (const b of f.branches) {
    const status = await branchStatus(run, f.top, f.base.commit, b, rec?.branches[b.name]);
    const mods = b.modules.map((m) => `${m.module} (${m.file})`).join(', ');
    if ('conflict' in status) {
      run.counts.failed++;
      io.stdout(`  would fail ${b.name}: ${status.conflict}\n`);
      continue;
    }
    const done = rec?.branches[b.name];
    if (!status.todo) run.counts.existing++;
    else run.counts.created++;
    io.stdout(`  ${status.todo ? 'would create' : 'exists'} ${b.name}: ${mods}\n`);
    const title = done?.title ?? branchTitle(run.templates, facts(run, f, b, b.modules, []));
    io.stdout(`    title: ${title}\n`);
    if (r.push && !(done?.pushed && !status.todo)) io.stdout(`    would push to ${r.remote}\n`);
    if (r.createPr && !done?.pr) io.stdout(`    would open a pull request (unless ${r.remote} has one for ${b.name})${r.draft ? ', as a draft' : ''}\n`);
    else if (done?.pr) io.stdout(`    pull request: ${done.pr.url}\n`);
  }
  for (const l of f.refused) {
    run.counts.leftOut++;
    io.stdout(`  left out ${l.file}${l.module ? ` (${l.module})` : ''}: ${l.reason}\n`);
  }
  io.stdout(`  would write ${path.join(r.out, f.folder)}/<branch>.md for each new branch\n`);
}

function facts(run: Run, f: Found, b: BranchPlan, modules: ModuleFacts[], leftOut: LeftOut[]): BranchFacts {
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

async function processRepo(run: Run, repo: string): Promise<void> {
  const { io, git, r, state } = run;
  const seen = await inspect(run, repo);
  if (!('found' in seen)) {
    const failed = 'failed' in seen;
    const key = seen.top ?? repo;
    const rec = repoRecord(run, repo, key, state.repos[key]?.folder ?? uniqueFolder(state, path.basename(repo)));
    rec.status = failed ? 'failed' : 'skipped';
    rec.reason = failed ? seen.failed : seen.skipped;
    if (failed) {
      run.counts.failed++;
      io.stderr(`${repo}: FAILED: ${seen.failed}\n`);
    } else io.stdout(`${repo}: skipped: ${seen.skipped}\n`);
    return;
  }
  const f = seen.found;
  const rec = repoRecord(run, repo, f.top, f.folder);
  Object.assign(rec, { status: 'ok', reason: undefined, base: f.base.branch, baseCommit: f.base.commit });
  io.stdout(`${f.folder} (${f.top}): ${f.base.branch ?? 'HEAD'} at ${short(f.base.commit)}, ${f.modules.length} module(s) to convert\n`);

  // Verification failures from an earlier run stay left out unless this run can verify again.
  const earlier = new Map(rec.leftOut.filter((l) => l.kind === 'verification').map((l) => [`${l.file}\0${l.blob}`, l]));
  const leftOut: LeftOut[] = [...f.refused];
  const todo: BranchPlan[] = [];
  for (const b of f.branches) {
    const status = await branchStatus(run, f.top, f.base.commit, b, rec.branches[b.name]);
    if ('conflict' in status) {
      run.counts.failed++;
      io.stderr(`${f.folder}: ${b.name}: FAILED: ${status.conflict}\n`);
    } else if (status.todo) todo.push(b);
    else {
      run.counts.existing++;
      io.stdout(`  exists  ${b.name} ${status.note}\n`);
      // Its modules' earlier verdicts still hold.
      for (const m of b.modules) {
        const l = earlier.get(`${m.file}\0${m.blob}`);
        if (l) leftOut.push(l);
      }
    }
  }

  if (todo.length > 0) {
    const who = await identity(git, f.top);
    if (!who.ok) throw new Error(who.reason);
    const wt = await run.worktrees.add(f.top, f.base.commit, f.folder);
    try {
      for (const b of todo) {
        const kept: (ModuleFacts & ModulePlan)[] = [];
        const groupOut: LeftOut[] = [];
        for (const m of b.modules) {
          const before = f.blobs.get(m.blob)!;
          // Converted again where the commit is checked out: its headers are the committed ones.
          const outcome = await convert(path.join(wt, m.file), before, run);
          let verification: VerifyVerdict | undefined;
          let out: LeftOut | undefined;
          if (outcome.status !== 'changed' || !outcome.after) {
            out = refusal(f.files.get(m.file)!, outcome);
          } else if (run.verifier) {
            io.stdout(`  verifying ${m.module} (${m.file})\n`);
            verification = await run.verifier.verify({
              file: path.join(wt, m.file),
              root: wt,
              module: m.module,
              original: before,
              converted: outcome.after,
              expect: outcome.declared && { interpreters: outcome.declared.interpreters, gil: outcome.declared.gil },
            });
            if (!verification.ok) out = { file: m.file, module: m.module, reason: verification.reason ?? 'verification failed', blob: m.blob, kind: 'verification' };
          } else {
            const l = earlier.get(`${m.file}\0${m.blob}`);
            if (l) out = { ...l, reason: `${l.reason} (in an earlier run; not committed unverified)` };
          }
          if (out) groupOut.push(out);
          else kept.push({ ...m, outcome, verification });
        }
        leftOut.push(...groupOut);
        for (const l of groupOut) io.stdout(`  left out ${l.file} (${l.module ?? '?'}): ${l.reason}\n`);
        if (kept.length === 0) {
          io.stdout(`  no branch ${b.name}: every module in it was left out\n`);
          continue;
        }
        await commitBranch(run, f, wt, b, kept, groupLeftOut(run, b, [...f.refused, ...groupOut]), rec);
      }
    } finally {
      await run.worktrees.remove(wt);
    }
  }
  for (const l of f.refused) io.stdout(`  left out ${l.file}${l.module ? ` (${l.module})` : ''}: ${l.reason}\n`);
  rec.leftOut = dedupeLeftOut(leftOut);
  run.counts.leftOut += rec.leftOut.length;
  saveState(r.out, state);

  if (r.push) await pushBranches(run, f, rec);
  if (r.createPr) await openPrs(run, f, rec);
}

function dedupeLeftOut(list: LeftOut[]): LeftOut[] {
  const byFile = new Map<string, LeftOut>();
  for (const l of list) byFile.set(l.file, l);
  return [...byFile.values()].sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** One commit on the base, holding the converted modules, and the branch pointing at it. */
async function commitBranch(run: Run, f: Found, wt: string, b: BranchPlan, kept: (ModuleFacts & ModulePlan)[], leftOut: LeftOut[], rec: RepoState): Promise<void> {
  const { git, r, io } = run;
  const fx = facts(run, f, b, kept, leftOut);
  const title = branchTitle(run.templates, fx);
  const message = commitMessage(run.templates, fx, title);
  // The worktree's own index, reset to the base: the user's index is not involved.
  await git.text(wt, ['read-tree', f.base.commit]);
  for (const m of kept) {
    const blob = await git.text(wt, ['hash-object', '-w', '--no-filters', '--stdin'], m.outcome.after!);
    await git.text(wt, ['update-index', '--cacheinfo', `${m.mode},${blob},${m.file}`]);
  }
  const tree = await git.text(wt, ['write-tree']);
  const commit = await git.text(wt, ['commit-tree', tree, '-p', f.base.commit, '-F', '-'], message);
  // The empty old value: create the branch only if it still does not exist.
  await git.text(f.top, ['update-ref', '-m', `pep489-codemod bulk-pr: ${title}`, `refs/heads/${b.name}`, commit, '']);
  const bodyFile = path.join(f.folder, bodyFileName(b.name));
  fs.mkdirSync(path.join(r.out, f.folder), { recursive: true });
  fs.writeFileSync(path.join(r.out, bodyFile), prBody(run.templates, fx, title));
  const first = kept.find((m) => m.verification)?.verification;
  rec.branches[b.name] = {
    commit,
    baseCommit: f.base.commit,
    base: f.base.branch,
    title,
    bodyFile,
    modules: kept.map((m) => ({ module: m.module, file: m.file })),
    verified: run.notVerified ? `not verified: ${run.notVerified}` : first ? `verified on CPython ${first.labels.join(', ')}` : 'verified',
  };
  saveState(r.out, run.state);
  run.counts.created++;
  io.stdout(`  created ${b.name} (${short(commit)}): ${kept.map((m) => `${m.module} (${m.file})`).join(', ')}${first ? ', verified' : ''}\n`);
}

async function pushBranches(run: Run, f: Found, rec: RepoState): Promise<void> {
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

async function openPrs(run: Run, f: Found, rec: RepoState): Promise<void> {
  const { r, io } = run;
  const gh = run.gh!;
  for (const [name, b] of Object.entries(rec.branches)) {
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
      b.pr = await gh.create(f.top, { head: name, base: b.base, title: b.title, bodyFile, draft: r.draft });
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

function summary(run: Run): void {
  const c = run.counts;
  const would = run.r.dryRun ? 'would be ' : '';
  const parts = [`${c.created} branch(es) ${would}created`, `${c.existing} already there`];
  if (!run.r.dryRun && run.r.push) parts.push(`${c.pushed} pushed`);
  if (!run.r.dryRun && run.r.createPr) parts.push(`${c.opened} pull request(s) opened`, `${c.prsFound} found already open`);
  if (c.prsPending) parts.push(`${c.prsPending} pull request(s) left for the next run (--max-prs ${run.r.maxPrs})`);
  if (c.leftOut) parts.push(`${c.leftOut} module(s) left out`);
  if (c.failed) parts.push(`${c.failed} failure(s)`);
  run.io.stdout(`bulk-pr: ${parts.join(', ')}\n`);
}
