/** How verification results read: a matrix per module for a terminal, JSON, and one summary line. */

import { jsonDocument } from '../cli/version';
import * as path from 'node:path';
import type { Colors } from '../cli/color';
import { ORIGINAL_FAILS_TOO, PROBES, PROBE_TITLES, withoutCpythonSuffix, type Discovery, type ModuleVerification, type ProbeName, type ProbeResult } from './types';

const MARK = { pass: 'ok', fail: 'FAIL', skip: '-' };

function mark(r: ProbeResult): string {
  const m = r.ok === true ? MARK.pass : r.ok === false ? MARK.fail : MARK.skip;
  return r.warning ? `${m}!` : m;
}

/** A padded matrix cell, coloured by what it says (padding first: escapes have no width). */
function paintCell(cell: string, width: number, c?: Colors): string {
  const padded = cell.padEnd(width);
  if (!c) return padded;
  if (cell.startsWith(MARK.fail)) return c.red(padded);
  if (cell.startsWith(MARK.pass)) return cell.endsWith('!') ? c.yellow(padded) : c.green(padded);
  return padded;
}

function shown(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** One module: a row per interpreter, a column per probe, and each failure's reason under its row. */
export function moduleMatrix(v: ModuleVerification, cwd: string, c?: Colors): string {
  const header = ['python', ...PROBES.map((p) => PROBE_TITLES[p])];
  const rows = v.interpreters.map((i) => [i.python.label, ...PROBES.map((p) => mark(i.probes[p]))]);
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => r[col].length)));
  const line = (cells: string[], paint = false): string =>
    ('  ' + cells.map((cell, col) => (paint && col > 0 ? paintCell(cell, widths[col], c) : cell.padEnd(widths[col]))).join('  ')).trimEnd();
  if (v.notBuilt) return `${c ? c.dim('SKIP') : 'SKIP'} ${v.moduleName} (${shown(v.sourcePath, cwd)}): not verified, ${v.notBuilt}\n`;
  const verdict = v.ok ? (c ? c.green('PASS') : 'PASS') : c ? c.red('FAIL') : 'FAIL';
  const out = [`${verdict} ${v.moduleName} (${shown(v.sourcePath, cwd)})`];
  if (v.build) out.push(`  built as the project builds it: ${v.build}`);
  if (v.buildProblem) out.push(`  built from the flags given only: ${v.buildProblem}`);
  out.push(line(header), ...rows.map((r) => line(r, true)));
  // The same reason on several interpreters is said once, naming them; the build's own
  // "[CPython x.y, exe]" suffix is dropped there since the labels say it.
  const failures = sayOnce(v, (p, r) => (r.ok === false ? `${PROBE_TITLES[p]}: ${withoutCpythonSuffix(r.detail ?? 'failed')}` : undefined));
  const skips = sayOnce(v, (p, r) => (skippedForTheOriginal(r) ? `${PROBE_TITLES[p]} skipped: ${withoutCpythonSuffix(r.detail!)}` : undefined));
  const warnings = sayOnce(v, (p, r) => (r.warning ? `warning, ${PROBE_TITLES[p]}: ${r.warning}` : undefined));
  for (const [reason, on] of [...failures, ...skips, ...warnings]) out.push(`    [${on}] ${reason}`);
  const declaring = v.interpreters.filter((i) => i.slots?.returned === 'def');
  const slots = declaring[declaring.length - 1]?.slots;
  if (slots) out.push(`  declares (${declaring[declaring.length - 1].python.label}): multiple_interpreters ${slots.interpreters ?? 'absent'}, gil ${slots.gil ?? 'absent'}`);
  return out.join('\n') + '\n';
}

/** Which interpreters will be used, which were not and why (said before anything runs). */
export function discoveryReport(d: Discovery): string {
  const out = [`CPythons: ${d.found.map((p) => `${p.label} (${p.exe})`).join(', ') || 'none'}`];
  for (const s of d.skipped) out.push(`  skipped ${s.exe}: ${s.reason}`);
  return out.join('\n') + '\n';
}

export function noSandboxWarning(): string {
  return '!!! --no-sandbox: module code ran UNCONFINED on this machine (no network or filesystem isolation) !!!\n';
}

export function summaryLine(results: ModuleVerification[], pythons: number, sandbox: boolean, ms: number, c?: Colors): string {
  const failed = results.filter((r) => !r.ok).length;
  const notBuilt = results.filter((r) => r.notBuilt).length;
  const where = sandbox ? 'in the bubblewrap sandbox' : 'WITHOUT a sandbox (--no-sandbox)';
  const verified = `${results.length - failed - notBuilt} verified`;
  const failures = `${failed} failed`;
  const skipped = notBuilt ? `, ${notBuilt} not built on this platform` : '';
  return `${results.length} module(s) on ${pythons} interpreter(s): ${c && results.length - failed - notBuilt ? c.green(verified) : verified}, ${c && failed ? c.red(failures) : failures}${skipped}, ${where}, ${(ms / 1000).toFixed(1)}s\n`;
}

/** Each probe's warning once, with the interpreters it came from (the runner's --verify report). */
export function verificationWarnings(v: ModuleVerification): string[] {
  const said = sayOnce(v, (p, r) => {
    const w = r.warning ?? (skippedForTheOriginal(r) ? withoutCpythonSuffix(r.detail!) : undefined);
    return w && `${PROBE_TITLES[p]}: ${w}`;
  });
  return said.map(([w, on]) => `${w} [${on}]`);
}

/** A probe left out because the single-phase original fails there too (verify.ts, judge.ts). */
function skippedForTheOriginal(r: ProbeResult): boolean {
  return r.ok === 'skipped' && !!r.detail?.startsWith(ORIGINAL_FAILS_TOO);
}

/**
 * What `say` makes of each interpreter's probe results, each text once with the interpreters it
 * came from (`all` when it is every one of several), in the order first said.
 */
function sayOnce(v: ModuleVerification, say: (p: ProbeName, r: ProbeResult) => string | undefined): [string, string][] {
  const labels = new Map<string, string[]>();
  for (const i of v.interpreters)
    for (const p of PROBES) {
      const text = say(p, i.probes[p]);
      if (text) labels.set(text, [...(labels.get(text) ?? []), i.python.label]);
    }
  return [...labels].map(([text, on]) => [text, on.length === v.interpreters.length && on.length > 1 ? 'all' : on.join(' ')]);
}

/** One line for a file that failed verification, for the runner's --verify report. */
export function failureReason(v: ModuleVerification): string {
  // Each interpreter's first failing probe; the same reason on several is said once, naming them.
  const first = new Map<string, string>();
  for (const i of v.interpreters) {
    const p = PROBES.find((q) => i.probes[q].ok === false);
    if (p) first.set(i.python.label, `${PROBE_TITLES[p]}: ${withoutCpythonSuffix(i.probes[p].detail ?? 'failed')}`);
  }
  const grouped = new Map<string, string[]>();
  for (const [label, text] of first) grouped.set(text, [...(grouped.get(text) ?? []), label]);
  const parts = [...grouped].map(([text, on]) => `${on.length === v.interpreters.length && on.length > 1 ? 'every CPython' : on.join(', ')}: ${text}`);
  if (parts.length === 0) {
    // Why each CPython was left out, the same reason said once with the CPythons it holds for.
    const why = new Map<string, string[]>();
    for (const i of v.interpreters) {
      const detail = i.probes.build.ok === 'skipped' ? i.probes.build.detail : i.probes.import.ok === 'skipped' ? i.probes.import.detail : undefined;
      if (detail) why.set(withoutCpythonSuffix(detail), [...(why.get(withoutCpythonSuffix(detail)) ?? []), i.python.label]);
    }
    const said = [...why].slice(0, 2).map(([d, on]) => `${on.join(', ')}: ${d}`);
    return `verification failed: no CPython here builds and imports it${said.length ? ` (${said.join('; ')}${why.size > 2 ? '; ...' : ''})` : ''}`;
  }
  const head = parts.slice(0, 3).join('; ');
  return `verification failed: ${head}${parts.length > 3 ? `; and ${parts.length - 3} more interpreter(s)` : ''}`;
}

export function jsonReport(results: ModuleVerification[], discovery: Discovery, sandbox: boolean, cwd: string): string {
  return jsonDocument('verify', {
    ok: results.every((r) => r.ok),
    sandbox,
    pythons: {
      found: discovery.found.map((p) => ({ exe: p.exe, version: p.version, label: p.label, freeThreaded: p.freeThreaded })),
      skipped: discovery.skipped,
    },
    modules: results.map(({ sourcePath, interpreters, ...r }) => ({
      path: shown(sourcePath, cwd),
      ...r,
      // Each probe: `status` passed, failed or skipped (what `ok` true, false, 'skipped' meant).
      interpreters: interpreters.map((i) => ({
        ...i,
        probes: Object.fromEntries(
          Object.entries(i.probes).map(([name, { ok, ...rest }]) => [name, { status: ok === 'skipped' ? 'skipped' : ok ? 'passed' : 'failed', ...rest }]),
        ),
      })),
    })),
  });
}
