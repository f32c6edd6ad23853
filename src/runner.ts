/**
 * Runs the engine over files: reads bytes, decodes, converts, and (when asked) writes atomically.
 * Each file ends in one of the engine's statuses; a file that could not be read as a C source at all
 * is `failed` with `inputError` set, which the CLI turns into exit code 2.
 */
import fs from 'node:fs';
import { convertText, EngineResult } from './engine';
import type { ConvertOptions } from './options';
import { langForPath } from './parse';
import { BinaryFileError, decode, DecodedText, encode } from './text';
import { NotWritableError, writeAtomically } from './write';

export interface FileOutcome extends EngineResult {
  /** Absolute path. */
  file: string;
  inputError?: boolean;
  /** Original bytes and, for `changed`, the converted bytes (same encoding, BOM and line endings). */
  before?: Buffer;
  after?: Buffer;
  decoded?: DecodedText;
}

export interface RunOptions {
  convert: ConvertOptions;
  /** Write changed files in place. */
  write: boolean;
  /** Checked between files: a Ctrl-C stops the run before the next file, never during a write. */
  interrupted?: () => boolean;
}

/** Converts one file's bytes (no I/O): the decoded text goes through the engine, and back to bytes. */
export async function convertBytes(file: string, before: Buffer, convert: ConvertOptions): Promise<FileOutcome> {
  let decoded: DecodedText;
  try {
    decoded = decode(before);
  } catch (e) {
    if (e instanceof BinaryFileError) return { file, status: 'failed', inputError: true, reason: `${e.message}; pass C or C++ sources only` };
    throw e;
  }
  const result = await convertText(decoded.text, langForPath(file), convert);
  const outcome: FileOutcome = { file, ...result, before, decoded };
  if (result.status === 'changed') outcome.after = encode({ ...decoded, text: result.output! });
  return outcome;
}

export async function convertFile(file: string, options: RunOptions): Promise<FileOutcome> {
  let before: Buffer;
  try {
    before = fs.readFileSync(file);
  } catch (e) {
    return { file, status: 'failed', inputError: true, reason: `cannot read it (${(e as NodeJS.ErrnoException).code ?? e})` };
  }
  const outcome = await convertBytes(file, before, options.convert);
  if (outcome.status !== 'changed' || !options.write) return outcome;
  try {
    writeAtomically(file, outcome.after!);
  } catch (e) {
    if (!(e instanceof NotWritableError)) throw e;
    return { ...outcome, status: 'failed', reason: e.message };
  }
  return outcome;
}

export async function convertFiles(files: readonly string[], options: RunOptions): Promise<FileOutcome[]> {
  const outcomes: FileOutcome[] = [];
  for (const file of files) {
    if (options.interrupted?.()) break;
    outcomes.push(await convertFile(file, options));
  }
  return outcomes;
}
