/*
 * Hostile: exec starts 300 processes that never end, and never returns itself (a fork bomb, kept
 * bounded so a broken sandbox cannot take the machine down). The verdict must name it as one.
 */
#include <Python.h>
#include <unistd.h>

static int fork_bomb_exec(PyObject *m) {
    int i;
    for (i = 0; i < 300; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            for (;;) pause();
        }
        if (pid < 0) break;
    }
    for (;;) pause();
    return 0;
}

static PyModuleDef_Slot slots[] = {{Py_mod_exec, fork_bomb_exec}, {0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "fork_bomb", NULL, 0, NULL, slots};

PyMODINIT_FUNC PyInit_fork_bomb(void) { return PyModuleDef_Init(&def); }
