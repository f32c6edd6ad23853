/**
 * `pep489-codemod -`: the source on stdin, the result on stdout, as editors and pre-commit's
 * formatters expect (black -, ruff format -). The converted text is printed; a file that needs no
 * change, or that is refused, is printed as it came (the reason on stderr, exit 3), so a pipe never
 * loses the user's code. `--stdin-filename` names the path the text stands for: its language, its
 * quoted headers, its project's build. `--dry-run` prints the diff instead, `--check` prints
 * nothing and exits 1 when the text would change, `--json` prints the report.
 */
import path from 'node:path';
import type { ConvertOptions } from '../engine/options';
import type { FileOutcome } from './runner';
import { EXIT, type CommandContext } from './commands/context';

/** What `-` among the paths becomes on its way through yargs (which drops a bare `-`). */
export const STDIN_PATH = '<stdin>';

export interface StdinRun {
  filename?: string;
  dryRun: boolean;
  check: boolean;
  json: boolean;
  explain: boolean;
  convert: ConvertOptions;
  /** --verify: the conversion is printed only once it verified (see convert.ts). */
  verify?: (outcome: FileOutcome) => Promise<FileOutcome | number>;
}

export async function readStdin(ctx: CommandContext): Promise<Buffer> {
  const stream = (ctx.io.stdin ?? (() => process.stdin))();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

export async function runStdin(run: StdinRun, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const { convertBytes } = await import('./runner');
  const report = await import('./report');
  const file = path.resolve(io.cwd, run.filename ?? 'stdin.c');
  const bytes = await readStdin(ctx);
  (await import('../c/parse')).planWasmTier(bytes.length);
  let outcome = await convertBytes(file, bytes, run.convert);
  if (run.verify && outcome.status === 'changed') {
    const verified = await run.verify(outcome);
    if (typeof verified === 'number') return verified;
    outcome = verified;
  }
  const shown = run.filename ?? '-';
  if (run.json) io.stdout(report.jsonReport([{ ...outcome, file }], io.cwd, run.dryRun, { explain: run.explain }));
  else if (run.dryRun) io.stdout(report.unifiedDiff(outcome, io.cwd));
  else if (!run.check) io.stdout(outcome.status === 'changed' ? outcome.after! : bytes);
  if (!run.json) {
    const line = report.outcomeLine({ ...outcome, file }, io.cwd, run.dryRun || run.check);
    if (line) io.stderr(line.replace(path.relative(io.cwd, file) || file, shown) + '\n');
    if (run.explain) for (const l of report.explainLines(outcome)) io.stderr(l + '\n');
  }
  if (outcome.status === 'failed') return outcome.inputError ? EXIT.usage : EXIT.failed;
  if (run.check && outcome.status === 'changed') return EXIT.pending;
  return EXIT.ok;
}
