/*
 * Hostile: exec writes a file into /tmp and into $HOME. The test passes the exact paths (so it can
 * check the host afterwards); without them the module writes next to $HOME's and /tmp's roots.
 */
#include <Python.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef HOSTILE_TMP_FILE
#define HOSTILE_TMP_FILE "/tmp/pep489-hostile-was-here"
#endif
#ifndef HOSTILE_HOME_FILE
#define HOSTILE_HOME_FILE NULL
#endif

static void scribble(const char *path) {
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("written by an extension module under verification\n", f);
        fclose(f);
    }
}

static int writes_files_exec(PyObject *m) {
    char home_file[4096];
    const char *home = HOSTILE_HOME_FILE;
    if (home == NULL && getenv("HOME")) {
        snprintf(home_file, sizeof home_file, "%s/.pep489-hostile-was-here", getenv("HOME"));
        home = home_file;
    }
    scribble(HOSTILE_TMP_FILE);
    if (home) scribble(home);
    return PyModule_AddIntConstant(m, "done", 1);
}

static PyModuleDef_Slot slots[] = {{Py_mod_exec, writes_files_exec}, {0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "writes_files", NULL, 0, NULL, slots};

PyMODINIT_FUNC PyInit_writes_files(void) { return PyModuleDef_Init(&def); }
