/**
 * The two helper objects the verifier builds once per compiler and keeps in the cache:
 * - faultshim.o, linked into every module build (with --wrap) for fault injection (probe 6);
 * - traceshim.so, preloaded into every probe process to name writes and connections.
 * Neither includes Python.h, so one build serves every interpreter.
 */

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { entryDir, hashOf, storeEntry } from './cache';

const PROBES = path.join(__dirname, 'probes');
const memo = new Map<string, Promise<string>>();

/** The APIs faultshim.c wraps, read from its source so the two cannot drift apart. */
export function wrappedApis(): string[] {
  const text = fs.readFileSync(path.join(PROBES, 'faultshim.c'), 'utf8');
  const names = new Set<string>();
  for (const m of text.matchAll(/^(?:OBJ|INT)\((\w+),/gm)) names.add(m[1]);
  for (const m of text.matchAll(/^WRAP\([^,]+,[^,]+,\s*(\w+),/gm)) names.add(m[1]);
  for (const m of text.matchAll(/^\w[\w\s*]*\b__wrap_(\w+)\(/gm)) names.add(m[1]);
  return [...names].sort();
}

export function faultShimObject(cc: string[]): Promise<string> {
  return buildOnce('faultshim', cc, 'faultshim.o', ['-c', '-O1', '-fPIC', '-w']);
}

export function traceShimLibrary(cc: string[]): Promise<string> {
  return buildOnce('traceshim', cc, 'traceshim.so', ['-shared', '-O1', '-fPIC', '-w'], ['-ldl']);
}

function buildOnce(name: string, cc: string[], output: string, flags: string[], libs: string[] = []): Promise<string> {
  const source = path.join(PROBES, `${name}.c`);
  const key = hashOf('shim-v1', name, JSON.stringify(cc), JSON.stringify(flags), fs.readFileSync(source));
  let built = memo.get(key);
  if (!built) {
    built = (async () => {
      const ready = path.join(entryDir('shims', key), output);
      if (fs.existsSync(ready)) return ready;
      const dir = await storeEntry('shims', key, (tmp) => compile([...cc, ...flags, source, '-o', path.join(tmp, output), ...libs]));
      return path.join(dir, output);
    })();
    // A failed build is not remembered: the next caller gets a fresh attempt and the real error.
    built.catch(() => memo.delete(key));
    memo.set(key, built);
  }
  return built;
}

function compile(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), { timeout: 120000 }, (err, _out, stderr) => {
      if (err) reject(new Error(`could not build the verifier's helper (${argv.join(' ')}): ${stderr || err.message}`));
      else resolve();
    });
  });
}
