/* Hostile: a Py_mod_gil slot without #ifdef Py_mod_gil. It only exists from 3.13 on. */
#include <Python.h>

static int unguarded_gil_exec(PyObject *m) { return PyModule_AddIntConstant(m, "ok", 1); }

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, unguarded_gil_exec},
    {Py_mod_gil, Py_MOD_GIL_USED},
    {0, NULL}
};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "unguarded_gil", NULL, 0, NULL, slots};

PyMODINIT_FUNC PyInit_unguarded_gil(void) { return PyModuleDef_Init(&def); }
