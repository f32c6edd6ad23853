'use strict';
// Benchmark trees, deterministic for their arguments. Modules are taken from the fixtures that
// convert; "real-shaped" ones carry a realistic body of C API code around the init (methods that
// release the GIL, static types, method tables, version conditionals, file-local macros), as real
// extension modules do: the init is a small part of a module file.
const fs = require('node:fs');
const path = require('node:path');

const FIXTURES = path.join(__dirname, '..', 'fixtures');

function moduleSources() {
  const known = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'known-failures.json'), 'utf8'));
  return fs
    .readdirSync(FIXTURES)
    .filter((name) => {
      const meta = path.join(FIXTURES, name, 'meta.json');
      // C fixtures only: the tree is of .c files.
      // Cases that include a header of their own need it beside them: without it they are refused
      // (rightly: a macro exec cannot see), so the tree leaves them out.
      const ownHeaders = fs.statSync(path.join(FIXTURES, name)).isDirectory() && fs.readdirSync(path.join(FIXTURES, name)).some((f) => f.endsWith('.h'));
      return !known[name] && !ownHeaders && fs.existsSync(path.join(FIXTURES, name, 'input.c')) && fs.existsSync(meta) && JSON.parse(fs.readFileSync(meta, 'utf8')).status === 'changed';
    })
    .sort()
    .map((name) => fs.readFileSync(path.join(FIXTURES, name, 'input.c'), 'latin1'));
}

function ordinaryC(i, helpers = 12) {
  const fns = [];
  for (let f = 0; f < helpers; f++) {
    fns.push(`/* Helper ${f} of unit ${i}: sums a window of the buffer with a stride. */
static long
unit${i}_sum${f}(const long *buf, size_t n, size_t stride)
{
    long total = 0;
    size_t k;

    if (buf == NULL || stride == 0)
        return -1;
    for (k = 0; k < n; k += stride) {
        if (buf[k] < 0)
            continue;
        total += buf[k] * ${f + 1};
    }
#ifdef UNIT_TRACE
    fprintf(stderr, "unit${i}: %ld\\n", total);
#endif
    switch (total % 3) {
    case 0:
        return total;
    case 1:
        return total + ${i % 7};
    default:
        return total - 1;
    }
}
`);
  }
  return `#include <stddef.h>\n#include <string.h>\n\nstruct unit${i}_state {\n    int count;\n    char name[32];\n};\n\n${fns.join('\n')}`;
}

/** C API code as real modules have it: one object type and its methods, about 5 KB per call. */
function capiBlock(u) {
  return `
#define UNIT${u}_CHECK(o) ((o) != NULL && Py_TYPE(o) == &Unit${u}_Type)

typedef struct {
    PyObject_HEAD
    PyObject *name;
    Py_ssize_t size;
    char *buffer;
} Unit${u}Object;

static PyTypeObject Unit${u}_Type;

static int
unit${u}_fill(char *buffer, Py_ssize_t size, int value)
{
    Py_ssize_t k;
    for (k = 0; k < size; k++)
        buffer[k] = (char)(value + k);
    return 0;
}

static PyObject *
unit${u}_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"name", "size", NULL};
    Unit${u}Object *self;
    PyObject *name = NULL;
    Py_ssize_t size = 16;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|On", kwlist, &name, &size))
        return NULL;
    self = (Unit${u}Object *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->buffer = PyMem_Malloc(size > 0 ? size : 1);
    if (self->buffer == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    self->size = size;
    Py_XINCREF(name);
    self->name = name;
    return (PyObject *)self;
}

static void
unit${u}_dealloc(Unit${u}Object *self)
{
    Py_XDECREF(self->name);
    PyMem_Free(self->buffer);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
unit${u}_fill_method(Unit${u}Object *self, PyObject *args)
{
    int value, r;

    if (!PyArg_ParseTuple(args, "i:fill", &value))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    r = unit${u}_fill(self->buffer, self->size, value);
    Py_END_ALLOW_THREADS

    if (r < 0) {
        PyErr_SetString(PyExc_ValueError, "fill failed");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
unit${u}_tobytes(Unit${u}Object *self, PyObject *Py_UNUSED(ignored))
{
#if PY_MAJOR_VERSION >= 3
    return PyBytes_FromStringAndSize(self->buffer, self->size);
#else
    return PyString_FromStringAndSize(self->buffer, self->size);
#endif
}

static PyObject *
unit${u}_get_size(Unit${u}Object *self, void *closure)
{
    return PyLong_FromSsize_t(self->size);
}

static PyMethodDef unit${u}_methods[] = {
    {"fill", (PyCFunction)unit${u}_fill_method, METH_VARARGS, "fill(value) -> None"},
    {"tobytes", (PyCFunction)unit${u}_tobytes, METH_NOARGS, "tobytes() -> bytes"},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef unit${u}_getset[] = {
    {"size", (getter)unit${u}_get_size, NULL, "the buffer's size", NULL},
    {NULL}
};

static PyTypeObject Unit${u}_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    "unit${u}.Unit",                      /* tp_name */
    sizeof(Unit${u}Object),               /* tp_basicsize */
    0,                                    /* tp_itemsize */
    (destructor)unit${u}_dealloc,         /* tp_dealloc */
    0,                                    /* tp_print */
    0,                                    /* tp_getattr */
    0,                                    /* tp_setattr */
    0,                                    /* tp_reserved */
    0,                                    /* tp_repr */
    0,                                    /* tp_as_number */
    0,                                    /* tp_as_sequence */
    0,                                    /* tp_as_mapping */
    0,                                    /* tp_hash */
    0,                                    /* tp_call */
    0,                                    /* tp_str */
    0,                                    /* tp_getattro */
    0,                                    /* tp_setattro */
    0,                                    /* tp_as_buffer */
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, /* tp_flags */
    "A buffer of unit ${u}",              /* tp_doc */
    0, 0, 0, 0, 0, 0,
    unit${u}_methods,                     /* tp_methods */
    0,                                    /* tp_members */
    unit${u}_getset,                      /* tp_getset */
    0, 0, 0, 0, 0, 0, 0,
    unit${u}_new,                         /* tp_new */
};
`;
}

/** A fixture module with C API code put after its includes until the file is about `bytes` long. */
function realShapedModule(source, bytes, seed) {
  const lines = source.split('\n');
  let after = 0;
  lines.forEach((l, k) => {
    if (/^\s*#\s*include\b/.test(l)) after = k + 1;
  });
  const blocks = [];
  let size = source.length;
  for (let u = 0; size < bytes; u++) {
    const b = capiBlock(`${seed}_${u}`);
    blocks.push(b);
    size += b.length;
  }
  return [...lines.slice(0, after), ...blocks, ...lines.slice(after)].join('\n');
}

function writeTree(dir, texts) {
  fs.rmSync(dir, { recursive: true, force: true });
  texts.forEach((text, i) => {
    const sub = path.join(dir, `pkg${i % 10}`);
    fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, `file${i}.c`), text, 'latin1');
  });
  return dir;
}

/** `count` files, one in five a fixture module as it is (small), the rest ordinary C. */
function generateTree(dir, count) {
  const modules = moduleSources();
  return writeTree(
    dir,
    Array.from({ length: count }, (_, i) => (i % 5 === 0 ? modules[(i / 5) % modules.length] : ordinaryC(i))),
  );
}

/**
 * The mixed tree: 400 files, one in five a real-shaped module of about 30 KB, the rest
 * ordinary C of about 8 KB: about 5 MB, the modules about half of the bytes, as in real projects.
 */
function generateMixedTree(dir, count = 400) {
  const modules = moduleSources();
  return writeTree(
    dir,
    Array.from({ length: count }, (_, i) => (i % 5 === 0 ? realShapedModule(modules[(i / 5) % modules.length], 30 * 1024, i) : ordinaryC(i, 13))),
  );
}

/** Few big files: `count` real-shaped modules of about `bytes` each. */
function generateBigTree(dir, count = 20, bytes = 2 * 1024 * 1024) {
  const modules = moduleSources();
  return writeTree(dir, Array.from({ length: count }, (_, i) => realShapedModule(modules[(i * 7) % modules.length], bytes, i)));
}

module.exports = { generateTree, generateMixedTree, generateBigTree };
