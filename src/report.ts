/** Turning outcomes into what the user reads: unified diffs, JSON, one line per file, a summary. */
import path from 'node:path';
import { structuredPatch } from 'diff';
import type { Status } from './engine';
import type { FileOutcome } from './runner';

export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return (rel.startsWith('..') || path.isAbsolute(rel) ? file : rel).split(path.sep).join('/');
}

/**
 * A unified diff in the file's own encoding, `--- a/<path>` / `+++ b/<path>`, that `git apply` (or
 * `patch -p1`) turns into exactly what an in-place run writes.
 */
export function unifiedDiff(outcome: FileOutcome, cwd: string): Buffer {
  if (outcome.status !== 'changed' || !outcome.decoded || outcome.output === undefined) return Buffer.alloc(0);
  const name = displayPath(outcome.file, cwd);
  const bom = outcome.decoded.bom ? '\uFEFF' : '';
  const patch = structuredPatch(`a/${name}`, `b/${name}`, bom + outcome.decoded.text, bom + outcome.output, undefined, undefined, {
    context: 3,
  });
  const lines = [`--- a/${name}`, `+++ b/${name}`];
  for (const h of patch.hunks) {
    lines.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`);
    lines.push(...h.lines);
  }
  const text = lines.join('\n') + '\n';
  return Buffer.from(text, outcome.decoded.encoding === 'latin1' ? 'latin1' : 'utf8');
}

export type Summary = Record<Status, number>;

export function summarize(outcomes: readonly FileOutcome[]): Summary {
  const s: Summary = { changed: 0, unchanged: 0, skipped: 0, failed: 0 };
  for (const o of outcomes) s[o.status]++;
  return s;
}

export function jsonReport(outcomes: readonly FileOutcome[], cwd: string, withDiff: boolean): string {
  const files = outcomes.map((o) => ({
    path: displayPath(o.file, cwd),
    status: o.status,
    ...(o.module !== undefined && { module: o.module }),
    ...(o.reason !== undefined && { reason: o.reason }),
    ...(o.line !== undefined && { line: o.line }),
    ...(o.rule !== undefined && o.status === 'failed' && { rule: o.rule }),
    ...(o.transforms && { transforms: o.transforms.map((t) => t.id) }),
    ...(o.declared && { declared: o.declared }),
    ...(withDiff && o.status === 'changed' && { diff: unifiedDiff(o, cwd).toString(o.decoded?.encoding === 'latin1' ? 'latin1' : 'utf8') }),
  }));
  return JSON.stringify({ files, summary: summarize(outcomes) }, null, 2) + '\n';
}

/** `path:line: what happened` for a human, one line per file that was not simply skipped. */
export function outcomeLine(o: FileOutcome, cwd: string, dryRun: boolean): string | null {
  const where = displayPath(o.file, cwd) + (o.line ? `:${o.line}` : '');
  switch (o.status) {
    case 'changed':
      return `${dryRun ? 'would convert' : 'converted'} ${where} (module ${o.module})`;
    case 'unchanged':
      return `unchanged ${where}: ${o.reason}`;
    case 'failed':
      return `${where}: ${o.inputError ? 'error' : 'refused'}: ${o.reason}`;
    default:
      return null;
  }
}

export function summaryLine(s: Summary): string {
  return `${s.changed} changed, ${s.unchanged} unchanged, ${s.skipped} skipped, ${s.failed} failed`;
}
