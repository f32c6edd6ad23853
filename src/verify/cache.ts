/**
 * The content-addressed cache under the XDG cache folder: builds keyed by what went into them
 * (sources, headers they included, flags, interpreter), and probe results keyed by the built file.
 * Entries are written to a temporary folder and renamed into place, so a crash or a concurrent run
 * never leaves half an entry behind.
 */

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function cacheRoot(): string {
  const env = process.env;
  if (env.PEP489_CODEMOD_CACHE) return env.PEP489_CODEMOD_CACHE;
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'pep489-codemod');
}

export function hashOf(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    // Length-prefixed so that ("ab", "c") and ("a", "bc") differ.
    h.update(String(Buffer.byteLength(p)));
    h.update(':');
    h.update(p);
  }
  return h.digest('hex');
}

export function hashFile(file: string): string | undefined {
  try {
    return hashOf(fs.readFileSync(file));
  } catch {
    return undefined;
  }
}

/** The folder of a complete entry, or undefined. */
export function entryDir(kind: string, key: string): string {
  return path.join(cacheRoot(), kind, key.slice(0, 2), key);
}

/**
 * Fills a fresh folder with `fill` and moves it to the entry's place. Entries never change once
 * written (their key covers their content), so if another run got there first, theirs is kept.
 */
export async function storeEntry(kind: string, key: string, fill: (dir: string) => Promise<void>): Promise<string> {
  const final = entryDir(kind, key);
  const staging = path.join(cacheRoot(), 'tmp');
  fs.mkdirSync(staging, { recursive: true });
  const dir = fs.mkdtempSync(path.join(staging, `${kind}-`));
  try {
    await fill(dir);
    fs.mkdirSync(path.dirname(final), { recursive: true });
    if (!fs.existsSync(final)) fs.renameSync(dir, final);
  } catch (e) {
    if (!fs.existsSync(final)) throw e;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return final;
}

/** Small mutable records (which entry a build's inputs currently map to): written whole, atomically. */
export function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(tmp, JSON.stringify(value));
  fs.renameSync(tmp, file);
}

/** A scratch folder for one build that is not (yet) worth keeping. */
export function scratchDir(prefix: string): string {
  const staging = path.join(cacheRoot(), 'tmp');
  fs.mkdirSync(staging, { recursive: true });
  return fs.mkdtempSync(path.join(staging, `${prefix}-`));
}

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
