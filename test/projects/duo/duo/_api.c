#include <Python.h>

/* Reads its base from the sibling module duo._core when it initialises. */
static long base_value;

static PyObject *
api_twice(PyObject *self, PyObject *noargs)
{
    return PyLong_FromLong(2 * base_value);
}

static PyMethodDef api_methods[] = {
    {"twice", api_twice, METH_NOARGS, "Twice the core's base value."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef api_def = {
    PyModuleDef_HEAD_INIT, "duo._api", NULL, -1, api_methods
};

PyMODINIT_FUNC
PyInit__api(void)
{
    PyObject *m, *core, *base;

    core = PyImport_ImportModule("duo._core");
    if (core == NULL)
        return NULL;
    base = PyObject_CallMethod(core, "base", NULL);
    Py_DECREF(core);
    if (base == NULL)
        return NULL;
    base_value = PyLong_AsLong(base);
    Py_DECREF(base);
    if (base_value == -1 && PyErr_Occurred())
        return NULL;
    m = PyModule_Create(&api_def);
    return m;
}
