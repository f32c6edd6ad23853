/**
 * `--interactive`: each change is shown and applied only if the user says so, as `git add -p` asks,
 * hunk by hunk, answered with a single key on a terminal (a line elsewhere). The hunks of one
 * conversion only work together (the slot table names the exec function another hunk writes), so
 * a file is applied when every hunk of it is accepted, and `n` on any hunk leaves the whole file as
 * it was. Files not accepted are left byte for byte and end `unchanged` ("not applied").
 */
import readline from 'node:readline';
import type { Colors } from './color';
import { diffParts, displayPath } from './report';
import type { FileOutcome } from './runner';

export const INTERACTIVE_HELP = `y - apply this change to the file (of several hunks: accept this hunk, show the next)
n - do not apply this change (the file's hunks only work together: the file is left as it was)
a - apply this change and every remaining one
q - quit; do not apply this change or any remaining one
? - print help
`;

/** Reads answers a line at a time; `null` when the input ends (Ctrl-D) or the run is interrupted. */
export interface Prompter {
  ask(question: string): Promise<string | null>;
  /** Ends a pending question with `null` (Ctrl-C). */
  abort(): void;
  close(): void;
}

export function linePrompter(input: NodeJS.ReadableStream, write: (s: string) => void): Prompter {
  // terminal: false leaves the terminal in its normal line mode, so it echoes and edits the line
  // and Ctrl-C is a real SIGINT, as for git.
  const rl = readline.createInterface({ input, terminal: false });
  const lines: string[] = [];
  let ended = false;
  let waiting: ((line: string | null) => void) | undefined;
  const deliver = (line: string | null) => {
    const w = waiting;
    waiting = undefined;
    w?.(line);
  };
  rl.on('line', (line) => (waiting ? deliver(line) : lines.push(line)));
  rl.on('close', () => {
    ended = true;
    deliver(null);
  });
  return {
    ask(question) {
      write(question);
      if (lines.length) return Promise.resolve(lines.shift()!);
      if (ended) return Promise.resolve(null);
      return new Promise((resolve) => (waiting = resolve));
    },
    abort() {
      ended = true;
      deliver(null);
    },
    close() {
      rl.close();
      (input as NodeJS.ReadStream).pause?.();
    },
  };
}

/**
 * Reads single keys from a terminal in raw mode, as git does with interactive.singleKey: no Enter.
 * Raw mode is on only while a question waits. Ctrl-C arrives as a key there, and is turned back
 * into the SIGINT it means; Ctrl-D is the end of input (q).
 */
export function keyPrompter(input: NodeJS.ReadStream, write: (s: string) => void): Prompter {
  let pending: ((key: string | null) => void) | undefined;
  let ended = false;
  const finish = (key: string | null) => {
    const p = pending;
    pending = undefined;
    input.removeListener('data', onData);
    input.removeListener('end', onEnd);
    input.setRawMode(false);
    input.pause();
    p?.(key);
  };
  const onData = (chunk: Buffer) => {
    for (const key of chunk.toString('utf8')) {
      if (key === '\r' || key === '\n') continue;
      if (key === '\x03') {
        finish(null);
        process.emit('SIGINT');
        return;
      }
      if (key === '\x04') {
        ended = true;
        return finish(null);
      }
      write(`${key}\n`);
      return finish(key);
    }
  };
  const onEnd = () => {
    ended = true;
    finish(null);
  };
  return {
    ask(question) {
      if (ended) {
        write(question);
        return Promise.resolve(null);
      }
      // Raw before the question shows: a key typed the moment it appears is a key, not a line
      // discipline's EOF or signal.
      input.setRawMode(true);
      write(question);
      return new Promise((resolve) => {
        pending = resolve;
        input.on('data', onData);
        input.once('end', onEnd);
        input.resume();
      });
    },
    abort() {
      ended = true;
      if (pending) finish(null);
    },
    close() {
      if (pending) finish(null);
    },
  };
}

export interface ReviewOptions {
  cwd: string;
  /** Colours for the diff (stdout's). */
  colors: Colors;
  /** Where diffs, questions and help go (stdout, like git). */
  out: (s: string | Uint8Array) => void;
  prompter: Prompter;
  /** Writes an accepted file; returns its outcome (failed if it could not be written). */
  apply: (o: FileOutcome) => FileOutcome;
}

export interface Review {
  outcomes: FileOutcome[];
  applied: string[];
  notApplied: string[];
  /** Accepted, but the write failed (read-only, changed on disk meanwhile). */
  notWritten: string[];
}

type Decision = 'apply' | 'skip' | 'all' | 'quit';

async function decide(question: string, p: Prompter, out: (s: string) => void): Promise<Decision> {
  for (;;) {
    const line = await p.ask(question);
    if (line === null) {
      out('\n');
      return 'quit';
    }
    const answer = line.trim().toLowerCase();
    if (answer === '') continue;
    // The letters and their words only: `nope` or `abc` is not an answer (help follows).
    switch (answer) {
      case 'y':
      case 'yes':
        return 'apply';
      case 'n':
      case 'no':
        return 'skip';
      case 'a':
      case 'all':
        return 'all';
      case 'q':
      case 'quit':
        return 'quit';
      default:
        out(INTERACTIVE_HELP);
    }
  }
}

/** Shows a file's change, hunk by hunk when it has several, and asks about each until one is not accepted. */
async function decideFile(o: FileOutcome, name: string, opts: ReviewOptions): Promise<{ decision: Decision; declinedHunk?: [number, number] }> {
  const parts = diffParts(o, opts.cwd, opts.colors)!;
  opts.out(parts.header);
  if (parts.hunks.length <= 1) {
    opts.out(Buffer.concat(parts.hunks));
    return { decision: await decide(`Apply this change to ${name}? [y,n,a,q,?] `, opts.prompter, opts.out) };
  }
  for (const [k, hunk] of parts.hunks.entries()) {
    opts.out(hunk);
    const decision = await decide(`(${k + 1}/${parts.hunks.length}) Apply this hunk to ${name}? [y,n,a,q,?] `, opts.prompter, opts.out);
    if (decision === 'apply') continue;
    return { decision, ...(decision === 'skip' && { declinedHunk: [k + 1, parts.hunks.length] as [number, number] }) };
  }
  return { decision: 'apply' };
}

/** Goes through the changed files in order, asking about each until `a` or `q`. */
export async function review(outcomes: readonly FileOutcome[], opts: ReviewOptions): Promise<Review> {
  const result: Review = { outcomes: [], applied: [], notApplied: [], notWritten: [] };
  let mode: 'ask' | 'all' | 'quit' = 'ask';
  for (const o of outcomes) {
    if (o.status !== 'changed') {
      result.outcomes.push(o);
      continue;
    }
    const name = displayPath(o.file, opts.cwd);
    let decision: Decision = mode === 'all' ? 'apply' : 'quit';
    let declinedHunk: [number, number] | undefined;
    if (mode === 'ask') {
      ({ decision, declinedHunk } = await decideFile(o, name, opts));
      if (decision === 'all') mode = 'all';
      if (decision === 'quit') mode = 'quit';
    }
    if (decision === 'apply' || decision === 'all') {
      const done = opts.apply(o);
      result.outcomes.push(done);
      (done.status === 'changed' ? result.applied : result.notWritten).push(name);
    } else {
      const why =
        decision === 'quit'
          ? 'not applied (quit)'
          : declinedHunk
            ? `not applied (answered n at hunk ${declinedHunk[0]} of ${declinedHunk[1]}; the hunks of one conversion only work together, so the file is left as it was)`
            : 'not applied (answered n)';
      result.outcomes.push({ ...o, status: 'unchanged', reason: why });
      result.notApplied.push(name);
    }
  }
  return result;
}
