#include <Python.h>

static PyObject *
core_base(PyObject *self, PyObject *noargs)
{
    return PyLong_FromLong(21);
}

static PyMethodDef core_methods[] = {
    {"base", core_base, METH_NOARGS, "The base value."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef core_def = {
    PyModuleDef_HEAD_INIT, "duo._core", NULL, -1, core_methods
};

PyMODINIT_FUNC
PyInit__core(void)
{
    return PyModule_Create(&core_def);
}
