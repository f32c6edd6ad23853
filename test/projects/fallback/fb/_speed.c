#include <Python.h>

static PyObject *
speed_add(PyObject *self, PyObject *args)
{
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b))
        return NULL;
    return PyLong_FromLong(a + b);
}

static PyMethodDef speed_methods[] = {
    {"add", speed_add, METH_VARARGS, "a + b"},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef speed_def = {
    PyModuleDef_HEAD_INIT, "fb._speed", NULL, -1, speed_methods
};

PyMODINIT_FUNC
PyInit__speed(void)
{
    return PyModule_Create(&speed_def);
}
