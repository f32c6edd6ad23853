/**
 * The verify command as a user runs it (options in, report and exit code out) and verifyConverted
 * as the runner's --verify uses it. Real git, compiler, CPython and bubblewrap; two interpreters
 * (the oldest and the newest found) keep it quick.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runVerifyCommand, verifyConverted, type VerifyCommandArgs } from '../src/verify/command';
import { discoverPythons } from '../src/verify/pythons';

const HOSTILE = path.join(__dirname, 'hostile');
let scratch: string;
let two: string[];

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-command-'));
  process.env.PEP489_CODEMOD_CACHE = path.join(scratch, 'cache');
  const { found } = await discoverPythons();
  two = [...new Set([found[0].exe, found[found.length - 1].exe])];
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
  delete process.env.PEP489_CODEMOD_CACHE;
});

async function run(args: Partial<VerifyCommandArgs> & { paths: string[] }): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runVerifyCommand(
    { python: two, cwd: scratch, timeout: 10, ...args },
    { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) },
  );
  return { code, stdout, stderr };
}

function repoWith(name: string, committed: string, current: string): string {
  const repo = fs.mkdtempSync(path.join(scratch, 'repo-'));
  const git = (...a: string[]) => execFileSync('git', ['-C', repo, ...a], { stdio: 'ignore' });
  git('init', '-q');
  fs.copyFileSync(committed, path.join(repo, name));
  git('add', name);
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'single-phase');
  fs.copyFileSync(current, path.join(repo, name));
  return repo;
}

test('in a git repository the original comes from HEAD: exit 0, a matrix, the surface compared', async () => {
  const repo = repoWith('well_behaved.c', path.join(HOSTILE, 'well_behaved_single.c'), path.join(HOSTILE, 'well_behaved.c'));
  const r = await run({ paths: [repo], smoke: 'well_behaved.add(1, 1)' });
  expect(r.stderr).toMatch(/^CPythons: /);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^PASS well_behaved \(repo-\w+\/well_behaved\.c\)\n  python +build +import +surface +multi-phase +re-import +subinterp +faults +free-threaded\n/);
  expect(r.stdout).toMatch(/\n  \S+ +ok +ok +ok +ok +ok /);
  expect(r.stdout).toContain('1 module(s) on');
  expect(r.stdout).toContain('1 verified, 0 failed, in the bubblewrap sandbox');
});

test('--json carries the same verdicts; a failing module exits 3 with its reason', async () => {
  const r = await run({ paths: [path.join(HOSTILE, 'decref_error_path.c')], json: true });
  expect(r.code).toBe(3);
  const report = JSON.parse(r.stdout);
  expect(report.ok).toBe(false);
  expect(report.sandbox).toBe(true);
  expect(report.pythons.found.map((p: { exe: string }) => p.exe)).toEqual(two);
  const [m] = report.modules;
  expect(m.moduleName).toBe('decref_error_path');
  for (const i of m.interpreters) expect(i.probes.faults.detail).toContain('lost 1 reference(s)');

  const text = await run({ paths: [path.join(HOSTILE, 'decref_error_path.c')] });
  expect(text.code).toBe(3);
  expect(text.stdout).toContain('] faults: call 1 (PyErr_NewException) failing: the module lost 1 reference(s)');
});

test('a compile_commands.json in the tree supplies include dirs and defines', async () => {
  const tree = fs.mkdtempSync(path.join(scratch, 'db-'));
  fs.mkdirSync(path.join(tree, 'inc'));
  fs.mkdirSync(path.join(tree, 'src'));
  fs.writeFileSync(path.join(tree, 'inc', 'answer.h'), '#define ANSWER_BASE 40\n');
  fs.writeFileSync(
    path.join(tree, 'src', 'dbmod.c'),
    `#include <Python.h>
#include "answer.h"
#ifndef EXTRA
#error EXTRA must come from the build
#endif
static int dbmod_exec(PyObject *m) { return PyModule_AddIntConstant(m, "ANSWER", ANSWER_BASE + EXTRA); }
static PyModuleDef_Slot slots[] = {{Py_mod_exec, dbmod_exec}, {0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "dbmod", NULL, 0, NULL, slots};
PyMODINIT_FUNC PyInit_dbmod(void) { return PyModuleDef_Init(&def); }
`,
  );
  const without = await run({ paths: [path.join(tree, 'src')] });
  expect(without.code).toBe(3);
  expect(without.stdout).toMatch(/build: .*answer\.h/);
  fs.mkdirSync(path.join(tree, 'build'));
  fs.writeFileSync(
    path.join(tree, 'build', 'compile_commands.json'),
    JSON.stringify([{ directory: path.join(tree, 'build'), file: '../src/dbmod.c', command: 'cc -I../inc -DEXTRA=2 -c ../src/dbmod.c' }]),
  );
  const withDb = await run({ paths: [path.join(tree, 'src')], smoke: 'dbmod.ANSWER' });
  expect(withDb.stdout).toContain('PASS dbmod');
  expect(withDb.code).toBe(0);
});

test('usage and environment errors exit 2 and say what to do', async () => {
  expect((await run({ paths: [] })).code).toBe(2);
  const missing = await run({ paths: [path.join(scratch, 'nope.c')] });
  expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('no such file or directory') });
  const badPython = await run({ paths: [path.join(HOSTILE, 'well_behaved.c')], python: [path.join(scratch, 'python9')] });
  expect(badPython.code).toBe(2);
  expect(badPython.stderr).toContain('cannot verify with');
  const twoOriginals = await run({ paths: [path.join(HOSTILE, 'well_behaved.c'), path.join(HOSTILE, 'segfault_exec.c')], original: path.join(HOSTILE, 'well_behaved_single.c') });
  expect(twoOriginals.code).toBe(2);

  const savedPath = process.env.PATH;
  process.env.PATH = path.join(scratch, 'empty-bin');
  try {
    const noBwrap = await run({ paths: [path.join(HOSTILE, 'well_behaved.c')] });
    expect(noBwrap.code).toBe(2);
    expect(noBwrap.stderr).toContain('apt-get install bubblewrap');
    expect(noBwrap.stderr).toContain('--no-sandbox');
  } finally {
    process.env.PATH = savedPath;
  }
});

test('verifyConverted: passes a good conversion, fails a bad one with a one-line reason', async () => {
  const original = fs.readFileSync(path.join(HOSTILE, 'well_behaved_single.c'));
  const good = fs.readFileSync(path.join(HOSTILE, 'well_behaved.c'));
  // A conversion that lost the exception object: the surface probe must notice.
  const lossy = good.toString('latin1').replace('if (PyModule_AddObject(m, "error", WellError) < 0)', 'if (0)');
  const verdicts = await verifyConverted(
    [
      { path: '/project/a/well_behaved.c', original, converted: good, expect: { interpreters: 'not-supported', gil: 'used' } },
      { path: '/project/b/well_behaved.c', original, converted: lossy },
      { path: '/project/c/helper.c', original: 'int x;', converted: 'int x;\n' },
    ],
    { python: two, timeout: 10 },
    { stdout: () => undefined, stderr: () => undefined },
  );
  expect(verdicts.map((v) => [v.path, v.ok])).toEqual([
    ['/project/a/well_behaved.c', true],
    ['/project/b/well_behaved.c', false],
    ['/project/c/helper.c', false],
  ]);
  expect(verdicts[1].reason).toMatch(/^verification failed: (every CPython|[\d., t]+): surface: public names differ from the original: missing error/);
  expect(verdicts[0].verification!.sourcePath).toBe('/project/a/well_behaved.c');
});

test('a declaration that differs from what the conversion promised fails', async () => {
  const { found } = await discoverPythons();
  const modern = found.filter((p) => p.minor >= 12).map((p) => p.exe);
  if (modern.length === 0) return; // nothing here can read Py_mod_multiple_interpreters
  const good = fs.readFileSync(path.join(HOSTILE, 'well_behaved.c'));
  const [v] = await verifyConverted(
    [{ path: '/project/well_behaved.c', original: fs.readFileSync(path.join(HOSTILE, 'well_behaved_single.c')), converted: good, expect: { interpreters: 'per-interpreter-gil' } }],
    { python: modern, timeout: 10 },
    { stdout: () => undefined, stderr: () => undefined },
  );
  expect(v.ok).toBe(false);
  expect(v.reason).toContain('compiled-in Py_mod_multiple_interpreters is not-supported, expected per-interpreter-gil');
});

test("a project whose own code trips a strict error builds relaxed; only warnings the conversion adds fail it", async () => {
  // A helper that can fall off its end: -Werror=return-type rejects the original itself.
  const sloppyHelper = 'static int pick(int x)\n{\n    if (x > 0)\n        return 1;\n}\n';
  const original = fs.readFileSync(path.join(HOSTILE, 'well_behaved_single.c'), 'latin1').replace('static PyObject *WellError;', `static PyObject *WellError;\n\n${sloppyHelper}`);
  const converted = fs.readFileSync(path.join(HOSTILE, 'well_behaved.c'), 'latin1').replace('static PyObject *WellError;', `static PyObject *WellError;\n\n${sloppyHelper}`);
  expect(converted).toContain(sloppyHelper);
  const dir = fs.mkdtempSync(path.join(scratch, 'relaxed-'));
  fs.writeFileSync(path.join(dir, 'original.c'), original);
  fs.writeFileSync(path.join(dir, 'well_behaved.c'), converted);
  const ok = await run({ paths: [path.join(dir, 'well_behaved.c')], original: path.join(dir, 'original.c'), json: true });
  expect(ok.code).toBe(0);
  const build = JSON.parse(ok.stdout).modules[0].interpreters[0].probes.build;
  expect(build.status).toBe('passed');
  expect(build.warning).toMatch(/^built with the strict errors as warnings, since the single-phase original does not build with them \(.*control reaches end of non-void function.*\); the conversion adds none$/);

  // An exec that returns NULL (a pointer) where it must return an int: a warning the original has not.
  const added = converted.replace(/return -1;/, 'return NULL;');
  expect(added).not.toBe(converted);
  fs.writeFileSync(path.join(dir, 'well_behaved.c'), added);
  const bad = await run({ paths: [path.join(dir, 'well_behaved.c')], original: path.join(dir, 'original.c') });
  expect(bad.code).toBe(3);
  expect(bad.stdout).toMatch(/build: the conversion adds 1 -Wint-conversion warning\(s\) the original does not have/);
});
