/* spam: the extending-tutorial module, in the single-phase style most
 * projects still ship.  Try: npx pep489-codemod --dry-run examples/ */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>

static PyObject *SpamError;

static PyObject *
spam_system(PyObject *self, PyObject *args)
{
    const char *command;
    int sts;

    if (!PyArg_ParseTuple(args, "s:system", &command))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    sts = system(command);
    Py_END_ALLOW_THREADS
    if (sts < 0) {
        PyErr_SetString(SpamError, "System command failed");
        return NULL;
    }
    return PyLong_FromLong(sts);
}

static PyMethodDef SpamMethods[] = {
    {"system", spam_system, METH_VARARGS, "Execute a shell command."},
    {NULL, NULL, 0, NULL}        /* Sentinel */
};

PyDoc_STRVAR(spam_doc, "Run shell commands, the hard way.");

static struct PyModuleDef spammodule = {
    PyModuleDef_HEAD_INIT,
    "spam",     /* name of module */
    spam_doc,   /* module documentation, may be NULL */
    -1,         /* size of per-interpreter state of the module,
                   or -1 if the module keeps state in global variables. */
    SpamMethods
};

PyMODINIT_FUNC
PyInit_spam(void)
{
    PyObject *m;

    m = PyModule_Create(&spammodule);
    if (m == NULL)
        return NULL;

    SpamError = PyErr_NewException("spam.error", NULL, NULL);
    if (SpamError == NULL)
        goto error;
    Py_INCREF(SpamError);
    if (PyModule_AddObject(m, "error", SpamError) < 0) {
        Py_DECREF(SpamError);
        goto error;
    }

    if (PyModule_AddStringConstant(m, "SHELL", "/bin/sh") < 0)
        goto error;
    if (PyModule_AddIntConstant(m, "EXIT_OK", EXIT_SUCCESS) < 0)
        goto error;
    return m;

error:
    Py_CLEAR(SpamError);
    Py_DECREF(m);
    return NULL;
}
