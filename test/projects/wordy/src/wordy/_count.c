#include <Python.h>
#include "tally.h"

static PyObject *
count_words(PyObject *self, PyObject *arg)
{
    const char *s = PyUnicode_AsUTF8(arg);
    if (s == NULL)
        return NULL;
    return PyLong_FromSize_t(tally_words(s));
}

static PyMethodDef count_methods[] = {
    {"words", count_words, METH_O, "Count the words in a string."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef count_def = {
    PyModuleDef_HEAD_INIT, "_count", NULL, -1, count_methods
};

PyMODINIT_FUNC
PyInit__count(void)
{
    PyObject *m = PyModule_Create(&count_def);
    if (m == NULL)
        return NULL;
#ifdef WORDY_FAST
    if (PyModule_AddIntConstant(m, "FAST", 1) < 0) {
        Py_DECREF(m);
        return NULL;
    }
#endif
    return m;
}
