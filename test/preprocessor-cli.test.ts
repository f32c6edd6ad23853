/**
 * The preprocessor layer as a user meets it, through the real command: a module whose init only
 * exists behind macros is refused (never skipped, so --check fails), a statement macro in exec whose
 * header is not visible is refused by name until -I makes it visible, and a header macro that
 * returns NULL is redefined for exec alone. Files are left byte for byte as they were.
 */
import fs from 'node:fs';
import path from 'node:path';
import { copyFixtures, runCli, snapshot, tempDir } from './cli-helpers';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function sandbox(): string {
  const d = tempDir('pep489-pp-');
  dirs.push(d);
  return d;
}

test('an init hidden in a macro is refused with its line, and --check fails on it', () => {
  const dir = sandbox();
  copyFixtures(dir, { 'whole.c': 'refuse-init-object-macro' });
  const before = snapshot(dir);
  const check = runCli(['--check', 'whole.c'], dir);
  expect(check.code).toBe(3);
  expect(check.stderr).toMatch(/whole\.c:26: refused: PyInit_whole calls PyModule_Create through macros/);
  expect(check.stderr).toContain('0 skipped, 1 failed');
  const json = JSON.parse(runCli(['--dry-run', '--json', 'whole.c'], dir).stdout);
  expect(json.files[0]).toMatchObject({ status: 'failed', line: 26, module: 'whole' });
  expect(snapshot(dir)).toEqual(before);
});

const UNSEEN = `#include <Python.h>
#include "checks.h"

static struct PyModuleDef unseen_module = {
    PyModuleDef_HEAD_INIT, "unseen", NULL, -1, NULL
};

PyMODINIT_FUNC
PyInit_unseen(void)
{
    PyObject *m = PyModule_Create(&unseen_module);
    if (m == NULL)
        return NULL;
    ADD_INT(m, "ANSWER", 42);
    return m;
}
`;
const CHECKS_H = '#define ADD_INT(m, name, v) if (PyModule_AddIntConstant((m), (name), (v)) < 0) return NULL\n';

test('a statement macro whose header cannot be seen is refused by name; with -I it converts, redefined for exec', () => {
  const dir = sandbox();
  fs.mkdirSync(path.join(dir, 'src'));
  fs.mkdirSync(path.join(dir, 'include'));
  fs.writeFileSync(path.join(dir, 'src', 'unseen.c'), UNSEEN);
  fs.writeFileSync(path.join(dir, 'include', 'checks.h'), CHECKS_H);
  const before = snapshot(dir);
  const blind = runCli(['src/unseen.c'], dir);
  expect(blind.code).toBe(3);
  expect(blind.stderr).toMatch(/src\/unseen\.c:14: refused: ADD_INT \(used as a statement in exec\) is a macro whose definition this tool cannot see; make its header visible with -I DIR/);
  expect(snapshot(dir)).toEqual(before);

  const seeing = runCli(['-I', 'include', 'src/unseen.c'], dir);
  expect(seeing.code).toBe(0);
  const out = fs.readFileSync(path.join(dir, 'src', 'unseen.c'), 'utf8');
  expect(out).toContain('#pragma push_macro("ADD_INT")');
  expect(out).toContain('#define ADD_INT(m, name, v) if (PyModule_AddIntConstant((m), (name), (v)) < 0) return -1');
  expect(out).toContain('#pragma pop_macro("ADD_INT")');
  // The use itself is untouched: the smallest diff.
  expect(out).toContain('    ADD_INT(m, "ANSWER", 42);\n');
});

const KINDS_H = `#define HANDLE_KIND_MAP(XX) \\
  XX(TCP, tcp) \\
  XX(UDP, udp)
#define KIND_TCP 1
#define KIND_UDP 2
`;

test('an X-macro list used as a statement with no semicolon reads as one: refused by name blind, converted and verified with -I', () => {
  const dir = sandbox();
  fs.mkdirSync(path.join(dir, 'src'));
  fs.mkdirSync(path.join(dir, 'include'));
  copyFixtures(path.join(dir, 'src'), { 'xkinds.c': 'refuse-unseen-x-macro-statement' });
  fs.writeFileSync(path.join(dir, 'include', 'handle_kinds.h'), KINDS_H);
  const before = snapshot(dir);
  const blind = runCli(['src/xkinds.c'], dir);
  expect(blind.code).toBe(3);
  // On the use's own line, not the init's first (where "does not parse cleanly" used to point).
  expect(blind.stderr).toMatch(/src\/xkinds\.c:24: refused: HANDLE_KIND_MAP \(used as a statement in exec\)/);
  expect(snapshot(dir)).toEqual(before);

  const seeing = runCli(['--verify', '--python', '3.12', '-I', 'include', '--smoke', 'xkinds.KIND_TCP == 1 and xkinds.KIND_UDP == 2', 'src/xkinds.c'], dir);
  expect(seeing.stderr).not.toContain('verification failed');
  expect(seeing.code).toBe(0);
  const out = fs.readFileSync(path.join(dir, 'src', 'xkinds.c'), 'utf8');
  expect(out).toContain('PyModuleDef_Init(&xkinds_module)');
  // The list and its #define stay as written: the smallest diff.
  expect(out).toContain('#define XX(uc, lc) PyModule_AddIntConstant(m, "KIND_" #uc, KIND_##uc);\n    HANDLE_KIND_MAP(XX)\n#undef XX\n');
});
