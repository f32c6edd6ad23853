/**
 * A conversion worker thread (started by ./pool from dist/): reads and converts the files it is sent,
 * writes nothing, and answers with their outcomes. Its parsers are loaded once, on the first file that
 * needs one.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ConvertOptions } from '../../engine/options';
import { FileOutcome, readAndConvert } from '../runner';

export interface WorkerRequest {
  /** Index of files[0] in the whole run. */
  start: number;
  files: string[];
}

export type WorkerReply = { start: number; outcomes: FileOutcome[] } | { start: number; error: { message: string; stack?: string } };

const { convert } = workerData as { convert: ConvertOptions };

parentPort?.on('message', async (req: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const outcomes: FileOutcome[] = [];
    for (const file of req.files) outcomes.push(await readAndConvert(file, convert));
    reply = { start: req.start, outcomes };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    reply = { start: req.start, error: { message: err.message, stack: err.stack } };
  }
  parentPort!.postMessage(reply);
});
