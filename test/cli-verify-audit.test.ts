/** The verify and audit commands as a user runs them: the real bin, real files, real CPythons. */
import fs from 'node:fs';
import path from 'node:path';
import { copyFixtures, expectedOutput, runCli, snapshot, tempDir } from './cli-helpers';

describe('verify', () => {
  test('a converted module passes every probe on every CPython found, in the sandbox', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'textbook_spam.c'), expectedOutput('textbook-spam'));
    const r = runCli(['verify', '--json', 'textbook_spam.c'], dir);
    expect(r.stderr).not.toContain('--no-sandbox');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const m = report.modules[0];
    expect(m.ok).toBe(true);
    expect(m.sandbox).toBe(true);
    expect(m.interpreters.length).toBeGreaterThan(0);
    for (const i of m.interpreters) expect(i.probes.multiphase.ok).toBe(true);
  });

  test('a single-phase module fails the multi-phase probe: exit 3', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'minimal.c': 'minimal' });
    const r = runCli(['verify', 'minimal.c'], dir);
    expect(r.code).toBe(3);
    expect(r.stdout + r.stderr).toMatch(/FAIL minimal/);
  });
});

describe('audit', () => {
  test('lists process-global state with file:line and recommends a declaration; writes nothing', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'spam.c': 'textbook-spam', 'pure.c': 'interpreters-option-supported' });
    const before = snapshot(dir);
    const text = runCli(['audit', '.'], dir);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/spam\.c:\d+: SpamError \[pyobject\]/);
    const r = runCli(['audit', '--json', '.'], dir);
    const report = JSON.parse(r.stdout) as {
      modules: { file: string; state: { name: string; kind: string; line: number }[]; recommendation: { multiple_interpreters: string; once_per_process_guard: boolean } }[];
    };
    const spam = report.modules.find((m) => m.file === 'spam.c')!;
    expect(spam.state.map((s) => s.name)).toContain('SpamError');
    expect(spam.recommendation).toMatchObject({ multiple_interpreters: 'not-supported', once_per_process_guard: true });
    const pure = report.modules.find((m) => m.file === 'pure.c')!;
    expect(pure.state).toEqual([]);
    expect(pure.recommendation.multiple_interpreters).not.toBe('not-supported');
    expect(pure.recommendation.once_per_process_guard).toBe(false);
    expect(snapshot(dir)).toEqual(before);
  });
});
