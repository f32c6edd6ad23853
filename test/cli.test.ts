/** The command as a user runs it: every option, every exit code, bad input left byte for byte. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { copyFixtures, expectedOutput, runCli, snapshot, tempDir } from './cli-helpers';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };

describe('help and version', () => {
  test('--help lists every option with an example', () => {
    const r = runCli(['--help'], tempDir());
    expect(r.code).toBe(0);
    for (const opt of ['--dry-run', '--check', '--json', '--interpreters', '--gil', '--version', '--help'])
      expect(r.stdout).toContain(opt);
    expect(r.stdout).toMatch(/Examples:/);
  });

  test('--version prints the package version', () => {
    const r = runCli(['--version'], tempDir());
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });
});

describe('converting in place', () => {
  test('converts a module, keeps its mode, and reports it', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'src/spam.c': 'textbook-spam', 'src/util.c': 'plain-c-file' });
    fs.chmodSync(path.join(dir, 'src/spam.c'), 0o640);
    const before = fs.readFileSync(path.join(dir, 'src/util.c'));
    const r = runCli(['src'], dir);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'src/spam.c'))).toEqual(expectedOutput('textbook-spam'));
    expect(fs.statSync(path.join(dir, 'src/spam.c')).mode & 0o777).toBe(0o640);
    expect(fs.readFileSync(path.join(dir, 'src/util.c'))).toEqual(before);
    expect(r.stderr).toContain('converted src/spam.c (module textbook_spam)');
    expect(r.stderr).toContain('1 changed, 0 unchanged, 1 skipped, 0 failed');
    expect(fs.readdirSync(path.join(dir, 'src')).sort()).toEqual(['spam.c', 'util.c']);
    // Running again finds nothing to do.
    const again = runCli(['src'], dir);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('0 changed, 1 unchanged, 1 skipped, 0 failed');
  });

  test('walks directories for .c .cc .cpp .cxx but not into .git, node_modules or build output', () => {
    const dir = tempDir();
    copyFixtures(dir, {
      'pkg/a.c': 'minimal',
      'pkg/.git/b.c': 'minimal',
      'pkg/node_modules/x/c.c': 'minimal',
      'pkg/build/lib/d.c': 'minimal',
      'pkg/e.h': 'minimal',
    });
    const r = runCli(['--check', '--json', 'pkg'], dir);
    const report = JSON.parse(r.stdout) as { files: { path: string }[] };
    expect(report.files.map((f) => f.path)).toEqual(['pkg/a.c']);
  });

  test('a file that starts with blank lines converts like any other (pickle5 starts with one)', () => {
    const dir = tempDir();
    const minimal = expectedOutput('minimal');
    copyFixtures(dir, { 'a.c': 'minimal' });
    fs.writeFileSync(path.join(dir, 'a.c'), Buffer.concat([Buffer.from('\n\n'), fs.readFileSync(path.join(dir, 'a.c'))]));
    const r = runCli(['a.c'], dir);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'a.c'))).toEqual(Buffer.concat([Buffer.from('\n\n'), minimal]));
  });

  test('a Latin-1 file keeps every byte outside the edits', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'm.c': 'latin1-comment' });
    const r = runCli(['m.c'], dir);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'm.c'))).toEqual(expectedOutput('latin1-comment'));
  });
});

describe('--dry-run', () => {
  test('prints a diff that git apply turns into exactly what a real run writes', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'src/a.c': 'goto-error-label', 'src/b.c': 'crlf', 'src/c.c': 'utf8-bom', 'src/d.c': 'latin1-comment' });
    const before = snapshot(dir);
    const r = runCli(['--dry-run', 'src'], dir);
    expect(r.code).toBe(0);
    expect(snapshot(dir)).toEqual(before);
    expect(r.stdout).toContain('--- a/src/a.c\n+++ b/src/a.c\n');
    expect(r.stderr).toContain('would convert src/a.c');

    const patch = path.join(dir, 'changes.patch');
    fs.writeFileSync(patch, r.stdoutBytes);
    const applied = tempDir();
    copyFixtures(applied, { 'src/a.c': 'goto-error-label', 'src/b.c': 'crlf', 'src/c.c': 'utf8-bom', 'src/d.c': 'latin1-comment' });
    execFileSync('git', ['init', '-q'], { cwd: applied });
    execFileSync('git', ['apply', '--whitespace=nowarn', patch], { cwd: applied });

    expect(runCli(['src'], dir).code).toBe(0);
    for (const f of ['a.c', 'b.c', 'c.c', 'd.c'])
      expect(fs.readFileSync(path.join(applied, 'src', f))).toEqual(fs.readFileSync(path.join(dir, 'src', f)));
  });

  test('with --json, reports each file with its diff and writes nothing', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'a.c': 'textbook-spam', 'b.c': 'already-multi-phase', 'c.c': 'plain-c-file', 'd.c': 'refuse-two-creates' });
    const before = snapshot(dir);
    const r = runCli(['--dry-run', '--json', '.'], dir);
    expect(snapshot(dir)).toEqual(before);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout);
    expect(report.summary).toEqual({ changed: 1, unchanged: 1, skipped: 1, failed: 1 });
    const [a, b, c, d] = report.files;
    expect(a).toMatchObject({ path: 'a.c', status: 'changed', module: 'textbook_spam' });
    expect(a.transforms).toContain('error-returns');
    expect(a.diff).toContain('+++ b/a.c');
    expect(b).toMatchObject({ path: 'b.c', status: 'unchanged' });
    expect(c).toMatchObject({ path: 'c.c', status: 'skipped' });
    expect(d).toMatchObject({ path: 'd.c', status: 'failed', module: 'refuse_two_creates', line: 31 });
    expect(d.reason).toContain('PyModule_Create 2 times');
  });
});

describe('--check', () => {
  test('exits 1 when a file would change and writes nothing', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'a.c': 'minimal' });
    const before = snapshot(dir);
    const r = runCli(['--check', 'a.c'], dir);
    expect(r.code).toBe(1);
    expect(snapshot(dir)).toEqual(before);
  });

  test('exits 0 when nothing would change', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'a.c': 'already-multi-phase', 'b.c': 'plain-c-file' });
    const r = runCli(['--check', '.'], dir);
    expect(r.code).toBe(0);
  });
});

describe('slot options', () => {
  test('--gil and --interpreters choose the declared values', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'a.c': 'minimal' });
    const r = runCli(['--gil', 'not-used', '--interpreters', 'per-interpreter-gil', 'a.c'], dir);
    expect(r.code).toBe(0);
    const out = fs.readFileSync(path.join(dir, 'a.c'), 'utf8');
    expect(out).toContain('{Py_mod_gil, Py_MOD_GIL_NOT_USED}');
    expect(out).toContain('{Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED}');
  });

  test('-D reaches the conversion: an old Py_LIMITED_API refuses not-supported, and --interpreters supported converts', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'a.c': 'minimal' });
    const before = snapshot(dir);
    // -D repeats and takes one value each, so the path may come after it.
    const r = runCli(['-D', 'X=1', '-D', 'Py_LIMITED_API=0x03060000', 'a.c'], dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('a.c:');
    expect(r.stderr).toContain('limited API of 3.6 (Py_LIMITED_API=0x03060000, -D Py_LIMITED_API=0x03060000)');
    expect(snapshot(dir)).toEqual(before);
    const ok = runCli(['-D', 'Py_LIMITED_API=0x03060000', '--interpreters', 'supported', 'a.c'], dir);
    expect(ok.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'a.c'), 'utf8')).toContain('Py_MOD_MULTIPLE_INTERPRETERS_SUPPORTED');
  });

  test('a helper in a source beside the module that releases the module it is given: refused, naming it', () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'tz.c'),
      '#include <Python.h>\n\nint\nsetup_tz(PyObject *module)\n{\n    if (PyModule_AddIntConstant(module, "UTC", 0) < 0) {\n        Py_DECREF(module);\n        return -1;\n    }\n    return 0;\n}\n',
    );
    const mod =
      '#include <Python.h>\n\nint setup_tz(PyObject *module);\n\nstatic struct PyModuleDef tzmod_def = {\n    PyModuleDef_HEAD_INIT, "tzmod", NULL, -1, NULL\n};\n\n' +
      'PyMODINIT_FUNC\nPyInit_tzmod(void)\n{\n    PyObject *m = PyModule_Create(&tzmod_def);\n    if (m == NULL)\n        return NULL;\n    if (setup_tz(m) < 0)\n        return NULL;\n    return m;\n}\n';
    fs.writeFileSync(path.join(dir, 'tzmod.c'), mod);
    const before = snapshot(dir);
    const r = runCli(['tzmod.c'], dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('tzmod.c:15: refused: setup_tz (tz.c, line 3) releases the module it is given (Py_DECREF(module), line 7)');
    expect(snapshot(dir)).toEqual(before);
    // In SARIF the release to change is a related location, in the file it is in.
    const sarifDir = tempDir();
    runCli(['--dry-run', '--sarif', path.join(sarifDir, 'out.sarif'), 'tzmod.c'], dir);
    const [result] = JSON.parse(fs.readFileSync(path.join(sarifDir, 'out.sarif'), 'utf8')).runs[0].results;
    expect(result.locations[0].physicalLocation.region.startLine).toBe(15);
    expect(result.relatedLocations).toEqual([
      expect.objectContaining({ physicalLocation: expect.objectContaining({ region: { startLine: 7 } }), message: { text: 'the release to remove: Py_DECREF(module)' } }),
    ]);
    expect(result.relatedLocations[0].physicalLocation.artifactLocation.uri).toMatch(/tz\.c$/);
    // Without the release next door it converts.
    fs.writeFileSync(path.join(dir, 'tz.c'), fs.readFileSync(path.join(dir, 'tz.c'), 'utf8').replace('        Py_DECREF(module);\n', ''));
    expect(runCli(['tzmod.c'], dir).code).toBe(0);
  });

  test('a flag given twice that does not repeat: the last one wins (it wrote `undefined` into the slots)', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'a.c': 'minimal' });
    const r = runCli(['--gil', 'used', '--gil', 'not-used', '--interpreters', 'supported', '--interpreters', 'not-supported', '--jobs', '1', '--jobs', '2', 'a.c'], dir);
    expect(r.code).toBe(0);
    const out = fs.readFileSync(path.join(dir, 'a.c'), 'utf8');
    expect(out).toContain('{Py_mod_gil, Py_MOD_GIL_NOT_USED}');
    expect(out).toContain('{Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED}');
    expect(out).not.toContain('undefined');
  });

  test('an invalid choice is a usage error', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'a.c': 'minimal' });
    const before = snapshot(dir);
    const r = runCli(['--gil', 'sometimes', 'a.c'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Choices: "used", "not-used"');
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('bad input: exit 2, a message naming the file, nothing changed', () => {
  test('unknown flag', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'a.c': 'minimal' });
    const before = snapshot(dir);
    const r = runCli(['--frobnicate', 'a.c'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Unknown argument: frobnicate');
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(snapshot(dir)).toEqual(before);
  });

  test('missing path', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'a.c': 'minimal' });
    const before = snapshot(dir);
    const r = runCli(['a.c', 'nope/missing.c'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nope/missing.c: no such file or directory');
    expect(snapshot(dir)).toEqual(before);
  });

  test('no path at all', () => {
    const r = runCli([], tempDir());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no paths given');
  });

  test('binary file', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'blob.c'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0, 0x50, 0x79]));
    copyFixtures(dir, { 'ok.c': 'minimal' });
    const before = fs.readFileSync(path.join(dir, 'blob.c'));
    const r = runCli(['.'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('blob.c: error: contains NUL bytes');
    expect(fs.readFileSync(path.join(dir, 'blob.c'))).toEqual(before);
  });
});

describe('refusals and unwritable files: exit 3, file untouched', () => {
  test('a refused module names the file, line and reason', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'r.c': 'refuse-pystate-findmodule' });
    const before = snapshot(dir);
    const r = runCli(['r.c'], dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^r\.c:14: refused: PyState_FindModule/m);
    expect(snapshot(dir)).toEqual(before);
  });

  test('a read-only file is reported and not changed', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'ro.c': 'minimal' });
    fs.chmodSync(path.join(dir, 'ro.c'), 0o444);
    const before = snapshot(dir);
    const r = runCli(['ro.c'], dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('ro.c: error: the file is read-only');
    expect(snapshot(dir)).toEqual(before);
  });

  test('a file in a read-only folder is reported and not changed', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'locked/m.c': 'minimal' });
    const before = snapshot(dir);
    fs.chmodSync(path.join(dir, 'locked'), 0o555);
    try {
      const r = runCli(['locked'], dir);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('is read-only');
      expect(snapshot(dir)).toEqual(before);
    } finally {
      fs.chmodSync(path.join(dir, 'locked'), 0o755);
    }
  });
});
