/** The verify and audit commands as a user runs them: the real bin, real files, real CPythons. */
import { execFileSync } from 'node:child_process';
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
    expect(report).toMatchObject({ tool: 'pep489-codemod', command: 'verify', version: expect.any(String) });
    expect(m.path).toBe('textbook_spam.c');
    expect(m.ok).toBe(true);
    expect(m.sandbox).toBe(true);
    expect(m.interpreters.length).toBeGreaterThan(0);
    for (const i of m.interpreters) expect(i.probes.multiphase.status).toBe('passed');
  });

  test('a module named like a built-in module (the faulthandler backport) cannot be verified, and says why', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'faulthandler.c'), expectedOutput('minimal').toString('latin1').replace(/minimal/g, 'faulthandler'));
    const r = runCli(['verify', '--python', '3.13', 'faulthandler.c'], dir);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('import raised ImportError: faulthandler is a built-in module of this CPython: importing the name gives the built-in, not this build');
  });

  test('the matrix and the summary are coloured like the convert command (FORCE_COLOR, NO_COLOR, --color)', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'textbook_spam.c'), expectedOutput('textbook-spam'));
    const forced = runCli(['verify', '--python', '3.13', 'textbook_spam.c'], dir, { NO_COLOR: '', FORCE_COLOR: '1' });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('\x1b[32mPASS\x1b[39m textbook_spam');
    expect(forced.stdout).toMatch(/\x1b\[32mok/);
    const plain = runCli(['verify', '--python', '3.13', '--color', 'never', 'textbook_spam.c'], dir, { NO_COLOR: '', FORCE_COLOR: '1' });
    expect(plain.stdout).not.toContain('\x1b[');
    const audit = runCli(['audit', 'textbook_spam.c'], dir, { NO_COLOR: '', FORCE_COLOR: '1' });
    expect(audit.stdout).toContain('\x1b[33m');
    expect(runCli(['audit', 'textbook_spam.c'], dir, { NO_COLOR: '1' }).stdout).not.toContain('\x1b[');
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
      modules: { path: string; state: { name: string; kind: string; line: number }[]; recommendation: { multiple_interpreters: string; once_per_process_guard: boolean; second_exec: string } }[];
    };
    const spam = report.modules.find((m) => m.path === 'spam.c')!;
    expect(spam.state.map((s) => s.name)).toContain('SpamError');
    expect(spam.recommendation).toMatchObject({ multiple_interpreters: 'not-supported', once_per_process_guard: false, second_exec: 'replay' });
    const pure = report.modules.find((m) => m.path === 'pure.c')!;
    expect(pure.state).toEqual([]);
    expect(pure.recommendation.multiple_interpreters).not.toBe('not-supported');
    expect(pure.recommendation).toMatchObject({ once_per_process_guard: false, second_exec: 'runs-again' });
    expect(snapshot(dir)).toEqual(before);
  });
});

describe("state a helper in the module's other source keeps (python-ldap)", () => {
  const MODULE = `#define PY_SSIZE_T_CLEAN
#include <Python.h>

int twosrc_add_errors(PyObject *m);
PyObject *twosrc_new_error(void);

static PyObject *
make_error(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return twosrc_new_error();
}

static PyMethodDef twosrc_methods[] = {
    {"make_error", make_error, METH_NOARGS, "an instance of Error"},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef twosrc_module = {PyModuleDef_HEAD_INIT, "twosrc", NULL, -1, twosrc_methods};

PyMODINIT_FUNC
PyInit_twosrc(void)
{
    PyObject *m = PyModule_Create(&twosrc_module);
    if (m == NULL)
        return NULL;
    if (twosrc_add_errors(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
`;
  const ERRORS = `#include <Python.h>

/* The module's exception class, kept where the module's functions find it. */
static PyObject *TwosrcError = NULL;

int
twosrc_add_errors(PyObject *m)
{
    TwosrcError = PyErr_NewException("twosrc.Error", NULL, NULL);
    if (TwosrcError == NULL)
        return -1;
    Py_INCREF(TwosrcError);
    return PyModule_AddObject(m, "Error", TwosrcError);
}

PyObject *
twosrc_new_error(void)
{
    return PyObject_CallFunction(TwosrcError, "s", "made");
}
`;

  test('convert replays the first exec, audit says the same, and --verify proves it with both sources', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'twosrc.c'), MODULE);
    fs.writeFileSync(path.join(dir, 'errors.c'), ERRORS);
    const converted = runCli(['--dry-run', '--json', 'twosrc.c'], dir);
    const file = (JSON.parse(converted.stdout) as { files: { status: string; secondExec?: { kind: string; reason: string } }[] }).files[0];
    expect(file.status).toBe('changed');
    expect(file.secondExec).toMatchObject({ kind: 'replay' });
    expect(file.secondExec!.reason).toContain('TwosrcError');
    const audit = JSON.parse(runCli(['audit', '--json', 'twosrc.c'], dir).stdout) as { modules: { recommendation: { second_exec: string } }[] };
    expect(audit.modules[0].recommendation.second_exec).toBe('replay');
    const verified = runCli(['--dry-run', '--verify', '--source', 'errors.c', '--smoke', 'isinstance(twosrc.make_error(), twosrc.Error)', 'twosrc.c'], dir);
    expect(verified.stderr).not.toContain('verification failed');
    expect(verified.code).toBe(0);
  });
});

describe('--verify', () => {
  /**
   * Converts cleanly, but a helper DECREFs the (now borrowed) module on a failure path. The helper is
   * called through a pointer, which the conversion does not follow (helper-module-releases handles
   * direct calls): only the fault-injection probe sees it.
   */
  const HIDDEN_DECREF = `#include <Python.h>

static int
add_constants(PyObject *m)
{
    if (PyModule_AddIntConstant(m, "ANSWER", 42) < 0) {
        Py_DECREF(m);
        return -1;
    }
    return 0;
}

static int (*const hidden_setup)(PyObject *) = add_constants;

static PyMethodDef hidden_methods[] = {
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef hidden_module = {
    PyModuleDef_HEAD_INIT, "hidden", NULL, -1, hidden_methods
};

PyMODINIT_FUNC
PyInit_hidden(void)
{
    PyObject *m = PyModule_Create(&hidden_module);
    if (m == NULL)
        return NULL;
    if (hidden_setup(m) < 0)
        return NULL;
    return m;
}
`;

  test('writes what verifies, and leaves a file whose verification fails byte for byte', () => {
    const dir = tempDir();
    copyFixtures(dir, { 'spam.c': 'textbook-spam' });
    fs.writeFileSync(path.join(dir, 'hidden.c'), HIDDEN_DECREF);
    const r = runCli(['--verify', '.'], dir);
    expect(r.code).toBe(3);
    expect(fs.readFileSync(path.join(dir, 'spam.c'))).toEqual(expectedOutput('textbook-spam'));
    expect(fs.readFileSync(path.join(dir, 'hidden.c'), 'utf8')).toBe(HIDDEN_DECREF);
    expect(r.stderr).toMatch(/hidden\.c: refused: verification failed, file left as it was: .*lost 1 reference/);
  });

  /** Ignores PyModule_AddObject's result: a failing PyLong_FromLong leaves an exception set behind a success. */
  const SLOPPY = `#include <Python.h>

static struct PyModuleDef sloppy_module = {
    PyModuleDef_HEAD_INIT, "sloppy", NULL, -1, NULL
};

PyMODINIT_FUNC
PyInit_sloppy(void)
{
    PyObject *m = PyModule_Create(&sloppy_module);
    if (m == NULL)
        return NULL;
    PyModule_AddObject(m, "answer", PyLong_FromLong(42));
    return m;
}
`;

  test('a failure the single-phase original mishandles too is a warning, not a failure: written, exit 0', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'sloppy.c'), SLOPPY);
    const r = runCli(['--verify', '--json', 'sloppy.c'], dir);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'sloppy.c'), 'utf8')).toContain('PyModuleDef_Init(&sloppy_module)');
    const file = JSON.parse(r.stdout).files[0];
    expect(file.status).toBe('changed');
    expect(file.warnings).toEqual([
      expect.stringMatching(/^faults: the single-phase original mishandles the same failure\(s\), so the conversion did not bring them in: call 1 \(PyLong_FromLong\) failing: the error was not propagated .* \[(all|[\d. ]+)\]$/),
    ]);
    // Without the original to compare with, the same module fails probe 6.
    const alone = runCli(['verify', 'sloppy.c'], dir);
    expect(alone.code).toBe(3);
    expect(alone.stdout).toContain('faults: call 1 (PyLong_FromLong) failing: the error was not propagated');
  });

  /** PyModule_AddType is 3.9+: neither the original nor the conversion builds with 3.8. */
  const NEWER_API = `#include <Python.h>

typedef struct { PyObject_HEAD } PointObject;

static PyTypeObject Point_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "newer.Point",
    .tp_basicsize = sizeof(PointObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef newer_module = {
    PyModuleDef_HEAD_INIT, "newer", NULL, -1, NULL
};

PyMODINIT_FUNC
PyInit_newer(void)
{
    PyObject *m = PyModule_Create(&newer_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddType(m, &Point_Type) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
`;

  test('a CPython that cannot build or import the original either is skipped and said so; one that can decides', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'newer.c'), NEWER_API);
    const both = runCli(['--verify', '--json', '--python', '3.8', '--python', '3.13', 'newer.c'], dir);
    expect(both.code).toBe(0);
    const file = JSON.parse(both.stdout).files[0];
    expect(file.status).toBe('changed');
    // 3.8 builds it only with implicit declarations allowed, and then neither imports: 3.13 decides.
    expect(file.warnings).toEqual([
      expect.stringMatching(/^build: built with the strict errors as warnings, since the single-phase original does not build with them \(.*PyModule_AddType.*\); the conversion adds none \[3\.8\]$/),
      expect.stringMatching(/^import: the single-phase original does not import with this CPython either: .* \[3\.8\]$/),
    ]);
    expect(fs.readFileSync(path.join(dir, 'newer.c'), 'utf8')).toContain('PyModuleDef_Init(&newer_module)');

    fs.writeFileSync(path.join(dir, 'newer.c'), NEWER_API);
    const none = runCli(['--verify', '--python', '3.8', 'newer.c'], dir);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('verification failed, file left as it was: no CPython here builds and imports it (3.8: the single-phase original does not import');
    expect(fs.readFileSync(path.join(dir, 'newer.c'), 'utf8')).toBe(NEWER_API);
  });

  test('--keep-failed writes it anyway and still reports the failure', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'hidden.c'), HIDDEN_DECREF);
    const r = runCli(['--verify', '--keep-failed', 'hidden.c'], dir);
    expect(r.code).toBe(3);
    expect(fs.readFileSync(path.join(dir, 'hidden.c'), 'utf8')).toContain('PyModuleDef_Init(&hidden_module)');
    expect(r.stderr).toContain('written anyway');
  });
});

describe('--link', () => {
  /** A module that needs a library of its own: a static one, built here, so nothing is needed at run time. */
  const NEEDS_LIB = `#include <Python.h>

int answer(void);

static struct PyModuleDef linked_module = {
    PyModuleDef_HEAD_INIT, "linked", NULL, -1, NULL
};

PyMODINIT_FUNC
PyInit_linked(void)
{
    PyObject *m = PyModule_Create(&linked_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddIntConstant(m, "ANSWER", answer()) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
`;

  test('links the libraries the module needs; without them it cannot import and nothing is written', () => {
    const dir = tempDir();
    const lib = path.join(dir, 'lib');
    fs.mkdirSync(lib);
    fs.writeFileSync(path.join(lib, 'answer.c'), 'int answer(void) { return 42; }\n');
    execFileSync('gcc', ['-c', '-fPIC', 'answer.c', '-o', 'answer.o'], { cwd: lib });
    execFileSync('ar', ['rcs', 'libanswer.a', 'answer.o'], { cwd: lib });
    fs.writeFileSync(path.join(dir, 'linked.c'), NEEDS_LIB);

    const without = runCli(['--verify', '--python', '3.13', 'linked.c'], dir);
    expect(without.code).toBe(3);
    expect(without.stderr).toContain('undefined symbol: answer');
    expect(fs.readFileSync(path.join(dir, 'linked.c'), 'utf8')).toBe(NEEDS_LIB);

    const r = runCli(['--verify', '--python', '3.13', `--link=-L${lib}`, '--link', 'answer', '--smoke', 'linked.ANSWER == 42', 'linked.c'], dir);
    expect(r.stderr).toBe('converted linked.c (module linked)\n1 changed, 0 unchanged, 0 skipped, 0 failed\n');
    expect(r.code).toBe(0);
  });
});

describe('--pythonpath', () => {
  /** A module that imports its own package during init (markupsafe, dulwich, bitarray's shape). */
  const IMPORTS_PACKAGE = `#include <Python.h>

static struct PyModuleDef withpkg_module = {
    PyModuleDef_HEAD_INIT, "withpkg", NULL, -1, NULL
};

PyMODINIT_FUNC
PyInit_withpkg(void)
{
    PyObject *m = PyModule_Create(&withpkg_module);
    if (m == NULL)
        return NULL;
    PyObject *pkg = PyImport_ImportModule("withpkg_support");
    if (pkg == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddObject(m, "support", pkg) < 0) {
        Py_DECREF(pkg);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
`;

  test('puts the package the module imports on sys.path in the sandbox; without it the import fails', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'py', 'withpkg_support'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'py', 'withpkg_support', '__init__.py'), 'VALUE = 7\n');
    fs.writeFileSync(path.join(dir, 'withpkg.c'), IMPORTS_PACKAGE);

    const without = runCli(['--verify', '--python', '3.13', 'withpkg.c'], dir);
    expect(without.code).toBe(3);
    expect(without.stderr).toContain("No module named 'withpkg_support'");

    const r = runCli(['--verify', '--python', '3.13', '--pythonpath', 'py', '--smoke', 'withpkg.support.VALUE == 7', 'withpkg.c'], dir);
    expect(r.stderr).toBe('converted withpkg.c (module withpkg)\n1 changed, 0 unchanged, 0 skipped, 0 failed\n');
    expect(r.code).toBe(0);
  });
});
