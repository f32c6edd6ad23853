/**
 * `--interactive`: each change is shown and applied only if the user says so, as `git add -p` asks:
 * `Apply this change to <path>? [y,n,a,q,?]`, answered with a line on the terminal. Files not
 * accepted are left byte for byte and end `unchanged` ("not applied").
 */
import readline from 'node:readline';
import type { Colors } from './color';
import { displayPath, unifiedDiff } from './report';
import type { FileOutcome } from './runner';

export const INTERACTIVE_HELP = `y - apply this change to the file
n - do not apply this change
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

async function decide(path: string, p: Prompter, out: (s: string) => void): Promise<Decision> {
  for (;;) {
    const line = await p.ask(`Apply this change to ${path}? [y,n,a,q,?] `);
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
    if (mode === 'ask') {
      opts.out(unifiedDiff(o, opts.cwd, opts.colors));
      decision = await decide(name, opts.prompter, opts.out);
      if (decision === 'all') mode = 'all';
      if (decision === 'quit') mode = 'quit';
    }
    if (decision === 'apply' || decision === 'all') {
      const done = opts.apply(o);
      result.outcomes.push(done);
      (done.status === 'changed' ? result.applied : result.notWritten).push(name);
    } else {
      const why = decision === 'quit' ? 'not applied (quit)' : 'not applied (answered n)';
      result.outcomes.push({ ...o, status: 'unchanged', reason: why });
      result.notApplied.push(name);
    }
  }
  return result;
}
