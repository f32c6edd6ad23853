/**
 * Inputs fuzzing and hardening found that crashed the tool or made it report an internal error:
 * each now ends as a normal refusal naming its line, or a conversion. The real command.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from './cli-helpers';

const CASES: [string, string, string][] = [
  [
    'a C++ namespace-closing brace before a truncated init (was an uncaught TypeError reading endIndex)',
    'ns.cpp',
    '#include <Python.h>\nnamespace spam {\nstatic PyMethodDef methods[] = {{NULL, NULL, 0, NULL}};\n}  // namespace\nstatic struct PyModuleDef def = { PyModuleDef_HEAD_INIT, "ns", NULL, -1, spam::methods };\nPyMODINIT_FUNC PyInit_ns(void)\n{\n    PyObject *m = PyModule_Create(&def);\n    if (m == NULL)\n        return NULL;\n    if (PyModule_AddIntConstant(m, "X", 1) < 0) {\n',
  ],
  [
    'an "already loaded" PyState_FindModule idiom with an unclosed body (was edits overlapping between moddef-init and pystate-calls)',
    'loaded.c',
    '#include <Python.h>\nstatic struct PyModuleDef def = { PyModuleDef_HEAD_INIT, "loaded", NULL, -1, NULL };\nPyMODINIT_FUNC PyInit_loaded(void)\n{\n    PyObject *m = PyState_FindModule(&def);\n    if (m != NULL) {\n        Py_INCREF(m);\n        return m;\n    }\n    m = PyModule_Create(&def);\n    if (m == NULL)\n        return NULL;\n    PyState_AddModule(m, &def);\n    return m;\n',
  ],
  [
    'a broken function header above the init (was "the converted code would not parse")',
    'header.c',
    '#include <Python.h>\nstatic int broken(int a,\nstatic struct PyModuleDef def = { PyModuleDef_HEAD_INIT, "hdr", NULL, -1, NULL };\nPyMODINIT_FUNC PyInit_hdr(void)\n{\n    PyObject *m = PyModule_Create(&def);\n    if (m == NULL)\n        return NULL;\n    return m;\n}\n',
  ],
];

test.each(CASES)('%s: a refusal with its line, the file untouched', (_what, name, text) => {
  const dir = tempDir('hardening-inputs-');
  fs.writeFileSync(path.join(dir, name), text);
  const r = runCli([name], dir);
  expect(r.stderr).not.toMatch(/internal error|this is a bug|TypeError|\n\s+at /);
  expect(r.stderr).toMatch(new RegExp(`^${name.replace('.', '\\.')}:\\d+: refused: `, 'm'));
  expect(r.code).toBe(3);
  expect(fs.readFileSync(path.join(dir, name), 'utf8')).toBe(text);
});

test('the create as the last statement with a stray semicolon after it (was edits overlapping between remove-create and once-per-process): converted', () => {
  const dir = tempDir('hardening-inputs-');
  const text = '#include <Python.h>\nstatic PyObject *cache;\nstatic struct PyModuleDef def = { PyModuleDef_HEAD_INIT, "stray", NULL, -1, NULL };\nPyMODINIT_FUNC PyInit_stray(void)\n{\n    cache = PyDict_New();\n    return PyModule_Create(&def);;\n}\n';
  fs.writeFileSync(path.join(dir, 'stray.c'), text);
  const r = runCli(['stray.c'], dir);
  expect(r.stderr).toContain('converted stray.c (module stray)');
  expect(r.code).toBe(0);
});
