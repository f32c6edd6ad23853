/**
 * Converting files side by side: worker threads, plus this thread. Each worker reads and converts
 * the batches of files it is given (its own parsers, its own WASM) and sends the outcomes back; this
 * thread converts files too, between messages, and is the only one that writes and reports, so the
 * output does not depend on which thread finished first.
 */
import { Worker } from 'node:worker_threads';
import type { ConvertOptions } from '../../engine/options';
import { FileOutcome, readAndConvert, workerScript } from '../runner';
import type { WorkerReply, WorkerRequest } from './convert-worker';

export interface PoolOptions {
  convert: ConvertOptions;
  /** Worker threads to start (this thread converts as well). */
  threads: number;
  /** Checked before each batch is handed out: batches under way finish, no new one starts. */
  interrupted?: () => boolean;
  /** Each outcome with its index in `files`, as it arrives. */
  onResult: (index: number, outcome: FileOutcome) => void;
}

/** Buffers come back from a worker as plain Uint8Arrays. */
function revive(o: FileOutcome): FileOutcome {
  const buf = (u?: Uint8Array) => (u ? Buffer.from(u.buffer, u.byteOffset, u.byteLength) : undefined);
  if (o.before) o.before = buf(o.before);
  if (o.after) o.after = buf(o.after);
  return o;
}

/**
 * Small batches keep every thread busy to the end; batches (not single files) keep the messages few
 * when most files are ordinary C that the engine's prefilter passes over at once.
 */
function batchSize(files: number, participants: number): number {
  return Math.max(1, Math.min(16, Math.floor(files / (participants * 8))));
}

/** Batches a worker holds at once, so it never waits for this thread to finish a file of its own. */
const PREFETCH = 2;

export function convertInWorkers(files: readonly string[], options: PoolOptions): Promise<void> {
  const script = workerScript();
  if (!script) throw new Error('no worker script: run from the built package (dist/)');
  const size = batchSize(files.length, options.threads + 1);
  let next = 0;
  let inFlight = 0;
  let localBusy = false;
  let settled = false;
  const workers: Worker[] = [];

  return new Promise<void>((resolve, reject) => {
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      if (error) reject(error);
      else resolve();
    };
    const exhausted = () => next >= files.length || !!options.interrupted?.();
    const maybeDone = () => {
      if (exhausted() && inFlight === 0 && !localBusy) finish();
    };
    const take = (n: number): [number, string[]] | null => {
      if (settled || exhausted()) return null;
      const start = next;
      next = Math.min(files.length, next + n);
      return [start, files.slice(start, next)];
    };
    const dispatch = (w: Worker) => {
      const batch = take(size);
      if (!batch) return maybeDone();
      inFlight++;
      const request: WorkerRequest = { start: batch[0], files: batch[1] };
      w.postMessage(request);
    };
    // This thread converts one file at a time, yielding between files so replies are handled.
    const local = async () => {
      localBusy = true;
      try {
        for (let batch = take(1); batch; batch = take(1)) {
          const outcome = await readAndConvert(batch[1][0], options.convert);
          if (settled) return;
          options.onResult(batch[0], outcome);
          await new Promise<void>((r) => setImmediate(r));
        }
      } catch (e) {
        return finish(e as Error);
      } finally {
        localBusy = false;
      }
      maybeDone();
    };
    for (let k = 0; k < options.threads; k++) {
      const w = new Worker(script, { workerData: { convert: options.convert } });
      workers.push(w);
      w.on('message', (reply: WorkerReply) => {
        inFlight--;
        if (settled) return;
        if ('error' in reply) {
          const e = new Error(reply.error.message);
          e.stack = reply.error.stack;
          return finish(e);
        }
        try {
          reply.outcomes.forEach((o, j) => options.onResult(reply.start + j, revive(o)));
        } catch (e) {
          return finish(e as Error);
        }
        dispatch(w);
      });
      w.on('error', (e) => finish(e));
      w.on('exit', (code) => {
        if (!settled) finish(new Error(`a conversion worker stopped unexpectedly (exit code ${code})`));
      });
      for (let p = 0; p < PREFETCH; p++) dispatch(w);
    }
    void local();
  });
}
