/**
 * CPython's own macros that shape statements, blocks and declarations, written as its headers
 * define them (simplified where only the shape matters), so that the parse view and the exec check
 * understand them without Python's headers. Like Coccinelle's standard.h: the role is what counts.
 *
 * Reference counting macros (Py_INCREF, Py_DECREF, Py_XDECREF, Py_CLEAR, ...) are deliberately left
 * out: the exec check treats them as calls, by name, to see what they release.
 */
export const BUILTIN_DEFINES = String.raw`
#define Py_BEGIN_ALLOW_THREADS { PyThreadState *_save; _save = PyEval_SaveThread();
#define Py_BLOCK_THREADS PyEval_RestoreThread(_save);
#define Py_UNBLOCK_THREADS _save = PyEval_SaveThread();
#define Py_END_ALLOW_THREADS PyEval_RestoreThread(_save); }
#define Py_BEGIN_CRITICAL_SECTION(op) {
#define Py_END_CRITICAL_SECTION() }
#define Py_BEGIN_CRITICAL_SECTION2(a, b) {
#define Py_END_CRITICAL_SECTION2() }
#define Py_RETURN_NONE return Py_None
#define PyFPE_START_PROTECT(err_string, leave_stmt)
#define PyFPE_END_PROTECT(v)
#define Py_RETURN_TRUE return Py_True
#define Py_RETURN_FALSE return Py_False
#define Py_RETURN_NOTIMPLEMENTED return Py_NotImplemented
#define Py_RETURN_RICHCOMPARE(val1, val2, op) do { switch (op) { default: Py_RETURN_FALSE; } } while (0)
#define Py_VISIT(op) do { if (op) { int vret = visit((PyObject *)(op), arg); if (vret) return vret; } } while (0)
#define PyObject_HEAD PyObject ob_base;
#define PyObject_VAR_HEAD PyVarObject ob_base;
#define PyException_HEAD PyObject_HEAD PyObject *dict;
#define PyObject_HEAD_INIT(type) { 1, type },
#define PyVarObject_HEAD_INIT(type, size) { PyObject_HEAD_INIT(type) size },
#define PyModuleDef_HEAD_INIT { PyObject_HEAD_INIT(NULL) NULL, 0, NULL }
#define PyDoc_STRVAR(name, str) static const char name[] = PyDoc_STR(str)
#define PyDoc_STR(str) str
#define PyDoc_VAR(name) static const char name[]
#define Py_UNUSED(name) _unused_ ## name
#define Py_LOCAL(type) static type
#define Py_LOCAL_INLINE(type) static inline type
#define PyAPI_FUNC(RTYPE) RTYPE
#define PyAPI_DATA(RTYPE) extern RTYPE
#define PyMODINIT_FUNC PyObject *
#define Py_DEPRECATED(VERSION) __attribute__((__deprecated__))
#define Py_ALWAYS_INLINE __attribute__((always_inline))
#define Py_NO_INLINE __attribute__((noinline))
#define Py_GCC_ATTRIBUTE(x) __attribute__(x)
#define _Py_NO_RETURN __attribute__((__noreturn__))
#define Py_UNREACHABLE() abort()
#define Py_ARRAY_LENGTH(array) (sizeof(array) / sizeof((array)[0]))
#define Py_MIN(x, y) (((x) > (y)) ? (y) : (x))
#define Py_MAX(x, y) (((x) > (y)) ? (x) : (y))
#define Py_ABS(x) ((x) < 0 ? -(x) : (x))
#define Py_STRINGIFY(x) _Py_XSTRINGIFY(x)
#define _Py_XSTRINGIFY(x) #x
#define Py_BUILD_ASSERT(cond) do { (void)sizeof(char [1 - 2*!(cond)]); } while(0)
#define Py_SAFE_DOWNCAST(VALUE, WIDE, NARROW) (NARROW)(VALUE)
#define Py_CHARMASK(c) ((unsigned char)((c) & 0xff))
#define PyMODEXPORT_FUNC PyModuleDef_Slot *
`;
