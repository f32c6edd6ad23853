/* The single-phase original of well_behaved.c, for the surface comparison (probe 2). */
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

static struct PyModuleDef well_module = {
    /* m_size 0: CPython runs this init again on every import, as well_behaved.c's exec runs
     * again, so the re-import and legacy-subinterpreter probes find the two alike. */
    PyModuleDef_HEAD_INIT, "well_behaved", "A module that behaves.", 0, well_methods
};

PyMODINIT_FUNC PyInit_well_behaved(void) {
    PyObject *m, *limits;
    m = PyModule_Create(&well_module);
    if (m == NULL) return NULL;
    WellError = PyErr_NewException("well_behaved.error", NULL, NULL);
    Py_XINCREF(WellError);
    if (PyModule_AddObject(m, "error", WellError) < 0) {
        Py_XDECREF(WellError);
        Py_CLEAR(WellError);
        Py_DECREF(m);
        return NULL;
    }
    limits = Py_BuildValue("(ii)", 0, 100);
    if (limits == NULL || PyModule_AddObject(m, "limits", limits) < 0) {
        Py_XDECREF(limits);
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddIntConstant(m, "VERSION", 2) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddStringConstant(m, "AUTHOR", "nobody") < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
