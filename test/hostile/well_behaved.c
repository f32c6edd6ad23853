/*
 * The control: a correct multi-phase module (the conversion of well_behaved_single.c) with several
 * C-API calls in exec that can fail, each handled. It must pass every probe on every interpreter.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *WellError;

static PyObject *well_add(PyObject *self, PyObject *args) {
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL;
    return PyLong_FromLong(a + b);
}

static PyMethodDef well_methods[] = {
    {"add", well_add, METH_VARARGS, "Add two integers."},
    {NULL, NULL, 0, NULL}
};

static int well_behaved_exec(PyObject *m) {
    PyObject *limits;
    WellError = PyErr_NewException("well_behaved.error", NULL, NULL);
    if (WellError == NULL) return -1;
    Py_INCREF(WellError);
    if (PyModule_AddObject(m, "error", WellError) < 0) {
        Py_DECREF(WellError);
        Py_CLEAR(WellError);
        return -1;
    }
    limits = Py_BuildValue("(ii)", 0, 100);
    if (limits == NULL) return -1;
    if (PyModule_AddObject(m, "limits", limits) < 0) {
        Py_DECREF(limits);
        return -1;
    }
    if (PyModule_AddIntConstant(m, "VERSION", 2) < 0) return -1;
    if (PyModule_AddStringConstant(m, "AUTHOR", "nobody") < 0) return -1;
    return 0;
}

static PyModuleDef_Slot well_slots[] = {
    {Py_mod_exec, well_behaved_exec},
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
#endif
#ifdef Py_mod_gil
    {Py_mod_gil, Py_MOD_GIL_USED},
#endif
    {0, NULL}
};

static struct PyModuleDef well_module = {
    PyModuleDef_HEAD_INIT, "well_behaved", "A module that behaves.", 0, well_methods, well_slots
};

PyMODINIT_FUNC PyInit_well_behaved(void) { return PyModuleDef_Init(&well_module); }
