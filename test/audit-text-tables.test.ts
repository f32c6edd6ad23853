/**
 * The audit counts text the module only reads as no state: docstring arrays and `kwlist` arrays
 * declared without const (7 of 7 findings on one real module were these), while the same kinds of
 * array that the code writes stay findings. The real command, on a real file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from './cli-helpers';

const MODULE = `#include <Python.h>
#include <string.h>
static char module_doc[] = "A module.";
static char counter_buf[64] = "";
static char *names[] = {"a", "b", NULL};
static char *labels[] = {"x", NULL};
static PyObject *
f(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"x", "y", NULL};
    int x, y;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "ii", kwlist, &x, &y))
        return NULL;
    strcpy(counter_buf, "hit");
    names[0] = "c";
    return Py_BuildValue("(is)", x + y, labels[0]);
}
static PyMethodDef methods[] = {{"f", (PyCFunction)(void (*)(void))f, METH_VARARGS | METH_KEYWORDS, module_doc}, {NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "textual", module_doc, -1, methods};
PyMODINIT_FUNC PyInit_textual(void) { return PyModule_Create(&def); }
`;

test('docstring and keyword arrays the code only reads are not state; arrays it writes are', () => {
  const dir = tempDir('audit-text-');
  fs.writeFileSync(path.join(dir, 'textual.c'), MODULE);
  const r = runCli(['audit', '--json', 'textual.c'], dir);
  expect(r.code).toBe(0);
  const state = JSON.parse(r.stdout).modules[0].state as { name: string; kind: string }[];
  expect(state.map((s) => [s.name, s.kind])).toEqual([
    ['counter_buf', 'mutable-static'],
    ['names', 'mutable-static'],
  ]);
});

test("state in the module's other sources (as its setup.py builds it) is found and named by its file", () => {
  const dir = tempDir('audit-sources-');
  fs.cpSync(path.join(__dirname, 'projects', 'wordy'), dir, { recursive: true });
  const tally = path.join(dir, 'src', 'wordy', 'tally.c');
  fs.writeFileSync(tally, fs.readFileSync(tally, 'utf8').replace('size_t tally_words(const char *s)\n{', 'static long calls;\n\nsize_t tally_words(const char *s)\n{\n    calls++;'));
  const r = runCli(['audit', '--json', 'src/wordy/_count.c'], dir);
  expect(r.code).toBe(0);
  const [m] = JSON.parse(r.stdout).modules;
  expect(m.state).toEqual([expect.objectContaining({ name: 'calls', kind: 'mutable-static', file: 'src/wordy/tally.c' })]);
  expect(m.recommendation.multiple_interpreters).not.toBe('per-interpreter-gil');
});
