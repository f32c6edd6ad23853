/* Hostile: exec dereferences NULL. The verifier must name the crash (SIGSEGV) and carry on. */
#include <Python.h>

static int segfault_exec_exec(PyObject *m) {
    volatile int *nowhere = NULL;
    *nowhere = 1;
    return 0;
}

static PyModuleDef_Slot slots[] = {{Py_mod_exec, segfault_exec_exec}, {0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "segfault_exec", NULL, 0, NULL, slots};

PyMODINIT_FUNC PyInit_segfault_exec(void) { return PyModuleDef_Init(&def); }
