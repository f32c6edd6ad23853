/**
 * The cached interpreter descriptions: a second discovery takes them from the cache (shown by an
 * entry altered on disk coming back), a touched, re-pointed or removed interpreter is asked again,
 * and `cache: false` neither reads nor writes. Real CPythons: a copied venv interpreter stands for
 * an install that can be touched without touching the machine's own.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeCacheFile } from '../src/verify/describe';
import { rediscoverPythons } from '../src/verify/pythons';
import type { Interpreter } from '../src/verify/types';

const MARK = '-DPEP489_FROM_THE_CACHE';
let scratch: string;
let found: Interpreter[];
const saved = process.env.PEP489_CODEMOD_CACHE;

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-pythons-cache-'));
  process.env.PEP489_CODEMOD_CACHE = path.join(scratch, 'cache');
  found = (await rediscoverPythons()).found;
  expect(found.length).toBeGreaterThan(0);
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
  if (saved === undefined) delete process.env.PEP489_CODEMOD_CACHE;
  else process.env.PEP489_CODEMOD_CACHE = saved;
});

/** A copied venv interpreter of `base`: its own file, runnable, that the test may touch or delete. */
function copyOf(base: Interpreter, name: string): string {
  const venv = path.join(scratch, name);
  execFileSync(base.exe, ['-m', 'venv', '--without-pip', '--copies', venv]);
  return path.join(venv, 'bin', 'python');
}

interface Entry {
  stamp: { exe: string; real: string; size: number; mtimeMs: number };
  described: { version: string; cflags: string[] };
}

/** Marks the cached description of `exe`, so that a discovery that read it shows the mark. */
function markEntry(exe: string): void {
  const file = describeCacheFile(exe);
  const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as Entry;
  entry.described.cflags.push(MARK);
  fs.writeFileSync(file, JSON.stringify(entry));
}

const marked = (i: Interpreter) => i.cflags.includes(MARK);

test('the default discovery records every candidate it asked, under the cache root', () => {
  for (const i of found) {
    const entry = JSON.parse(fs.readFileSync(describeCacheFile(i.exe), 'utf8')) as Entry;
    expect(entry.stamp.exe).toBe(i.exe);
    expect(entry.stamp.real).toBe(fs.realpathSync(i.exe));
    expect(entry.described.version).toBe(i.version);
    expect(describeCacheFile(i.exe).startsWith(path.join(scratch, 'cache', 'interpreters') + path.sep)).toBe(true);
  }
});

test('a second discovery does not ask again; a touched interpreter is asked again; --no-cache bypasses', async () => {
  const exe = copyOf(found[0], 'touched');
  const first = await rediscoverPythons({ explicit: [exe] });
  expect(first.found.map((i) => [i.exe, i.version])).toEqual([[exe, found[0].version]]);
  expect(fs.existsSync(describeCacheFile(exe))).toBe(true);

  markEntry(exe);
  const second = await rediscoverPythons({ explicit: [exe] });
  expect(second.found.map(marked)).toEqual([true]);
  // The default discovery reads the same records.
  markEntry(found[0].exe);
  expect(marked((await rediscoverPythons()).found.find((i) => i.exe === found[0].exe)!)).toBe(true);

  // --no-cache: asked, and the record left as it was.
  const fresh = await rediscoverPythons({ explicit: [exe], cache: false });
  expect(fresh.found.map(marked)).toEqual([false]);
  expect(fs.readFileSync(describeCacheFile(exe), 'utf8')).toContain(MARK);

  // Touched (a rebuilt interpreter): asked again, and the record replaced.
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(exe, later, later);
  const touched = await rediscoverPythons({ explicit: [exe] });
  expect(touched.found.map(marked)).toEqual([false]);
  expect(fs.readFileSync(describeCacheFile(exe), 'utf8')).not.toContain(MARK);

  // Removed: not described from the cache.
  fs.rmSync(exe);
  const gone = await rediscoverPythons({ explicit: [exe] });
  expect(gone.found).toEqual([]);
  expect(gone.skipped).toEqual([{ exe, reason: 'not an executable file' }]);
});

test('a symlink moved to another interpreter is asked again', async () => {
  const newest = found[found.length - 1];
  const oldest = found[0];
  if (newest.version === oldest.version) return;
  const link = path.join(scratch, 'link', 'python3');
  fs.mkdirSync(path.dirname(link));
  fs.symlinkSync(oldest.exe, link);
  expect((await rediscoverPythons({ explicit: [link] })).found.map((i) => i.version)).toEqual([oldest.version]);
  markEntry(link);
  expect((await rediscoverPythons({ explicit: [link] })).found.map(marked)).toEqual([true]);
  fs.rmSync(link);
  fs.symlinkSync(newest.exe, link);
  const moved = await rediscoverPythons({ explicit: [link] });
  expect(moved.found.map((i) => [i.version, marked(i)])).toEqual([[newest.version, false]]);
});
