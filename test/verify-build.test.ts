/**
 * Building: the interpreter's own flags, C++ through CXX, extra translation units, diagnostics that
 * name file:line and the interpreter, and a cache that replays unchanged builds and notices a
 * changed header. Real compiler, one interpreter (the newest found).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildModule } from '../src/verify/build';
import { discoverPythons } from '../src/verify/pythons';
import type { Interpreter } from '../src/verify/types';
import { verifyModule } from '../src/verify/verify';

let dir: string;
let py: Interpreter;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-build-'));
  process.env.PEP489_CODEMOD_CACHE = path.join(dir, 'cache');
  const { found } = await discoverPythons();
  py = found[found.length - 1];
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  delete process.env.PEP489_CODEMOD_CACHE;
});

const WITH_HEADER = `#include <Python.h>
#include "value.h"
static int cached_exec(PyObject *m) { return PyModule_AddIntConstant(m, "VALUE", VALUE); }
static PyModuleDef_Slot slots[] = {{Py_mod_exec, cached_exec}, {0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "cached", NULL, 0, NULL, slots};
PyMODINIT_FUNC PyInit_cached(void) { return PyModuleDef_Init(&def); }
`;

test('an unchanged module is replayed from the cache; a changed header is rebuilt', async () => {
  fs.writeFileSync(path.join(dir, 'cached.c'), WITH_HEADER);
  fs.writeFileSync(path.join(dir, 'value.h'), '#define VALUE 1\n');
  const input = { sources: [path.join(dir, 'cached.c')], moduleName: 'cached', python: py };
  const first = await buildModule(input);
  expect(first).toMatchObject({ ok: true, cached: false });
  const again = await buildModule(input);
  expect(again).toMatchObject({ ok: true, cached: true });
  expect(again.ms).toBeLessThan(50);
  fs.writeFileSync(path.join(dir, 'value.h'), '#define VALUE 2\n');
  const changed = await buildModule(input);
  expect(changed).toMatchObject({ ok: true, cached: false });
  if (!first.ok || !changed.ok) throw new Error('unreachable');
  expect(changed.soPath).not.toBe(first.soPath);
  // Going back to the first header finds the first build again.
  fs.writeFileSync(path.join(dir, 'value.h'), '#define VALUE 1\n');
  expect(await buildModule(input)).toMatchObject({ ok: true, cached: true });
});

test('re-verifying an unchanged module replays builds and probes', async () => {
  fs.writeFileSync(path.join(dir, 'value.h'), '#define VALUE 7\n');
  const input = { sourcePath: path.join(dir, 'cached.c'), moduleName: 'cached', pythons: [py], smoke: 'cached.VALUE' };
  const cold = await verifyModule(input);
  expect(cold.ok).toBe(true);
  expect(cold.interpreters[0].timings).toMatchObject({ probesCached: false });
  const started = Date.now();
  const warm = await verifyModule(input);
  expect(Date.now() - started).toBeLessThan(200);
  expect(warm.interpreters[0].timings).toMatchObject({ buildCached: true, probesCached: true });
  // The same verdicts, only the build now says where it came from.
  expect({ ...warm.interpreters[0].probes, build: null }).toEqual({ ...cold.interpreters[0].probes, build: null });
  expect(warm.interpreters[0].probes.build).toEqual({ ok: true, detail: 'cached build' });
  // A failing module is never replayed: its probes run again every time.
  const bad = path.join(dir, 'crash.c');
  fs.writeFileSync(bad, WITH_HEADER.replace(/cached/g, 'crash').replace('return PyModule_AddIntConstant', '*(volatile int *)0 = 1; return PyModule_AddIntConstant'));
  await verifyModule({ sourcePath: bad, moduleName: 'crash', pythons: [py] });
  const again = await verifyModule({ sourcePath: bad, moduleName: 'crash', pythons: [py] });
  expect(again.interpreters[0].timings.probesCached).toBe(false);
  expect(again.interpreters[0].probes.import.detail).toMatch(/^crashed with SIGSEGV/);
});

test('C++ is built with CXX and extra translation units are linked in', async () => {
  fs.writeFileSync(path.join(dir, 'helper.c'), 'int helper_value(void) { return 41; }\n');
  fs.writeFileSync(
    path.join(dir, 'cxxmod.cpp'),
    `#include <Python.h>
#include <string>
extern "C" int helper_value(void);
static int cxxmod_exec(PyObject *m) {
    std::string name("cxx");
    if (PyModule_AddStringConstant(m, "NAME", name.c_str()) < 0) return -1;
    return PyModule_AddIntConstant(m, "VALUE", helper_value() + 1);
}
static PyModuleDef_Slot slots[] = {{Py_mod_exec, (void *)cxxmod_exec}, {0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "cxxmod", NULL, 0, NULL, slots, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_cxxmod(void) { return PyModuleDef_Init(&def); }
`,
  );
  const v = await verifyModule({
    sourcePath: path.join(dir, 'cxxmod.cpp'),
    moduleName: 'cxxmod',
    pythons: [py],
    extraSources: [path.join(dir, 'helper.c')],
    smoke: '(cxxmod.NAME, cxxmod.VALUE)',
  });
  const i = v.interpreters[0];
  expect(i.probes.build.ok).toBe(true);
  expect(i.probes.import).toEqual({ ok: true, detail: "smoke: ('cxx', 42)" });
  expect(i.probes.faults.detail).toMatch(/^2 call\(s\) failed in turn/);
  expect(v.ok).toBe(true);
});

test('a compile error names file:line and the interpreter; an API missing from headers is an error, not a warning', async () => {
  const file = path.join(dir, 'broken.c');
  fs.writeFileSync(file, '#include <Python.h>\nPyMODINIT_FUNC PyInit_broken(void) {\n  return no_such_api();\n}\n');
  const r = await buildModule({ sources: [file], moduleName: 'broken', python: py, displayPath: '/user/project/broken.c' });
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.error).toContain("/user/project/broken.c:3:10: error: implicit declaration of function 'no_such_api'");
  expect(r.error).toContain(`[CPython ${py.version}, ${py.exe}]`);
  expect(r.diagnostics).not.toContain(file);
});
