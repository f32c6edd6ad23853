/*
 * Hostile: a conversion that kept the single-phase Py_DECREF(m) on exec's error paths. The module
 * is borrowed in exec, so this drops a reference it does not own. Nothing fails in a normal
 * import: only fault injection reaches these lines.
 */
#include <Python.h>

static PyObject *DecrefError;

static int decref_error_path_exec(PyObject *m) {
    DecrefError = PyErr_NewException("decref_error_path.error", NULL, NULL);
    if (DecrefError == NULL) {
        Py_DECREF(m);
        return -1;
    }
    if (PyModule_AddObject(m, "error", DecrefError) < 0) {
        Py_XDECREF(DecrefError);
        Py_DECREF(m);
        return -1;
    }
    return 0;
}

static PyModuleDef_Slot slots[] = {{Py_mod_exec, decref_error_path_exec}, {0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "decref_error_path", NULL, 0, NULL, slots};

PyMODINIT_FUNC PyInit_decref_error_path(void) { return PyModuleDef_Init(&def); }
