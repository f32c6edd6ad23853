/** Turning outcomes into what the user reads: unified diffs, JSON, one line per file, a summary. */
import { jsonDocument } from './version';
import path from 'node:path';
import { structuredPatch } from './diff-lib';
import { colorDiffLine, type Colors } from './color';
import type { Status } from '../engine/engine';
import { failureRule, ruleDescription } from './rules';
import type { FileOutcome } from './runner';

import { fileStat } from './stat';

export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return (rel.startsWith('..') || path.isAbsolute(rel) ? file : rel).split(path.sep).join('/');
}

/**
 * A unified diff in the file's own encoding, `--- a/<path>` / `+++ b/<path>`, that `git apply` (or
 * `patch -p1`) turns into exactly what an in-place run writes. With colours (for a terminal), each
 * line is coloured as git does.
 */
export function unifiedDiff(outcome: FileOutcome, cwd: string, colors?: Colors): Buffer {
  const parts = diffParts(outcome, cwd, colors);
  if (!parts) return Buffer.alloc(0);
  return Buffer.concat([parts.header, ...parts.hunks]);
}

/** A changed file's diff as its `---`/`+++` header and its hunks, each ready to print (for --interactive). */
export function diffParts(outcome: FileOutcome, cwd: string, colors?: Colors): { header: Buffer; hunks: Buffer[] } | null {
  if (outcome.status !== 'changed' || !outcome.decoded || outcome.output === undefined) return null;
  const name = displayPath(outcome.file, cwd);
  const bom = outcome.decoded.bom ? '\uFEFF' : '';
  const patch = structuredPatch(`a/${name}`, `b/${name}`, bom + outcome.decoded.text, bom + outcome.output, undefined, undefined, {
    context: 3,
  });
  const encoding = outcome.decoded.encoding === 'latin1' ? 'latin1' : 'utf8';
  const render = (lines: string[]) =>
    Buffer.from((colors?.isColorSupported ? lines.map((l) => colorDiffLine(l, colors)) : lines).join('\n') + '\n', encoding);
  return {
    header: render([`--- a/${name}`, `+++ b/${name}`]),
    hunks: patch.hunks.map((h) => render([`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines])),
  };
}

export type Summary = Record<Status, number>;

export function summarize(outcomes: readonly FileOutcome[]): Summary {
  const s: Summary = { changed: 0, unchanged: 0, skipped: 0, failed: 0 };
  for (const o of outcomes) s[o.status]++;
  return s;
}

export interface JsonExtras {
  /** `--stat`: each changed file's `stat: {added, removed}`. */
  stat?: boolean;
  /** `--explain`: each file's `explain` (the rules applied, or the rule that refused). */
  explain?: boolean;
}

export function jsonReport(outcomes: readonly FileOutcome[], cwd: string, withDiff: boolean, extras: JsonExtras = {}): string {
  return jsonDocument('convert', jsonBody(outcomes, cwd, withDiff, extras));
}

function jsonBody(outcomes: readonly FileOutcome[], cwd: string, withDiff: boolean, extras: JsonExtras): Record<string, unknown> {
  const files = outcomes.map((o) => ({
    path: displayPath(o.file, cwd),
    status: o.status,
    ...(o.module !== undefined && { module: o.module }),
    ...(o.reason !== undefined && { reason: o.reason }),
    ...(o.line !== undefined && { line: o.line }),
    ...(o.rule !== undefined && o.status === 'failed' && { rule: o.rule }),
    ...(o.transforms && { transforms: o.transforms.map((t) => t.id) }),
    ...(o.declared && { declared: o.declared }),
    ...(secondExecOf(o) && { secondExec: secondExecOf(o) }),
    ...(o.verifyWarnings && { warnings: o.verifyWarnings }),
    ...(o.verifyBuild && { build: o.verifyBuild }),
    ...(withDiff && o.status === 'changed' && { diff: unifiedDiff(o, cwd).toString(o.decoded?.encoding === 'latin1' ? 'latin1' : 'utf8') }),
    ...(extras.stat && o.status === 'changed' && { stat: (({ added, removed }) => ({ added, removed }))(fileStat(o, cwd)!) }),
    ...(extras.explain && { explain: explanation(o) }),
  }));
  return { files, summary: summarize(outcomes) };
}

/** `path:line: what happened` for a human, one line per file that was not simply skipped. */
export function outcomeLine(o: FileOutcome, cwd: string, dryRun: boolean, c?: Colors): string | null {
  const where = displayPath(o.file, cwd) + (o.line ? `:${o.line}` : '');
  const paint = (f: keyof Colors, s: string) => (c ? (c[f] as (s: string) => string)(s) : s);
  switch (o.status) {
    case 'changed':
      return (
        `${paint('green', dryRun ? 'would convert' : 'converted')} ${where} (module ${o.module})` +
        (o.verifyBuild ? `\n  ${o.verifyBuild}` : '') +
        (o.verifyWarnings ?? []).map((w) => `\n  ${paint('yellow', 'warning')}: ${w}`).join('')
      );
    case 'unchanged':
      return `${paint('dim', 'unchanged')} ${where}: ${o.reason}`;
    case 'failed':
      return `${where}: ${paint('red', o.inputError || o.writeError ? 'error' : 'refused')}: ${o.reason}` + (o.verifyBuild ? `\n  ${o.verifyBuild}` : '');
    default:
      return null;
  }
}

export function summaryLine(s: Summary, c?: Colors): string {
  const count = (n: number, label: string, f: 'green' | 'red' | 'dim') => {
    const text = `${n} ${label}`;
    return c && n > 0 ? c[f](text) : text;
  };
  return `${count(s.changed, 'changed', 'green')}, ${s.unchanged} unchanged, ${s.skipped} skipped, ${count(s.failed, 'failed', 'red')}`;
}

/** What `--explain` says about a file: the rules that applied, or the one that refused. */
export interface Explanation {
  transforms?: { id: string; description: string }[];
  refusedBy?: { id: string; description?: string };
  guard?: { added: boolean; reason?: string };
}

export function explanation(o: FileOutcome): Explanation | undefined {
  if (o.status === 'changed')
    return {
      transforms: (o.transforms ?? []).map(({ id, description }) => ({ id, description })),
      ...(o.guard && { guard: guardOf(o)! }),
    };
  if (o.status === 'failed') {
    const id = failureRule(o);
    return { refusedBy: { id, description: ruleDescription(id) } };
  }
  return undefined;
}

/**
 * What a second exec in one process does (a re-import, a legacy subinterpreter): `guard` raises
 * ImportError, `replay` gives the new module the first exec's attributes, `runs-again` runs exec
 * again (the original's init ran again too, or it keeps no process-global state).
 */
export function secondExecOf(o: FileOutcome): { kind: 'guard' | 'replay' | 'runs-again'; reason?: string } | undefined {
  if (o.status !== 'changed' || !o.declared?.exec) return undefined;
  if (o.replay) return { kind: 'replay', reason: o.replay.reason };
  const g = guardOf(o);
  if (g?.added) return { kind: 'guard', ...(g.reason && { reason: g.reason }) };
  return { kind: 'runs-again' };
}

/** The once-per-process guard as the engine reports it (`reason`, or `reasons` from older engines). */
export function guardOf(o: FileOutcome): { added: boolean; reason?: string } | undefined {
  const g = o.guard as { added: boolean; reason?: string; reasons?: string[] } | undefined;
  if (!g) return undefined;
  const reason = g.reason ?? (g.reasons?.length ? g.reasons.join('; ') : undefined);
  return { added: g.added, ...(reason && { reason }) };
}

/** The `--explain` lines under a file's outcome line (indented; empty for files not changed or refused). */
export function explainLines(o: FileOutcome, c?: Colors): string[] {
  const e = explanation(o);
  if (!e) return [];
  const bold = (s: string) => (c ? c.bold(s) : s);
  const lines: string[] = [];
  if (e.transforms) {
    for (const t of e.transforms) lines.push(`  ${bold(t.id)}: ${t.description}`);
    if (o.declared) {
      const d = o.declared;
      lines.push(
        `  declares: ${d.exec ? 'Py_mod_exec, ' : ''}Py_mod_multiple_interpreters ${d.interpreters}, Py_mod_gil ${d.gil}${d.gilFromModule ? ' (the module\'s own claim)' : ''}`,
      );
    }
    if (e.guard) lines.push(`  once-per-process guard: ${e.guard.added ? 'added' : 'not added'}${e.guard.reason ? ` (${e.guard.reason})` : ''}`);
    if (o.replay) lines.push(`  first exec replayed for later modules: ${o.replay.reason}`);
  }
  if (e.refusedBy) {
    // The reason is on the outcome line just above.
    lines.push(`  refused by ${bold(e.refusedBy.id)}${e.refusedBy.description ? `: ${e.refusedBy.description}` : ''}`);
  }
  return lines;
}
