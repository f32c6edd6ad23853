/**
 * Asking an interpreter about itself (probes/describe.py), with the answer cached on disk: one
 * record per executable path under <cache>/interpreters/, valid while the executable (through its
 * symlinks), its Python.h and patchlevel.h, and describe.py itself are unchanged. A rebuilt or
 * upgraded interpreter changes its binary or its headers (pyenv's binaries are small launchers for
 * libpython, so the headers are what changes with it); installing the -dev package that was missing
 * changes them from absent to present. Failures are never cached.
 */

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheRoot, hashFile, hashOf, readJson, writeJsonAtomic } from './cache';

export interface Described {
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

/** What a cached description was taken from; any difference means asking again. */
interface Stamp {
  exe: string;
  real: string;
  size: number;
  mtimeMs: number;
  ino: number;
  script: string;
  /** size:mtime of the headers the description's includeDir holds ('' when absent). */
  headers: string[];
}

interface Entry {
  stamp: Stamp;
  described: Described;
}

const SCRIPT = path.join(__dirname, 'probes', 'describe.py');
const HEADERS = ['Python.h', 'patchlevel.h'];

/** The record of one executable path (the path as found: a venv's python differs from its base's). */
export function describeCacheFile(exe: string): string {
  return path.join(cacheRoot(), 'interpreters', `${hashOf(exe).slice(0, 32)}.json`);
}

/** The description of `exe`, or why it could not be had. `cache: false` neither reads nor writes the record. */
export async function describeInterpreter(exe: string, opts: { cache?: boolean } = {}): Promise<Described | string> {
  const useCache = opts.cache !== false;
  const before = useCache ? executableStamp(exe) : undefined;
  const file = describeCacheFile(exe);
  if (before) {
    const entry = readJson<Entry>(file);
    if (entry?.described && sameStamp(entry.stamp, { ...before, headers: headerStamps(entry.described.includeDir) })) {
      return entry.described;
    }
  }
  const info = await runDescribe(exe);
  if (before && typeof info !== 'string') {
    // Stamped as it was before asking: a change while describe.py ran is seen next time.
    const stamp: Stamp = { ...before, headers: headerStamps(info.includeDir) };
    try {
      writeJsonAtomic(file, { stamp, described: info } satisfies Entry);
    } catch {
      // An unwritable cache only costs the next run the same question.
    }
  }
  return info;
}

let scriptHash: string | undefined;

function executableStamp(exe: string): Omit<Stamp, 'headers'> | undefined {
  try {
    const real = fs.realpathSync(exe);
    const st = fs.statSync(real);
    scriptHash ??= hashFile(SCRIPT) ?? '';
    return { exe, real, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, script: scriptHash };
  } catch {
    return undefined;
  }
}

function headerStamps(includeDir: string): string[] {
  return HEADERS.map((h) => {
    try {
      const st = fs.statSync(path.join(includeDir, h));
      return `${st.size}:${st.mtimeMs}`;
    } catch {
      return '';
    }
  });
}

function sameStamp(a: Stamp | undefined, b: Stamp): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

function runDescribe(exe: string): Promise<Described | string> {
  return new Promise((resolve) => {
    // -E -s: the user's PYTHON* variables and user site must not change what the interpreter reports.
    execFile(exe, ['-E', '-s', SCRIPT], { timeout: 20000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
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
