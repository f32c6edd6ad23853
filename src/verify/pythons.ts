/**
 * Finding the CPythons a module is verified against: every CPython >= 3.8 with headers on PATH, in
 * pyenv's and uv's interpreter folders and the usual system places (/usr, /usr/local, Homebrew,
 * MacPorts, manylinux's /opt/python, conda), or exactly the ones named (selectors.ts: a path, a name
 * on PATH, a matrix label, a version, a cibuildwheel selector).
 * Each candidate is asked about itself (probes/describe.py), so nothing is guessed from file names;
 * the answers are cached per executable (describe.ts), the folders are scanned every time.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeInterpreter, type Described } from './describe';
import { mapLimit } from './pool';
import { identifier, matchSelector, parseSelector, platformTails, type Selectable } from './selectors';
import type { Discovery, Interpreter } from './types';

const MIN_MINOR = 8;
/** Names worth asking: python, python3, python3.12, python3.13t (not python3-config, python3.12-gdb.py). */
const PYTHON_NAME = /^python(3(\.\d+t?)?)?$/;

export interface DiscoverOptions {
  /** --python values: paths, names on PATH, matrix labels, versions, cibuildwheel selectors. */
  explicit?: string[];
  /** false (--no-cache): ask every interpreter again, and do not record the answers. */
  cache?: boolean;
}

/** A discovery with what it learnt about the candidates on the way. */
interface Survey extends Discovery {
  described: Map<string, Described>;
  unusable: { exe: string; reason: string; info: Described }[];
}

const memo = new Map<string, Promise<Discovery>>();

/** Discovery runs once per process for a given set of explicit interpreters. */
export function discoverPythons(opts: DiscoverOptions = {}): Promise<Discovery> {
  const key = JSON.stringify([opts.explicit ?? null, opts.cache !== false]);
  let found = memo.get(key);
  if (!found) {
    found = rediscoverPythons(opts);
    memo.set(key, found);
  }
  return found;
}

/**
 * Discovery without the per-process memo: the folders are scanned again; the descriptions still
 * come from the on-disk cache unless `cache: false`.
 */
export async function rediscoverPythons(opts: DiscoverOptions = {}): Promise<Discovery> {
  const cache = opts.cache !== false;
  const explicit = opts.explicit ?? [];
  if (explicit.length === 0) return plain(await survey(defaultCandidates(), [], cache));
  const skipped: Discovery['skipped'] = [];
  const picks: string[] = [];
  // Labels, versions and selectors mean what the matrix of a run without --python shows.
  let everything: Survey | undefined;
  for (const text of explicit) {
    const sel = parseSelector(text);
    if (sel.kind === 'path' || sel.kind === 'name') {
      const exe = resolveExplicit(sel.text, sel.kind, skipped);
      if (exe) picks.push(exe);
      continue;
    }
    everything ??= await survey(defaultCandidates(), [], cache);
    const matched = matchSelector(sel, everything.found);
    if (matched.length > 0) {
      picks.push(...matched.map((i) => i.exe));
      continue;
    }
    // A version that is there but unusable (3.7, no headers) is named with its reason, as a path would be.
    const unusable = matchSelector(
      sel,
      everything.unusable.map((u) => ({ ...selectable(u.info), u })),
    );
    if (unusable.length > 0) skipped.push(...unusable.map(({ u }) => ({ exe: u.exe, reason: u.reason })));
    else skipped.push({ exe: text, reason: noMatch(sel.kind, everything.found) });
  }
  return plain(await survey(picks, skipped, cache, everything?.described));
}

function noMatch(kind: 'version' | 'cibuildwheel', found: Interpreter[]): string {
  if (found.length === 0) return 'matches nothing: no CPython >= 3.8 with headers found (searched PATH, pyenv, uv and system folders)';
  const labels = found.map((i) => i.label).join(', ');
  if (kind === 'version') return `matches none of the CPythons found: ${labels}`;
  const tail = platformTails()[0];
  const ids = [...new Set(found.flatMap((i) => identifier(i) ?? []))].map((id) => `${id}-${tail}`);
  return `matches none of the CPythons found: ${labels} (cibuildwheel identifiers: ${ids.join(', ')})`;
}

function selectable(d: Described): Selectable {
  return { label: '', version: d.version, major: d.major, minor: d.minor, freeThreaded: d.freeThreaded, debug: d.debug };
}

function plain(s: Survey): Discovery {
  return { found: s.found, skipped: s.skipped };
}

/** Asks each candidate (or takes what an earlier survey learnt), keeps the usable CPythons, labels them. */
async function survey(names: string[], skipped: Discovery['skipped'], cache: boolean, known?: Map<string, Described>): Promise<Survey> {
  // Symlinks to one file (python -> python3 -> python3.12) are one candidate, silently.
  const byFile = new Map<string, string>();
  for (const exe of names) {
    const real = safeRealpath(exe);
    if (real && !byFile.has(real)) byFile.set(real, exe);
  }
  const asked = await mapLimit([...byFile.values()], 8, async (exe) => ({
    exe,
    info: known?.get(exe) ?? (await describeInterpreter(exe, { cache })),
  }));
  const described = new Map<string, Described>();
  const unusableOnes: Survey['unusable'] = [];
  const found: Interpreter[] = [];
  const seen = new Map<string, string>();
  for (const { exe, info } of asked) {
    if (typeof info === 'string') {
      skipped.push({ exe, reason: info });
      continue;
    }
    described.set(exe, info);
    const reason = unusable(info);
    if (reason) {
      skipped.push({ exe, reason });
      unusableOnes.push({ exe, reason, info });
      continue;
    }
    const identity = `${info.realExecutable}\0${info.version}\0${info.freeThreaded}`;
    const first = seen.get(identity);
    if (first) {
      skipped.push({ exe, reason: `same interpreter as ${first}` });
      continue;
    }
    seen.set(identity, exe);
    found.push(toInterpreter(exe, info));
  }
  found.sort(
    (a, b) =>
      a.major - b.major ||
      a.minor - b.minor ||
      Number(a.freeThreaded) - Number(b.freeThreaded) ||
      Number(a.debug) - Number(b.debug) ||
      a.version.localeCompare(b.version, 'en', { numeric: true }) ||
      a.exe.localeCompare(b.exe),
  );
  labelUniquely(found);
  return { found, skipped, described, unusable: unusableOnes };
}

function unusable(info: Described): string | undefined {
  if (info.implementation !== 'CPython') return `${info.implementation} ${info.version} is not CPython`;
  if (info.major < 3 || (info.major === 3 && info.minor < MIN_MINOR)) {
    return `CPython ${info.version} is older than 3.${MIN_MINOR} (multi-phase modules are verified on 3.${MIN_MINOR}+)`;
  }
  if (!info.hasHeaders) {
    return `no Python.h in ${info.includeDir}: install the headers (Debian/Ubuntu: apt install python${info.major}.${info.minor}-dev; Fedora: dnf install python${info.major}-devel)`;
  }
  if (!info.extSuffix) return 'sysconfig has no EXT_SUFFIX';
  if (info.cc.length === 0) return 'sysconfig has no CC';
  return undefined;
}

function toInterpreter(exe: string, d: Described): Interpreter {
  // LDSHARED starts with the driver ("gcc", "gcc -pthread", "ccache gcc"): keep only what follows it.
  const firstFlag = d.ldshared.findIndex((w) => w.startsWith('-') && w !== '-pthread');
  return {
    exe,
    realExe: d.realExecutable,
    version: d.version,
    major: d.major,
    minor: d.minor,
    label: `${d.major}.${d.minor}${d.freeThreaded ? 't' : ''}${d.debug ? 'd' : ''}`,
    includeDir: d.includeDir,
    platIncludeDir: d.platIncludeDir,
    extSuffix: d.extSuffix,
    freeThreaded: d.freeThreaded,
    debug: d.debug,
    cc: d.cc,
    cxx: d.cxx.length > 0 ? d.cxx : ['g++'],
    cflags: d.cflags,
    ccshared: d.ccshared.length > 0 ? d.ccshared : ['-fPIC'],
    ldflags: firstFlag < 0 ? ['-shared'] : d.ldshared.slice(firstFlag),
  };
}

/** Two 3.12s (pyenv's and the system's) get their full version in the label so the matrix tells them apart. */
function labelUniquely(found: Interpreter[]): void {
  const counts = new Map<string, number>();
  for (const i of found) counts.set(i.label, (counts.get(i.label) ?? 0) + 1);
  const seen = new Map<string, number>();
  for (const i of found) {
    if ((counts.get(i.label) ?? 0) < 2) continue;
    const base = `${i.version}${i.freeThreaded ? 't' : ''}${i.debug ? 'd' : ''}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    i.label = n === 1 ? base : `${base}#${n}`;
  }
}

/** A path is that file; a bare name is the first executable of that name on PATH, as a shell would find it. */
function resolveExplicit(name: string, kind: 'path' | 'name', skipped: Discovery['skipped']): string | undefined {
  if (kind === 'path') {
    if (isExecutable(name)) return path.resolve(name);
    skipped.push({ exe: name, reason: 'not an executable file' });
    return undefined;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const exe = path.join(dir, name);
    if (dir && isExecutable(exe) && !isPyenvShim(exe)) return exe;
  }
  skipped.push({ exe: name, reason: 'not found on PATH' });
  return undefined;
}

/** PATH first (the user's own order), then pyenv, uv and system folders. */
function candidateDirs(): string[] {
  const home = os.homedir();
  const env = process.env;
  const dirs: string[] = (env.PATH ?? '').split(path.delimiter).filter((d) => d);
  const pyenvRoot = env.PYENV_ROOT || path.join(home, '.pyenv');
  dirs.push(...subdirs(path.join(pyenvRoot, 'versions')).map((v) => path.join(v, 'bin')));
  const uvDir = env.UV_PYTHON_INSTALL_DIR || path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'uv', 'python');
  dirs.push(...subdirs(uvDir).map((v) => path.join(v, 'bin')));
  dirs.push('/usr/bin', '/usr/local/bin', '/opt/homebrew/bin', '/opt/local/bin', '/opt/conda/bin');
  dirs.push(...['miniconda3', 'anaconda3', 'miniforge3', 'mambaforge'].map((d) => path.join(home, d, 'bin')));
  dirs.push(...subdirs('/opt/python').map((v) => path.join(v, 'bin')));
  return [...new Set(dirs)];
}

function defaultCandidates(): string[] {
  const out: string[] = [];
  for (const dir of candidateDirs()) {
    let entries: string[];
    try {
      entries = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of entries.sort()) {
      const exe = path.join(dir, name);
      if (PYTHON_NAME.test(name) && isExecutable(exe) && !isPyenvShim(exe)) out.push(exe);
    }
  }
  return out;
}

/**
 * pyenv's shims run whichever version is selected, through a bash script; the versions behind them
 * are searched directly, so the shims would only add slow duplicates.
 */
function isPyenvShim(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(512);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    fs.closeSync(fd);
    const text = head.subarray(0, n).toString('latin1');
    return text.startsWith('#!') && text.includes('pyenv') && text.includes('exec');
  } catch {
    return false;
  }
}

function subdirs(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() || e.isSymbolicLink())
      .map((e) => path.join(dir, e.name))
      .sort();
  } catch {
    return [];
  }
}

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function safeRealpath(file: string): string | undefined {
  try {
    return fs.realpathSync(file);
  } catch {
    return undefined;
  }
}
