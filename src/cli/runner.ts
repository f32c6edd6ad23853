/**
 * Runs the engine over files: reads bytes, decodes, converts, and (when asked) writes atomically.
 * Each file ends in one of the engine's statuses; a file that could not be read as a C source at all
 * is `failed` with `inputError` set, which the CLI turns into exit code 2.
 */
import { forgetSiblingIndexes, siblingDefiners } from '../c/sibling-sources';
import fs from 'node:fs';
import path from 'node:path';
import { convertText, EngineResult } from '../engine/engine';
import { projectHeaders, returningHeaderMacros } from '../c/headers';
import type { ConvertOptions } from '../engine/options';
import { langForPath, planWasmTier } from '../c/parse';
import { BinaryFileError, decode, DecodedText, encode } from '../c/text';
import { NotWritableError, writeAtomically } from './write';

export interface FileOutcome extends EngineResult {
  /** Absolute path. */
  file: string;
  inputError?: boolean;
  /** The conversion succeeded but the file could not be written (read-only file or folder). */
  writeError?: boolean;
  /** Original bytes and, for `changed`, the converted bytes (same encoding, BOM and line endings). */
  before?: Buffer;
  after?: Buffer;
  decoded?: DecodedText;
  /** --verify passed with these warnings (faults the original has too, say). */
  verifyWarnings?: string[];
  /** With --verify: how the module was built (the project's build, or the flags alone and why). */
  verifyBuild?: string;
}

export interface RunOptions {
  convert: ConvertOptions;
  /** Write changed files in place. */
  write: boolean;
  /** Checked between files: a Ctrl-C stops the run before the next file, never during a write. */
  interrupted?: () => boolean;
  /**
   * Files converted side by side on worker threads (default 1: all in this thread). The outcomes are
   * the same whatever the number, in the order of `files`.
   */
  jobs?: number;
  /** Called as each file is done (in the order they finish): for a progress line. */
  onProgress?: (done: number, total: number, file: string) => void;
}

/** Converts one file's bytes (no I/O): the decoded text goes through the engine, and back to bytes. */
export async function convertBytes(file: string, before: Buffer, options: ConvertOptions): Promise<FileOutcome> {
  const build = options.builds?.[path.resolve(file)];
  const convert: ConvertOptions = build
    ? { ...options, headerDirs: [...(options.headerDirs ?? []), ...build.includeDirs], buildDefines: { defines: build.defines, from: build.from } }
    : options;
  let decoded: DecodedText;
  try {
    decoded = decode(before);
  } catch (e) {
    if (e instanceof BinaryFileError) return { file, status: 'failed', inputError: true, reason: `${e.message}; pass C or C++ sources only` };
    throw e;
  }
  const headers = /^[ \t]*#[ \t]*include[ \t]*"/m.test(decoded.text) ? projectHeaders(file, decoded.text, convert.headerDirs) : [];
  const headerMacros = returningHeaderMacros(headers);
  const result = await convertText(decoded.text, langForPath(file), convert, { headers, headerMacros, siblings: siblingDefiners(file) });
  const outcome: FileOutcome = { file, ...result, before, decoded };
  if (result.status === 'changed') outcome.after = encode({ ...decoded, text: result.output! });
  return outcome;
}

/** What a path is when it is not a regular file (through symlinks): `a FIFO`, `a character device`; else null. */
export function notRegular(file: string): string | null {
  const st = fs.statSync(file);
  if (st.isFile()) return null;
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return 'not a file';
}

/** Reads and converts one file; writes nothing. A skipped file keeps no copy of its bytes. */
export async function readAndConvert(file: string, convert: ConvertOptions): Promise<FileOutcome> {
  let before: Buffer;
  try {
    // A FIFO would block the read forever, a device (/dev/zero) would never end it.
    const kind = notRegular(file);
    if (kind) return { file, status: 'failed', inputError: true, reason: `it is ${kind}, not a regular file; pass C or C++ source files` };
    before = fs.readFileSync(file);
  } catch (e) {
    return { file, status: 'failed', inputError: true, reason: `cannot read it (${(e as NodeJS.ErrnoException).code ?? e})` };
  }
  const outcome = await convertBytes(file, before, convert);
  if (outcome.status === 'skipped') {
    delete outcome.before;
    delete outcome.decoded;
  }
  return outcome;
}

const WRITE_ERRORS: Record<string, string> = {
  EPERM: 'the system does not allow changing it, an immutable file?',
  EROFS: 'it is on a read-only file system',
  EACCES: 'permission denied',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'over the disk quota',
  EBUSY: 'it is busy',
};

/** Writes a changed file in place (atomically); a file that cannot be written becomes `failed`. */
export function writeOutcome(outcome: FileOutcome): FileOutcome {
  if (outcome.status !== 'changed') return outcome;
  // The conversion is of the bytes read; someone may have saved the file since (while --interactive
  // asked, or --verify built). Their edit wins: nothing is written.
  let now: Buffer | undefined;
  try {
    now = fs.readFileSync(outcome.file);
  } catch {
    now = undefined;
  }
  if (outcome.before && (!now || !now.equals(outcome.before)))
    return { ...outcome, status: 'failed', writeError: true, reason: 'it changed on disk after it was read; not written: run again on the new version' };
  try {
    writeAtomically(outcome.file, outcome.after!);
  } catch (e) {
    if (e instanceof NotWritableError) return { ...outcome, status: 'failed', writeError: true, reason: e.message };
    // The mode said writable but the system said no (an immutable file, a read-only mount, a full
    // disk): this file fails, the run goes on, and the file is as it was (the rename never happened).
    const code = (e as NodeJS.ErrnoException).code;
    if (!code) throw e;
    return { ...outcome, status: 'failed', writeError: true, reason: `cannot write it (${code}: ${WRITE_ERRORS[code] ?? (e as Error).message}); it was left as it was` };
  }
  return outcome;
}

export async function convertFile(file: string, options: RunOptions): Promise<FileOutcome> {
  const outcome = await readAndConvert(file, options.convert);
  return options.write ? writeOutcome(outcome) : outcome;
}

export async function convertFiles(files: readonly string[], options: RunOptions): Promise<FileOutcome[]> {
  // A folder's index of helpers is good for one run: the files may change between runs.
  forgetSiblingIndexes();
  planWasmTier(totalBytes(files));
  const workers = workerCount(files.length, options.jobs ?? 1);
  if (workers > 1) {
    const { convertInWorkers } = await import('./workers/pool');
    const done: (FileOutcome | undefined)[] = new Array(files.length);
    let count = 0;
    await convertInWorkers(files, {
      convert: options.convert,
      threads: workers - 1,
      interrupted: options.interrupted,
      // Writes happen here, in the main thread, one at a time, as results come in.
      onResult: (i, outcome) => {
        done[i] = options.write ? writeOutcome(outcome) : outcome;
        options.onProgress?.(++count, files.length, files[i]);
      },
    });
    return done.filter((o): o is FileOutcome => o !== undefined);
  }
  const outcomes: FileOutcome[] = [];
  for (const file of files) {
    if (options.interrupted?.()) break;
    outcomes.push(await convertFile(file, options));
    options.onProgress?.(outcomes.length, files.length, file);
  }
  return outcomes;
}

/** The size of the files (those that cannot be read count nothing: they fail on their own later). */
function totalBytes(files: readonly string[]): number {
  let sum = 0;
  for (const f of files) {
    try {
      sum += fs.statSync(f).size;
    } catch {
      // reported when the file is converted
    }
  }
  return sum;
}

/**
 * How many threads convert (this one included). Each new thread loads the engine and its parsers and
 * warms up, which costs about as much as converting a hundred ordinary files: small runs stay in this
 * thread. Workers run the built JavaScript (dist/); from the TypeScript sources (under jest) there is
 * no worker file to start, and every file is converted here.
 */
export const FILES_PER_WORKER = 100;

export function workerCount(files: number, jobs: number): number {
  const n = Math.min(jobs, Math.ceil(files / FILES_PER_WORKER));
  if (n <= 1) return 1;
  return workerScript() ? n : 1;
}

export function workerScript(): string | undefined {
  if (!__filename.endsWith('.js')) return undefined;
  const file = path.join(__dirname, 'workers', 'convert-worker.js');
  return fs.existsSync(file) ? file : undefined;
}
