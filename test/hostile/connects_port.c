/* Hostile: exec opens a TCP connection to a port on the host's loopback (HOSTILE_PORT). */
#include <Python.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef HOSTILE_PORT
#define HOSTILE_PORT 8080
#endif

static int connects_port_exec(PyObject *m) {
    struct sockaddr_in addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0) {
        memset(&addr, 0, sizeof addr);
        addr.sin_family = AF_INET;
        addr.sin_port = htons(HOSTILE_PORT);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
            const char hello[] = "hello from inside the verifier\n";
            if (write(fd, hello, sizeof hello - 1) < 0) { /* ignored */ }
        }
        close(fd);
    }
    return PyModule_AddIntConstant(m, "done", 1);
}

static PyModuleDef_Slot slots[] = {{Py_mod_exec, connects_port_exec}, {0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "connects_port", NULL, 0, NULL, slots};

PyMODINIT_FUNC PyInit_connects_port(void) { return PyModuleDef_Init(&def); }
