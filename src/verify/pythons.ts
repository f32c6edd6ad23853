/**
 * Finding the CPythons a module is verified against: every CPython >= 3.8 with headers on PATH, in
 * pyenv's and uv's interpreter folders and the usual system places (/usr, /usr/local, Homebrew,
 * MacPorts, manylinux's /opt/python, conda), or exactly the ones named.
 * Each candidate is asked about itself (probes/describe.py), so nothing is guessed from file names.
 */

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mapLimit } from './pool';
import type { Discovery, Interpreter } from './types';

const MIN_MINOR = 8;
/** Names worth asking: python, python3, python3.12, python3.13t (not python3-config, python3.12-gdb.py). */
const PYTHON_NAME = /^python(3(\.\d+t?)?)?$/;

interface Described {
  implementation: string;
  version: string;
  major: number;
  minor: number;
  executable: string;
  realExecutable: string;
  includeDir: string;
  platIncludeDir: string;
  hasHeaders: boolean;
  extSuffix: string;
  freeThreaded: boolean;
  debug: boolean;
  cc: string[];
  cxx: string[];
  cflags: string[];
  ccshared: string[];
  ldshared: string[];
}

const memo = new Map<string, Promise<Discovery>>();

/** Discovery runs once per process for a given set of explicit interpreters. */
export function discoverPythons(opts: { explicit?: string[] } = {}): Promise<Discovery> {
  const key = JSON.stringify(opts.explicit ?? null);
  let found = memo.get(key);
  if (!found) {
    found = discover(opts.explicit);
    memo.set(key, found);
  }
  return found;
}

async function discover(explicit: string[] | undefined): Promise<Discovery> {
  const skipped: Discovery['skipped'] = [];
  const names = explicit && explicit.length > 0 ? explicit.map((e) => resolveExplicit(e, skipped)) : defaultCandidates();
  // Symlinks to one file (python -> python3 -> python3.12) are one candidate, silently.
  const byFile = new Map<string, string>();
  for (const exe of names) {
    if (!exe) continue;
    const real = safeRealpath(exe);
    if (real && !byFile.has(real)) byFile.set(real, exe);
  }
  const asked = await mapLimit([...byFile.values()], 8, async (exe) => ({ exe, info: await describe(exe) }));
  const found: Interpreter[] = [];
  const seen = new Map<string, string>();
  for (const { exe, info } of asked) {
    if (typeof info === 'string') {
      skipped.push({ exe, reason: info });
      continue;
    }
    const reason = unusable(info);
    if (reason) {
      skipped.push({ exe, reason });
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
  return { found, skipped };
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

function describe(exe: string): Promise<Described | string> {
  const script = path.join(__dirname, 'probes', 'describe.py');
  return new Promise((resolve) => {
    // -E -s: the user's PYTHON* variables and user site must not change what the interpreter reports.
    execFile(exe, ['-E', '-s', script], { timeout: 20000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const why = (stderr || err.message).trim().split('\n').pop() ?? err.message;
        resolve(`could not run it: ${why}`);
        return;
      }
      try {
        resolve(JSON.parse(stdout) as Described);
      } catch {
        resolve(`unexpected output from it: ${stdout.slice(0, 200)}`);
      }
    });
  });
}

function resolveExplicit(name: string, skipped: Discovery['skipped']): string | undefined {
  if (name.includes('/')) {
    if (isExecutable(name)) return path.resolve(name);
    skipped.push({ exe: name, reason: 'not an executable file' });
    return undefined;
  }
  // A bare version (`--python 3.12`, `--python 3.13t`) is `python3.12` wherever interpreters are searched.
  const version = /^\d+\.\d+t?$/.test(name);
  const dirs = version ? candidateDirs() : (process.env.PATH ?? '').split(path.delimiter);
  const file = version ? `python${name}` : name;
  for (const dir of dirs) {
    const exe = path.join(dir, file);
    if (dir && isExecutable(exe) && !isPyenvShim(exe)) return exe;
  }
  skipped.push({ exe: name, reason: version ? `no ${file} found (searched PATH, pyenv, uv and system folders)` : 'not found on PATH' });
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
