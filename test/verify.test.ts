/**
 * The verifier end to end on tiny modules: real compiler, real CPythons (every one found), real
 * bubblewrap. A correct multi-phase module passes everywhere; a single-phase one fails probe 3.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { discoverPythons } from '../src/verify/pythons';
import type { ModuleVerification } from '../src/verify/types';
import { verifyModule } from '../src/verify/verify';

const MULTI_PHASE = `#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *answer(PyObject *self, PyObject *unused) { return PyLong_FromLong(42); }

static PyMethodDef methods[] = {
    {"answer", answer, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static int good_exec(PyObject *m) {
    if (PyModule_AddIntConstant(m, "VERSION", 3) < 0) return -1;
    return PyModule_AddStringConstant(m, "NAME", "good");
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, good_exec},
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
#endif
#ifdef Py_mod_gil
    {Py_mod_gil, Py_MOD_GIL_USED},
#endif
    {0, NULL}
};

static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "good", NULL, 0, methods, slots};

PyMODINIT_FUNC PyInit_good(void) { return PyModuleDef_Init(&def); }
`;

const SINGLE_PHASE = `#include <Python.h>

static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "single", NULL, -1, NULL};

PyMODINIT_FUNC PyInit_single(void) {
    PyObject *m = PyModule_Create(&def);
    if (m == NULL) return NULL;
    if (PyModule_AddIntConstant(m, "VERSION", 3) < 0) { Py_DECREF(m); return NULL; }
    return m;
}
`;

/** A body with nothing to execute: multi-phase without an exec slot is still valid. */
const NO_EXEC = `#include <Python.h>

static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "noexec", "docs only", 0, NULL, NULL};

PyMODINIT_FUNC PyInit_noexec(void) { return PyModuleDef_Init(&def); }
`;

/** numpy's opt-out: exec refuses to run twice in one process. */
const GUARDED = `#include <Python.h>

static int loaded = 0;

static int guarded_exec(PyObject *m) {
    if (loaded) {
        PyErr_SetString(PyExc_ImportError, "cannot load module more than once per process");
        return -1;
    }
    loaded = 1;
    return PyModule_AddIntConstant(m, "ONCE", 1);
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, guarded_exec},
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
#endif
    {0, NULL}
};

static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "guarded", NULL, 0, NULL, slots};

PyMODINIT_FUNC PyInit_guarded(void) { return PyModuleDef_Init(&def); }
`;

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-test-'));
  // A cache of our own: the builds and probes must really run, not be replayed from an earlier run.
  process.env.PEP489_CODEMOD_CACHE = path.join(dir, 'cache');
  fs.writeFileSync(path.join(dir, 'good.c'), MULTI_PHASE);
  fs.writeFileSync(path.join(dir, 'single.c'), SINGLE_PHASE);
  fs.writeFileSync(path.join(dir, 'noexec.c'), NO_EXEC);
  fs.writeFileSync(path.join(dir, 'guarded.c'), GUARDED);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  delete process.env.PEP489_CODEMOD_CACHE;
});

function failures(v: ModuleVerification): string[] {
  return v.interpreters.flatMap((i) =>
    Object.entries(i.probes)
      .filter(([, r]) => r.ok === false)
      .map(([probe, r]) => `${i.python.label} ${probe}: ${r.detail}`),
  );
}

test('finds at least one CPython >= 3.8 with headers, and says why it skipped others', async () => {
  const { found, skipped } = await discoverPythons();
  expect(found.length).toBeGreaterThan(0);
  for (const py of found) {
    expect(py.major * 100 + py.minor).toBeGreaterThanOrEqual(308);
    expect(fs.existsSync(path.join(py.includeDir, 'Python.h'))).toBe(true);
  }
  for (const s of skipped) expect(s.reason).toMatch(/\w/);
  // One entry per interpreter, however many names point at it.
  expect(new Set(found.map((p) => p.realExe + p.version)).size).toBe(found.length);
});

test('a correct multi-phase module passes on every interpreter found', async () => {
  const { found } = await discoverPythons();
  const v = await verifyModule({ sourcePath: path.join(dir, 'good.c'), moduleName: 'good', pythons: found, smoke: 'good.answer() + good.VERSION' });
  expect(failures(v)).toEqual([]);
  expect(v.ok).toBe(true);
  expect(v.interpreters).toHaveLength(found.length);
  for (const i of v.interpreters) {
    expect(i.probes.build.ok).toBe(true);
    expect(i.probes.import).toEqual({ ok: true, detail: 'smoke: 45' });
    expect(i.probes.multiphase.ok).toBe(true);
    expect(i.probes.reimport.ok).toBe(true);
    expect(i.slots).toMatchObject({ returned: 'def', mSize: 0, execSlots: 1 });
    const modern = i.python.version.startsWith('3.12') || i.python.version.startsWith('3.13');
    if (modern) {
      // Declared NOT_SUPPORTED: a strict subinterpreter refused it, and that was checked, not skipped.
      expect(i.probes.subinterpreters.ok).toBe(true);
      expect(i.probes.subinterpreters.detail).toContain('refused');
      expect(i.slots!.interpreters).toBe('not-supported');
    }
  }
});

test('a single-phase module fails probe 3 on every interpreter', async () => {
  const { found } = await discoverPythons();
  const v = await verifyModule({ sourcePath: path.join(dir, 'single.c'), moduleName: 'single', pythons: found });
  expect(v.ok).toBe(false);
  for (const i of v.interpreters) {
    expect(i.probes.import.ok).toBe(true);
    expect(i.probes.multiphase).toEqual({ ok: false, detail: 'PyInit returned a module: still single-phase init' });
    expect(i.slots).toEqual({ returned: 'module' });
  }
});

test('a multi-phase module without an exec slot is valid and says so', async () => {
  const { found } = await discoverPythons();
  const v = await verifyModule({ sourcePath: path.join(dir, 'noexec.c'), moduleName: 'noexec', pythons: found, smoke: 'noexec.__doc__' });
  expect(failures(v)).toEqual([]);
  for (const i of v.interpreters) expect(i.probes.multiphase.detail).toContain('exec slot: none');
});

test('a module with a once-per-process guard passes re-import by raising its own ImportError', async () => {
  const { found } = await discoverPythons();
  const v = await verifyModule({ sourcePath: path.join(dir, 'guarded.c'), moduleName: 'guarded', pythons: found, smoke: 'guarded.ONCE' });
  expect(failures(v)).toEqual([]);
  for (const i of v.interpreters) {
    expect(i.probes.reimport).toEqual({
      ok: true,
      detail:
        "refuses a second exec with ImportError: cannot load module more than once per process; a legacy subinterpreter gets the guard's ImportError; imports from 8 threads at once",
    });
  }
});
