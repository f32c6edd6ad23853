/*
 * Fault injection for the verifier (probe 6). Linked into every module build with
 * `-Wl,--wrap=<api>` for each API below, so the module's own calls to them go through a wrapper
 * here; CPython's internal calls are untouched. Disarmed (the default) a wrapper just forwards.
 * Armed with N, the Nth wrapped call made by the module fails the way the real API fails: an
 * exception set and NULL or -1 returned. The probe arms it around one import and then checks that
 * the failure surfaced cleanly.
 *
 * No Python.h: the same object links into builds for every CPython, so object pointers are opaque
 * and only symbols present in every version 3.8+ are referenced strongly. `__real_X` is weak so
 * that a wrapper for an API missing from this version (PyModule_Add before 3.13) costs nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

typedef struct _object PyObject;
typedef ptrdiff_t Py_ssize_t;

extern void PyErr_SetString(PyObject *type, const char *message);
extern PyObject *PyExc_MemoryError;
extern void Py_DecRef(PyObject *o);
extern void Py_IncRef(PyObject *o);
extern int PyTuple_SetItem(PyObject *t, Py_ssize_t i, PyObject *o);
extern PyObject *Py_VaBuildValue(const char *format, va_list va);
extern PyObject *_Py_VaBuildValue_SizeT(const char *format, va_list va) __attribute__((weak));
extern PyObject *PyUnicode_FromFormatV(const char *format, va_list va);

#define SHIM __attribute__((visibility("default")))
#define MAX_LOGGED 512

static int counting;
static long fail_at;
static long calls;
static const char *logged[MAX_LOGGED];

/* Start counting wrapped calls; the nth fails (0: none fails, only count). */
SHIM void pep489_fault_arm(long n) {
    counting = 1;
    fail_at = n;
    calls = 0;
}

/* Stop counting; returns how many wrapped calls were made while armed. */
SHIM long pep489_fault_disarm(void) {
    counting = 0;
    fail_at = 0;
    return calls;
}

/* The name of the ith wrapped call (1-based) made while armed, or NULL. */
SHIM const char *pep489_fault_call_name(long i) {
    return i >= 1 && i <= calls && i <= MAX_LOGGED ? logged[i - 1] : NULL;
}

static int inject(const char *name) {
    char message[160];
    if (!counting) return 0;
    calls++;
    if (calls <= MAX_LOGGED) logged[calls - 1] = name;
    if (calls != fail_at) return 0;
    snprintf(message, sizeof message, "pep489-codemod injected failure: call %ld (%s)", calls, name);
    PyErr_SetString(PyExc_MemoryError, message);
    return 1;
}

/* A wrapper per API: fail when it is this call's turn, else forward to the real one. */
#define WRAP(ret, failed, name, params, args)                                   \
    extern ret __real_##name params __attribute__((weak));                      \
    ret __wrap_##name params {                                                  \
        if (inject(#name)) return failed;                                       \
        return __real_##name args;                                              \
    }
#define OBJ(name, params, args) WRAP(PyObject *, NULL, name, params, args)
#define INT(name, params, args) WRAP(int, -1, name, params, args)

typedef PyObject O;
typedef const char S;

OBJ(PyErr_NewException, (S *n, O *b, O *d), (n, b, d))
OBJ(PyErr_NewExceptionWithDoc, (S *n, S *doc, O *b, O *d), (n, doc, b, d))
OBJ(PyType_FromSpec, (void *s), (s))
OBJ(PyType_FromSpecWithBases, (void *s, O *b), (s, b))
OBJ(PyType_FromModuleAndSpec, (O *m, void *s, O *b), (m, s, b))
OBJ(PyType_FromMetaclass, (O *t, O *m, void *s, O *b), (t, m, s, b))
OBJ(PyStructSequence_NewType, (void *d), (d))
OBJ(PyLong_FromLong, (long v), (v))
OBJ(PyLong_FromUnsignedLong, (unsigned long v), (v))
OBJ(PyLong_FromSsize_t, (Py_ssize_t v), (v))
OBJ(PyLong_FromSize_t, (size_t v), (v))
OBJ(PyLong_FromLongLong, (long long v), (v))
OBJ(PyLong_FromUnsignedLongLong, (unsigned long long v), (v))
OBJ(PyLong_FromDouble, (double v), (v))
OBJ(PyFloat_FromDouble, (double v), (v))
OBJ(PyUnicode_FromString, (S *s), (s))
OBJ(PyUnicode_FromStringAndSize, (S *s, Py_ssize_t n), (s, n))
OBJ(PyUnicode_InternFromString, (S *s), (s))
OBJ(PyUnicode_DecodeFSDefault, (S *s), (s))
OBJ(PyBytes_FromString, (S *s), (s))
OBJ(PyBytes_FromStringAndSize, (S *s, Py_ssize_t n), (s, n))
OBJ(PyDict_New, (void), ())
OBJ(PyDict_Copy, (O *d), (d))
OBJ(PyList_New, (Py_ssize_t n), (n))
OBJ(PySet_New, (O *i), (i))
OBJ(PyFrozenSet_New, (O *i), (i))
OBJ(PyImport_ImportModule, (S *n), (n))
OBJ(PyImport_Import, (O *n), (n))
OBJ(PyObject_GetAttrString, (O *o, S *n), (o, n))
OBJ(PyObject_GetAttr, (O *o, O *n), (o, n))
OBJ(PyObject_CallObject, (O *c, O *a), (c, a))
OBJ(PyTuple_New, (Py_ssize_t n), (n))
OBJ(PyObject_Call, (O *c, O *a, O *k), (c, a, k))
OBJ(PyObject_CallNoArgs, (O *c), (c))
OBJ(PyCapsule_New, (void *p, S *n, void *d), (p, n, d))
OBJ(PyModule_New, (S *n), (n))
OBJ(PyModule_NewObject, (O *n), (n))
OBJ(PyCFunction_NewEx, (void *d, O *s, O *m), (d, s, m))
OBJ(PyCMethod_New, (void *d, O *s, O *m, void *c), (d, s, m, c))
WRAP(void *, NULL, PyCapsule_Import, (S *n, int b), (n, b))

INT(PyModule_AddObject, (O *m, S *n, O *v), (m, n, v))
INT(PyModule_AddObjectRef, (O *m, S *n, O *v), (m, n, v))
INT(PyModule_AddIntConstant, (O *m, S *n, long v), (m, n, v))
INT(PyModule_AddStringConstant, (O *m, S *n, S *v), (m, n, v))
INT(PyModule_AddType, (O *m, void *t), (m, t))
INT(PyModule_AddFunctions, (O *m, void *f), (m, f))
INT(PyModule_SetDocString, (O *m, S *d), (m, d))
INT(PyType_Ready, (void *t), (t))
INT(PyStructSequence_InitType2, (void *t, void *d), (t, d))
INT(PyDict_SetItemString, (O *d, S *k, O *v), (d, k, v))
INT(PyDict_SetItem, (O *d, O *k, O *v), (d, k, v))
INT(PyObject_SetAttrString, (O *o, S *n, O *v), (o, n, v))
INT(PyObject_SetAttr, (O *o, O *n, O *v), (o, n, v))
INT(PyList_Append, (O *l, O *v), (l, v))

/* PyModule_Add (3.13) steals the value even when it fails, so an injected failure must too. */
extern int __real_PyModule_Add(O *m, S *n, O *v) __attribute__((weak));
int __wrap_PyModule_Add(O *m, S *n, O *v) {
    if (inject("PyModule_Add")) {
        if (v) Py_DecRef(v);
        return -1;
    }
    return __real_PyModule_Add(m, n, v);
}

/* Variadic APIs forward to their va_list (or tuple) forms, which behave the same. The helpers call
 * the __real_ functions so that their own calls are neither counted nor failed. */
extern PyObject *__real_Py_BuildValue(S *f, ...) __attribute__((weak));
PyObject *__wrap_Py_BuildValue(S *f, ...) {
    va_list va;
    PyObject *r;
    if (inject("Py_BuildValue")) return NULL;
    va_start(va, f);
    r = Py_VaBuildValue(f, va);
    va_end(va);
    return r;
}

extern PyObject *__real__Py_BuildValue_SizeT(S *f, ...) __attribute__((weak));
PyObject *__wrap__Py_BuildValue_SizeT(S *f, ...) {
    va_list va;
    PyObject *r;
    if (inject("Py_BuildValue")) return NULL;
    va_start(va, f);
    /* Before 3.13 the PY_SSIZE_T_CLEAN spelling has its own va_list form; 3.13 dropped the distinction. */
    r = _Py_VaBuildValue_SizeT ? _Py_VaBuildValue_SizeT(f, va) : Py_VaBuildValue(f, va);
    va_end(va);
    return r;
}

extern PyObject *__real_PyUnicode_FromFormat(S *f, ...) __attribute__((weak));
PyObject *__wrap_PyUnicode_FromFormat(S *f, ...) {
    va_list va;
    PyObject *r;
    if (inject("PyUnicode_FromFormat")) return NULL;
    va_start(va, f);
    r = PyUnicode_FromFormatV(f, va);
    va_end(va);
    return r;
}

static PyObject *tuple_from(Py_ssize_t n, va_list va) {
    Py_ssize_t i;
    PyObject *t = __real_PyTuple_New(n);
    if (!t) return NULL;
    for (i = 0; i < n; i++) {
        PyObject *o = va_arg(va, PyObject *);
        Py_IncRef(o);
        PyTuple_SetItem(t, i, o);
    }
    return t;
}

extern PyObject *__real_PyTuple_Pack(Py_ssize_t n, ...) __attribute__((weak));
PyObject *__wrap_PyTuple_Pack(Py_ssize_t n, ...) {
    va_list va;
    PyObject *r;
    if (inject("PyTuple_Pack")) return NULL;
    va_start(va, n);
    r = tuple_from(n, va);
    va_end(va);
    return r;
}

static Py_ssize_t count_until_null(va_list va) {
    Py_ssize_t n = 0;
    while (va_arg(va, PyObject *) != NULL) n++;
    return n;
}

extern PyObject *__real_PyObject_CallFunctionObjArgs(O *c, ...) __attribute__((weak));
PyObject *__wrap_PyObject_CallFunctionObjArgs(O *c, ...) {
    va_list va, count;
    PyObject *args, *r;
    if (inject("PyObject_CallFunctionObjArgs")) return NULL;
    va_start(va, c);
    va_copy(count, va);
    args = tuple_from(count_until_null(count), va);
    va_end(count);
    va_end(va);
    if (!args) return NULL;
    r = __real_PyObject_CallObject(c, args);
    Py_DecRef(args);
    return r;
}

extern PyObject *__real_PyObject_CallMethodObjArgs(O *o, O *name, ...) __attribute__((weak));
PyObject *__wrap_PyObject_CallMethodObjArgs(O *o, O *name, ...) {
    va_list va, count;
    PyObject *args, *method, *r;
    if (inject("PyObject_CallMethodObjArgs")) return NULL;
    method = __real_PyObject_GetAttr(o, name);
    if (!method) return NULL;
    va_start(va, name);
    va_copy(count, va);
    args = tuple_from(count_until_null(count), va);
    va_end(count);
    va_end(va);
    if (!args) {
        Py_DecRef(method);
        return NULL;
    }
    r = __real_PyObject_CallObject(method, args);
    Py_DecRef(args);
    Py_DecRef(method);
    return r;
}
