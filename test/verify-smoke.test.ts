/**
 * Smoke statements and scripts, and two verdicts that were false on real modules, end to end: real
 * compiler, real CPythons (3.8, for its import uuid, and the newest found, for subinterpreters), real
 * bubblewrap. What a smoke prints is compared with what the single-phase original prints.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from './cli-helpers';
import { discoverPythons } from '../src/verify/pythons';
import type { Interpreter, ModuleVerification } from '../src/verify/types';
import { verifyModule, type VerifyInput } from '../src/verify/verify';

/** The single-phase original: f() is 1. */
const ORIGINAL = `#include <Python.h>

static PyObject *f(PyObject *self, PyObject *unused) { return PyLong_FromLong(1); }
static PyMethodDef methods[] = {{"f", f, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "pr", NULL, -1, methods};

PyMODINIT_FUNC PyInit_pr(void) { return PyModule_Create(&def); }
`;

/** Its conversion, with f() returning VALUE: 1 is right, 2 is a conversion that changed behaviour. */
const CONVERTED = (value: number) => `#include <Python.h>

static PyObject *f(PyObject *self, PyObject *unused) { return PyLong_FromLong(${value}); }
static PyMethodDef methods[] = {{"f", f, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static PyModuleDef_Slot slots[] = {
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_SUPPORTED},
#endif
    {0, NULL}
};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "pr", NULL, 0, methods, slots};

PyMODINIT_FUNC PyInit_pr(void) { return PyModuleDef_Init(&def); }
`;

/**
 * A smoke test as projects write them: it prints, including what changes from run to run (an
 * address in a repr, a timing), and ends with sys.exit.
 */
const SCRIPT = `import sys, time

def main():
    print("object:", object())
    print("f() =", pr.f())
    print("took", time.perf_counter())
    return 0

if __name__ == "__main__":
    sys.exit(main())
`;

/** Writes nothing anywhere, but imports uuid (3.8 runs \`uname -p\` with stderr=DEVNULL) and uses ctypes.util.find_library. */
const QUIET = `#include <Python.h>

static int quiet_exec(PyObject *m) {
    PyObject *uuid = PyImport_ImportModule("uuid"), *util, *lib;
    if (uuid == NULL) return -1;
    Py_DECREF(uuid);
    util = PyImport_ImportModule("ctypes.util");
    if (util == NULL) return -1;
    lib = PyObject_CallMethod(util, "find_library", "s", "c");
    Py_DECREF(util);
    if (lib == NULL) return -1;
    return PyModule_AddObject(m, "libc", lib);
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, quiet_exec},
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
#endif
    {0, NULL}
};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "quiet", NULL, 0, NULL, slots};

PyMODINIT_FUNC PyInit_quiet(void) { return PyModuleDef_Init(&def); }
`;

/** Really writes: a file outside what the sandbox lets a module write. */
const WRITER_TARGET = '/root/pep489-verify-smoke-write-test.txt';
const WRITER = `#include <Python.h>
#include <stdio.h>

static int writer_exec(PyObject *m) {
    FILE *f = fopen("${WRITER_TARGET}", "w");
    if (f) fclose(f);
    return PyModule_AddIntConstant(m, "WROTE", f != NULL);
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, writer_exec},
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
#endif
    {0, NULL}
};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "writer", NULL, 0, NULL, slots};

PyMODINIT_FUNC PyInit_writer(void) { return PyModuleDef_Init(&def); }
`;

/**
 * `from traceback import print_exception, print_stack` in C, plus a module and a built-in
 * exception passed on: objects of other modules, the same after any re-import, while exec (which
 * also makes its own exception) runs again.
 */
const PASSES_ON = `#include <Python.h>

static int tb_exec(PyObject *m) {
    PyObject *traceback = PyImport_ImportModule("traceback");
    if (traceback == NULL) return -1;
    if (PyModule_AddObject(m, "print_exception", PyObject_GetAttrString(traceback, "print_exception")) < 0) return -1;
    if (PyModule_AddObject(m, "print_stack", PyObject_GetAttrString(traceback, "print_stack")) < 0) return -1;
    if (PyModule_AddObject(m, "traceback", traceback) < 0) return -1;
    Py_INCREF(PyExc_ValueError);
    if (PyModule_AddObject(m, "ValueError", PyExc_ValueError) < 0) return -1;
    return PyModule_AddObject(m, "error", PyErr_NewException("passes_on.error", NULL, NULL));
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, tb_exec},
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
#endif
    {0, NULL}
};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "passes_on", NULL, 0, NULL, slots};

PyMODINIT_FUNC PyInit_passes_on(void) { return PyModuleDef_Init(&def); }
`;

let dir: string;
let pythons: Interpreter[];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-smoke-'));
  // A cache of our own: the builds and probes must really run.
  process.env.PEP489_CODEMOD_CACHE = path.join(dir, 'cache');
  const files: Record<string, string> = {
    'original.c': ORIGINAL,
    'same/pr.c': CONVERTED(1),
    'changed/pr.c': CONVERTED(2),
    'smoke.py': SCRIPT,
    'raises.py': 'print("before")\nraise ValueError(pr.f())\n',
    'quiet.c': QUIET,
    'writer.c': WRITER,
    'passes_on.c': PASSES_ON,
  };
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const { found } = await discoverPythons();
  const newest = Math.max(...found.map((p) => p.minor));
  pythons = found.filter((p) => p.minor === 8 || p.minor === newest);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  delete process.env.PEP489_CODEMOD_CACHE;
});

function verify(converted: string, extra: Partial<VerifyInput> = {}): Promise<ModuleVerification> {
  const moduleName = path.basename(converted, '.c');
  return verifyModule({ sourcePath: path.join(dir, converted), moduleName, pythons, ...extra });
}

/** Compared with the single-phase original. */
const withOriginal = (): Partial<VerifyInput> => ({ original: { sourcePath: path.join(dir, 'original.c') } });

function failures(v: ModuleVerification): string[] {
  return v.interpreters.flatMap((i) =>
    Object.entries(i.probes)
      .filter(([, r]) => r.ok === false)
      .map(([probe, r]) => `${i.python.label} ${probe}: ${r.detail}`),
  );
}

describe('--smoke-script and statements: what they print must match the original', () => {
  test('the same output passes, though an address and a timing differ between runs', async () => {
    const v = await verify('same/pr.c', { ...withOriginal(), smokeScript: path.join(dir, 'smoke.py') });
    expect(failures(v)).toEqual([]);
    for (const i of v.interpreters) {
      expect(i.probes.import).toEqual({ ok: true, detail: "smoke output as the original's (3 line(s); 1 that change between two runs of the original not compared)" });
    }
  });

  test('a different output fails with the first differing line, in every step the smoke runs in', async () => {
    const v = await verify('changed/pr.c', { ...withOriginal(), smokeScript: path.join(dir, 'smoke.py') });
    expect(v.ok).toBe(false);
    const line = 'line 2: "f() = 1" in the original, "f() = 2" in the conversion';
    for (const i of v.interpreters) {
      expect(i.probes.import).toEqual({ ok: false, detail: `smoke output differs from the original's at the first import, ${line}` });
      expect(i.probes.reimport.ok).toBe(false);
      expect(i.probes.reimport.detail).toContain(
        `smoke output differs from the original's after re-import, ${line} (it differs with the first module dropped and after importlib.reload and in a legacy subinterpreter too)`,
      );
      if (Number(i.python.version.split('.')[1]) >= 12) {
        expect(i.probes.subinterpreters).toEqual({
          ok: false,
          detail: `smoke output differs from the original's in a strict subinterpreter (against its first import), ${line}`,
        });
      }
    }
  });

  test('--smoke statements (not an expression) are compared the same way', async () => {
    const smoke = 'x = pr.f()\nprint("x is", x)';
    expect(failures(await verify('same/pr.c', { ...withOriginal(), smoke }))).toEqual([]);
    const changed = await verify('changed/pr.c', { ...withOriginal(), smoke });
    for (const i of changed.interpreters) {
      expect(i.probes.import.detail).toBe('smoke output differs from the original\'s at the first import, line 1: "x is 1" in the original, "x is 2" in the conversion');
    }
  });

  test('an exception is part of the output: as the original\'s it is a warning, a different one fails', async () => {
    const smokeScript = path.join(dir, 'raises.py');
    const same = await verify('same/pr.c', { ...withOriginal(), smokeScript });
    expect(failures(same)).toEqual([]);
    for (const i of same.interpreters) expect(i.probes.import.warning).toBe('the smoke raises ValueError(1) in the single-phase original too');
    const changed = await verify('changed/pr.c', { ...withOriginal(), smokeScript });
    for (const i of changed.interpreters) {
      expect(i.probes.import.detail).toBe('smoke output differs from the original\'s at the first import, line 2: "raised ValueError(1)" in the original, "raised ValueError(2)" in the conversion');
    }
    // With no original to compare with, an exception fails as an expression's does.
    const alone = await verify('same/pr.c', { smokeScript });
    for (const i of alone.interpreters) expect(i.probes.import).toEqual({ ok: false, detail: 'the smoke raised ValueError(1) at the first import' });
  });

  test('an expression works as before: its value is shown, its exception fails', async () => {
    const v = await verify('same/pr.c', { ...withOriginal(), smoke: 'pr.f() + 1' });
    expect(failures(v)).toEqual([]);
    for (const i of v.interpreters) expect(i.probes.import).toEqual({ ok: true, detail: 'smoke: 2' });
    const bad = await verify('same/pr.c', { ...withOriginal(), smoke: 'pr.g()' });
    // The original raises the same: no CPython proves anything, so the module is not verified.
    for (const i of bad.interpreters)
      expect(i.probes.import).toEqual({ ok: 'skipped', detail: "the single-phase original does not pass the smoke with this CPython either: it raises AttributeError: module 'pr' has no attribute 'g'" });
    expect(bad.ok).toBe(false);
  });

  test('a smoke that does not compile fails instead of comparing two SyntaxErrors', async () => {
    const v = await verify('same/pr.c', { ...withOriginal(), smoke: 'print(pr.f()' });
    for (const i of v.interpreters) expect(i.probes.import.ok).toBe(false);
    expect(v.interpreters[0].probes.import.detail).toMatch(/^smoke: <smoke> does not compile here: /);
  });

  test('the command line takes --smoke-script, and a missing file is a usage error', () => {
    const args = ['verify', '--python', `3.${pythons[pythons.length - 1].minor}`, '--original', 'original.c'];
    const r = runCli([...args, '--smoke-script', 'smoke.py', 'changed/pr.c'], dir, { PEP489_CODEMOD_CACHE: path.join(dir, 'cache') });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('smoke output differs from the original\'s at the first import, line 2: "f() = 1" in the original, "f() = 2" in the conversion');
    const missing = runCli([...args, '--smoke-script', 'nope.py', 'same/pr.c'], dir, { PEP489_CODEMOD_CACHE: path.join(dir, 'cache') });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--smoke-script');
    expect(missing.stderr).toContain('no such file');
  });

  test('a --smoke that starts with "-" is its value, not an option (a real module\'s "-1 <= x" smoke was "Unknown argument: 1")', () => {
    const args = ['verify', '--python', `3.${pythons[pythons.length - 1].minor}`, '--original', 'original.c', 'same/pr.c'];
    const r = runCli([...args, '--smoke', '-1 < pr.f()'], dir, { PEP489_CODEMOD_CACHE: path.join(dir, 'cache') });
    expect(r.stderr).not.toContain('Unknown argument');
    expect(r.code).toBe(0);
    // And it is what ran: the same start, false (in the original too), proves nothing: not verified.
    const no = runCli([...args, '--smoke', '-1 > pr.f()'], dir, { PEP489_CODEMOD_CACHE: path.join(dir, 'cache') });
    expect(no.stdout).toContain('import skipped: the single-phase original does not pass the smoke with this CPython either: it is false there too (False)');
    expect(no.code).toBe(3);
  });
});

describe('verdicts that were false on real modules', () => {
  test('importing uuid or calling ctypes.util.find_library is not a write to /dev/null; a real write is still reported', async () => {
    const quiet = await verify('quiet.c');
    expect(failures(quiet)).toEqual([]);
    for (const i of quiet.interpreters) expect(i.sideEffects).toEqual([]);
    const writer = await verify('writer.c');
    for (const i of writer.interpreters) {
      expect(i.probes.import).toEqual({ ok: false, detail: `imported, but it tried to write ${WRITER_TARGET} (contained by the sandbox)` });
    }
    expect(fs.existsSync(WRITER_TARGET)).toBe(false);
  });

  test('objects from other modules (traceback.print_exception, a module, ValueError) are not "kept" by re-import', async () => {
    const v = await verify('passes_on.c');
    expect(failures(v)).toEqual([]);
    for (const i of v.interpreters) expect(i.probes.reimport.detail).toMatch(/^exec ran again, fresh module works; /);
  });
});
