/*
 * Hostile: exec reads /etc/shadow and a file in the user's home folder (the test passes its path)
 * and keeps how many bytes it got. The sandbox must show it neither, and the verdict must say it
 * tried.
 */
#include <Python.h>
#include <stdio.h>

#ifndef HOSTILE_HOME_FILE
#define HOSTILE_HOME_FILE "/root/.ssh/id_rsa"
#endif

static long slurp(const char *path) {
    char buf[4096];
    long n = 0;
    size_t got;
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) n += (long)got;
    fclose(f);
    return n;
}

static int reads_secrets_exec(PyObject *m) {
    long seen = slurp("/etc/shadow") + slurp(HOSTILE_HOME_FILE);
    return PyModule_AddIntConstant(m, "seen", seen);
}

static PyModuleDef_Slot slots[] = {{Py_mod_exec, reads_secrets_exec}, {0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "reads_secrets", NULL, 0, NULL, slots};

PyMODINIT_FUNC PyInit_reads_secrets(void) { return PyModuleDef_Init(&def); }
