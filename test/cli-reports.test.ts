/** --report (markdown) and --sarif (SARIF 2.1.0 for code scanning), as CI would use them. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { copyFixtures, runCli, snapshot, tempDir } from './cli-helpers';
import { sarifProblems } from './sarif-structure';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };

function repo(): string {
  const dir = tempDir();
  execFileSync('git', ['init', '-q'], { cwd: dir });
  copyFixtures(dir, {
    'ext/spam.c': 'textbook-spam',
    'ext/min.c': 'minimal',
    'ext/done.c': 'already-multi-phase',
    'ext/plain.c': 'plain-c-file',
    'ext/state.c': 'refuse-pystate-findmodule',
  });
  return dir;
}

describe('--report', () => {
  test('a markdown table of files with status, module, slots, second exec; refusals with file:line', () => {
    const dir = repo();
    const r = runCli(['--check', '--report', 'summary.md', 'ext'], dir);
    expect(r.code).toBe(3);
    const md = fs.readFileSync(path.join(dir, 'summary.md'), 'utf8');
    expect(md).toContain('**2** to convert, **1** unchanged, **1** skipped (no module init), **1** failed');
    expect(md).toContain('| file | status | module | slots declared | second exec in one process |\n|---|---|---|---|---|\n');
    const row = (file: string) => md.split('\n').find((l) => l.startsWith(`| \`${file}`))!;
    expect(row('ext/spam.c')).toMatch(
      /^\| `ext\/spam\.c` \| would convert \| `textbook_spam` \| `Py_mod_exec`<br>`Py_mod_multiple_interpreters`: not-supported<br>`Py_mod_gil`: used \| gets the first exec's attributes: .*SpamError.* \|$/,
    );
    expect(row('ext/min.c')).toMatch(/\| `minimal` \| .* \| no exec \|$/);
    expect(row('ext/done.c')).toMatch(/^\| `ext\/done\.c` \| unchanged \|/);
    expect(row('ext/state.c:14')).toMatch(/^\| `ext\/state\.c:14` \| refused \| `refuse_pystate_findmodule` \|/);
    expect(md).not.toContain('plain.c');
    expect(md).toMatch(/### Refusals and errors\n\n- `ext\/state\.c:14` \(rule `pystate-calls`\): PyState_FindModule is given/);
  });

  test('after a real run it says converted; with --json it is written as well', () => {
    const dir = repo();
    const r = runCli(['--json', '--report', 'out.md', 'ext/min.c'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).summary.changed).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'out.md'), 'utf8')).toMatch(/\| `ext\/min\.c` \| converted \|/);
  });

  test('a report path that is a folder is a usage error before anything is converted', () => {
    const dir = repo();
    fs.mkdirSync(path.join(dir, 'out.md'));
    const before = snapshot(dir);
    const r = runCli(['--report', 'out.md', 'ext/min.c'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--report \S*out\.md: that is a folder/);
    expect(snapshot(dir)).toEqual(before);
  });

  test('a report into a folder that does not exist is a usage error before anything is converted', () => {
    const dir = repo();
    const before = snapshot(dir);
    const r = runCli(['--report', 'nope/summary.md', 'ext'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--report');
    expect(r.stderr).toContain('does not exist');
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('--sarif', () => {
  test('SARIF 2.1.0: a result per refusal at its line, converted modules listed (not alerts), the rules described', () => {
    const dir = repo();
    // Run from a subfolder: URIs stay relative to the repository root.
    const r = runCli(['--dry-run', '--sarif', '../scan.sarif', '.'], path.join(dir, 'ext'));
    expect(r.code).toBe(3);
    const log = JSON.parse(fs.readFileSync(path.join(dir, 'scan.sarif'), 'utf8'));
    expect(sarifProblems(log)).toEqual([]);
    expect(log.version).toBe('2.1.0');
    const run = log.runs[0];
    expect(run.tool.driver).toMatchObject({ name: 'pep489-codemod', version: pkg.version });
    const ruleIds = run.tool.driver.rules.map((x: { id: string }) => x.id);
    expect(ruleIds).toEqual(expect.arrayContaining(['pystate-calls', 'error-returns', 'converted-to-multi-phase', 'unreadable-input']));
    for (const rule of run.tool.driver.rules) expect(rule.shortDescription.text).toEqual(expect.any(String));
    expect(run.originalUriBaseIds['%SRCROOT%'].uri).toBe(`file://${fs.realpathSync(dir)}/`.replace(/^file:\/\/(?!\/)/, 'file:///'));

    const byUri = (uri: string) => run.results.filter((x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
      x.locations[0].physicalLocation.artifactLocation.uri === uri);
    const [refusal] = byUri('ext/state.c');
    expect(refusal).toMatchObject({
      ruleId: 'pystate-calls',
      level: 'warning',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'ext/state.c', uriBaseId: '%SRCROOT%' }, region: { startLine: 14 } } }],
    });
    expect(refusal.message.text).toContain('PyState_FindModule');
    // Line 14 is the PyState_FindModule call.
    expect(fs.readFileSync(path.join(dir, 'ext/state.c'), 'utf8').split('\n')[13]).toContain('PyState_FindModule');

    // Converted modules are no alerts: one module must not be one code-scanning alert.
    expect(byUri('ext/spam.c')).toHaveLength(0);
    const spam = run.properties.converted.find((c: { path: string }) => c.path === 'ext/spam.c');
    expect(spam).toMatchObject({ module: 'textbook_spam', declares: 'Py_mod_multiple_interpreters not-supported, Py_mod_gil used' });
    expect(fs.readFileSync(path.join(dir, 'ext/spam.c'), 'utf8').split('\n')[spam.line - 1]).toMatch(/PyInit_textbook_spam/);
    expect(run.properties.converted.map((c: { path: string }) => c.path).sort()).toEqual(['ext/min.c', 'ext/spam.c']);
    expect(byUri('ext/done.c')).toHaveLength(0);
    expect(byUri('ext/plain.c')).toHaveLength(0);
    expect(run.results).toHaveLength(1);
  });

  test('a file that cannot be read is an error-level result', () => {
    const dir = repo();
    fs.writeFileSync(path.join(dir, 'ext', 'blob.c'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
    const r = runCli(['--check', '--sarif', 'scan.sarif', 'ext'], dir);
    expect(r.code).toBe(2);
    const log = JSON.parse(fs.readFileSync(path.join(dir, 'scan.sarif'), 'utf8'));
    expect(sarifProblems(log)).toEqual([]);
    const blob = log.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'unreadable-input');
    expect(blob.level).toBe('error');
    expect(blob.locations[0].physicalLocation.artifactLocation.uri).toBe('ext/blob.c');
  });
});
