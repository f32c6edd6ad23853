/* Hostile: exec never returns. The verifier must kill it on time and say "timed out". */
#include <Python.h>

static int endless_loop_exec(PyObject *m) {
    volatile unsigned long spins = 0;
    for (;;) spins++;
    return 0;
}

static PyModuleDef_Slot slots[] = {{Py_mod_exec, endless_loop_exec}, {0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "endless_loop", NULL, 0, NULL, slots};

PyMODINIT_FUNC PyInit_endless_loop(void) { return PyModuleDef_Init(&def); }
