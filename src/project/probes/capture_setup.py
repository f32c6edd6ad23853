"""Runs a project's setup.py with setup() captured, and prints its extension modules as JSON.

Usage: python capture_setup.py <project dir>

Nothing is built: setup() records its arguments and returns. Where the interpreter has no
setuptools (pyenv's 3.12+ ship without it) or no distutils (3.12+), stand-ins provide what setup
scripts import from them (setup, Extension, find_packages, Command, build_ext), so the same
setup.py is read on every interpreter. Runs in the verifier's sandbox: a setup.py is code.
"""
import json
import os
import runpy
import sys
import types

MARK = "@@pep489-codemod-setup@@"
captured = []


def record(*args, **kwargs):
    captured.append(kwargs)
    return None


class StandInExtension(object):
    def __init__(self, name, sources=None, include_dirs=None, define_macros=None, undef_macros=None,
                 library_dirs=None, libraries=None, runtime_library_dirs=None, extra_objects=None,
                 extra_compile_args=None, extra_link_args=None, export_symbols=None, swig_opts=None,
                 depends=None, language=None, optional=None, py_limited_api=False, **kw):
        self.name = name
        self.sources = list(sources or [])
        self.include_dirs = list(include_dirs or [])
        self.define_macros = list(define_macros or [])
        self.undef_macros = list(undef_macros or [])
        self.library_dirs = list(library_dirs or [])
        self.libraries = list(libraries or [])
        self.extra_objects = list(extra_objects or [])
        self.extra_compile_args = list(extra_compile_args or [])
        self.extra_link_args = list(extra_link_args or [])
        self.language = language
        self.py_limited_api = py_limited_api


class StandInCommand(object):
    user_options = []
    boolean_options = []

    def __init__(self, dist=None, **kw):
        self.distribution = dist

    def initialize_options(self):
        pass

    def finalize_options(self):
        pass

    def run(self):
        pass


def find_packages(where=".", exclude=(), include=("*",)):
    found = []
    for root, dirs, files in os.walk(where):
        if "__init__.py" in files:
            rel = os.path.relpath(root, where)
            if rel != ".":
                found.append(rel.replace(os.sep, "."))
    return found


def stand_in(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    # `import distutils.sysconfig` then `distutils.sysconfig.x`: the parent holds it by name too.
    parent, _, child = name.rpartition(".")
    if parent in sys.modules:
        setattr(sys.modules[parent], child, module)
    return module


def install_stand_ins():
    common = dict(setup=record, Extension=StandInExtension, Command=StandInCommand,
                  find_packages=find_packages, find_namespace_packages=find_packages,
                  Distribution=object)
    for pkg in ("setuptools", "distutils"):
        try:
            real = __import__(pkg)
        except Exception:
            real = None
        if real is None:
            stand_in(pkg, **common)
            stand_in(pkg + ".core", **common)
            stand_in(pkg + ".extension", Extension=StandInExtension)
            stand_in(pkg + ".command", Command=StandInCommand)
            stand_in(pkg + ".command.build_ext", build_ext=StandInCommand)
            stand_in(pkg + ".command.build_py", build_py=StandInCommand)
            stand_in(pkg + ".command.sdist", sdist=StandInCommand)
            stand_in(pkg + ".dist", Distribution=object)
            stand_in(pkg + ".errors", CCompilerError=Exception, DistutilsError=Exception,
                     DistutilsExecError=Exception, DistutilsPlatformError=Exception, CompileError=Exception)
        else:
            real.setup = record
            try:
                core = __import__(pkg + ".core", fromlist=["setup"])
                core.setup = record
            except Exception:
                pass
    install_old_idioms()


def pkg_config(*args):
    import subprocess
    try:
        out = subprocess.run(["pkg-config"] + list(args), capture_output=True, text=True)
    except OSError:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def install_old_idioms():
    """What old setup scripts reach for and today's interpreters lack: distutils' sysconfig helpers
    and build_py_2to3, the `pkgconfig` package (answered by the pkg-config program). Only where
    missing: a real one always wins."""
    import sysconfig as _sysconfig
    try:
        ds = __import__("distutils.sysconfig", fromlist=["get_config_var"])
    except Exception:
        ds = stand_in("distutils.sysconfig", get_config_var=_sysconfig.get_config_var,
                      get_config_vars=_sysconfig.get_config_vars,
                      get_python_inc=lambda plat_specific=0, prefix=None: _sysconfig.get_paths()["include"])
    if not hasattr(ds, "_init_posix"):
        ds._init_posix = lambda: None
    try:
        bp = __import__("distutils.command.build_py", fromlist=["build_py"])
        if not hasattr(bp, "build_py_2to3"):
            bp.build_py_2to3 = bp.build_py
    except Exception:
        pass
    try:
        __import__("pkgconfig")
    except Exception:
        def parse(packages, static=False):
            flags = (pkg_config("--cflags", "--libs", *packages.split()) or "").split()
            out = {"include_dirs": [], "library_dirs": [], "libraries": [], "define_macros": [], "extra_compile_args": [], "extra_link_args": []}
            for f in flags:
                if f.startswith("-I"):
                    out["include_dirs"].append(f[2:])
                elif f.startswith("-L"):
                    out["library_dirs"].append(f[2:])
                elif f.startswith("-l"):
                    out["libraries"].append(f[2:])
                elif f.startswith("-D"):
                    name, _, value = f[2:].partition("=")
                    out["define_macros"].append((name, value or None))
                else:
                    out["extra_compile_args"].append(f)
            return out
        def installed(package, version):
            # pkgconfig.installed('blkid', '>= 2.40'): the pkg-config program's own comparisons.
            op, _, number = version.strip().partition(" ")
            if not number:
                op, number = ">=", version.strip().lstrip(">=<")
            flag = {">=": "--atleast-version", "==": "--exact-version", "<=": "--max-version"}.get(op)
            if flag is None:
                return pkg_config("--exists", "%s %s %s" % (package, op, number.strip())) is not None
            return pkg_config("%s=%s" % (flag, number.strip()), package) is not None

        stand_in("pkgconfig", exists=lambda p: pkg_config("--exists", p) is not None,
                 cflags=lambda p: pkg_config("--cflags", p) or "", libs=lambda p, static=False: pkg_config("--libs", p) or "",
                 modversion=lambda p: pkg_config("--modversion", p) or "", parse=parse,
                 list_all=lambda: [l.split()[0] for l in (pkg_config("--list-all") or "").splitlines() if l.strip()],
                 installed=installed, configure_extension=lambda ext, packages, static=False: None)


def plain(value):
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def define_pairs(macros):
    """(name, value) pairs, each value as distutils writes it into -Dname=value: "%s" % value, so a
    tuple is "(2, 2, 8, 'final', 0)" (mysqlclient's version_info), not a JSON list."""
    out = []
    for macro in macros or []:
        if not isinstance(macro, (list, tuple)) or len(macro) != 2:
            continue
        name, value = macro
        out.append([plain(name), None if value is None else "%s" % (value,)])
    return out


def describe(ext):
    get = lambda attr, default=None: getattr(ext, attr, default)
    return {
        "name": get("name"),
        "sources": plain(get("sources", [])),
        "include_dirs": plain(get("include_dirs", [])),
        "define_macros": define_pairs(get("define_macros", [])),
        "undef_macros": plain(get("undef_macros", [])),
        "libraries": plain(get("libraries", [])),
        "library_dirs": plain(get("library_dirs", [])),
        "extra_objects": plain(get("extra_objects", [])),
        "extra_compile_args": plain(get("extra_compile_args", [])),
        "extra_link_args": plain(get("extra_link_args", [])),
        "py_limited_api": bool(get("py_limited_api", False)),
        "language": plain(get("language")),
    }


# Not worth copying: version control, caches, earlier build output.
SKIP = (".git", ".hg", ".svn", "__pycache__", "build", "dist", "*.egg-info", "node_modules", ".tox", ".nox", ".venv", "venv", ".eggs", "wheelhouse")


def main():
    import shutil
    import tempfile
    # setup.py runs in a copy: one that writes a version file or a generated header before
    # calling setup() must not fail on the read-only project, and must not change it.
    work = tempfile.mkdtemp(prefix="pep489-setup-")
    project = os.path.join(work, "project")
    try:
        source = os.path.abspath(sys.argv[1])
        shutil.copytree(source, project, symlinks=True, ignore=shutil.ignore_patterns(*SKIP))
        run(project, source)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# C and C++ files a setup.py may write before setup() (a config header, a generated source).
GENERATED = (".h", ".hh", ".hpp", ".hxx", ".inc", ".c", ".cc", ".cpp", ".cxx")
GENERATED_LIMIT = 4 * 1024 * 1024


def generated_files(project, source):
    """The C/C++ files the run of setup.py wrote or changed in the copy, base64, up to a limit."""
    import base64
    out, total = [], 0
    for root, dirs, files in os.walk(project):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.endswith(GENERATED):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, project)
            with open(path, "rb") as f:
                data = f.read()
            try:
                with open(os.path.join(source, rel), "rb") as f:
                    if f.read() == data:
                        continue
            except OSError:
                pass
            total += len(data)
            if total > GENERATED_LIMIT:
                return out
            out.append({"path": rel, "data": base64.b64encode(data).decode("ascii")})
    return out


class Anything(str):
    """What a stood-in module gives for every name: callable, indexable, an empty sequence, false,
    and the string "0" where a version is wanted (setuptools_scm's get_version())."""

    def __new__(cls):
        return str.__new__(cls, "0")

    def __call__(self, *args, **kwargs):
        return Anything()

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Anything()

    def __getitem__(self, key):
        return Anything()

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0

    def __bool__(self):
        return False


def stand_in_anything(name):
    """A module (and its parents) that answers every name with Anything."""
    parts = name.split(".")
    for i in range(1, len(parts) + 1):
        dotted = ".".join(parts[:i])
        if dotted not in sys.modules:
            module = stand_in(dotted)
            module.__getattr__ = lambda attr: Anything()
            module.__path__ = []
    if parts[0] == "Cython":
        # cythonize(extensions) hands its extensions back: the hand-written C ones among them count.
        stand_in("Cython.Build", cythonize=lambda modules, *a, **kw: modules if isinstance(modules, list) else [])


# Build helpers a setup.py may import that change only its metadata, never an extension's flags:
# read without them. A module that does change them (numpy's include folder, scikit-build's CMake
# build) is not stood in for: the reading says it failed.
NOT_STOOD_IN = ("numpy", "skbuild", "setuptools", "distutils", "mesonpy", "pybind11")
MAX_STAND_INS = 5


def run_setup(project):
    """Runs setup.py; a module it imports that this CPython lacks (setuptools_scm) gets a stand-in
    and the run starts again. The error, if it still fails, and the names stood in for."""
    stood_in = []
    first_error = None
    described = lambda e: "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")
    while True:
        try:
            runpy.run_path(os.path.join(project, "setup.py"), run_name="__main__")
            error = None
        except SystemExit:
            error = None
        except ModuleNotFoundError as e:
            missing = e.name or ""
            top = missing.split(".")[0]
            if (not missing or captured or len(stood_in) >= MAX_STAND_INS or top in NOT_STOOD_IN
                    or os.path.exists(os.path.join(project, top)) or os.path.exists(os.path.join(project, top + ".py"))):
                error = described(e)
            else:
                first_error = first_error or described(e)
                stand_in_anything(missing)
                stood_in.append(missing)
                continue
        except BaseException as e:
            error = described(e)
        # Stand-ins that did not bring the run to setup() explain nothing: the first error does.
        if stood_in and not captured:
            return first_error, []
        return error, stood_in


def run(project, source):
    os.chdir(project)
    sys.path.insert(0, project)
    install_stand_ins()
    sys.argv = ["setup.py", "build_ext"]
    error, stood_in = run_setup(project)
    extensions = []
    notes = []
    if stood_in:
        notes.append("it imports %s, which this CPython does not have: read with %s" % (
            ", ".join(stood_in), "a stand-in" if len(stood_in) == 1 else "stand-ins"))
    for call in captured:
        exts = list(call.get("ext_modules") or [])
        custom = (call.get("cmdclass") or {}).get("build_ext")
        if exts and custom is not None:
            # The project's own build_ext may add sources and defines as it builds (pylzma adds four
            # sources and a define in build_extension; gmpy2 puts the `-` on its flags): run it,
            # with the step that would compile each extension recording it instead.
            seen, why = run_build_ext(call, custom)
            if seen is not None:
                exts = seen
            else:
                notes.append("its own build_ext could not be run (%s): what it adds while building is not seen" % why)
        # Where the project's Python code lives (package_dir={'': 'python'}): the smoke imports it.
        package_dir = call.get("package_dir") or {}
        python_dirs = sorted({str(v) for v in package_dir.values()}) if isinstance(package_dir, dict) else []
        # Top-level modules (py_modules=['_moderngl']) live in the root package folder: the
        # extension's init may import one (moderngl's mgl imports _moderngl, set H).
        if call.get("py_modules"):
            top = str(package_dir.get("", ".")) if isinstance(package_dir, dict) else "."
            python_dirs = sorted(set(python_dirs) | {top})
        for ext in exts:
            described = describe(ext)
            described["python_dirs"] = python_dirs
            extensions.append(described)
    generated = generated_files(project, source)
    sys.stdout.write(MARK + json.dumps({"root": project, "extensions": extensions, "called": len(captured), "error": error, "notes": notes, "generated": generated}) + "\n")


def run_build_ext(kwargs, custom):
    """The extensions as `custom` (a build_ext subclass) leaves them when it comes to compile each:
    its build_extensions/build_extension run, the base class's build_extension only records."""
    import tempfile
    try:
        import setuptools  # noqa: F401 (it patches distutils)
        from distutils.command.build_ext import build_ext as base
        from setuptools.dist import Distribution
    except Exception as e:
        return None, "no setuptools here: %s" % e
    if not (isinstance(custom, type) and issubclass(custom, base)):
        return None, "it is not a subclass of build_ext"
    recorded = []
    bases = [c for c in custom.__mro__[1:] if c.__module__.startswith(("setuptools", "distutils"))]
    saved = [(c, c.__dict__.get("build_extension")) for c in bases]
    try:
        for c, _ in saved:
            c.build_extension = lambda self, ext: recorded.append(ext)
        attrs = {k: v for k, v in kwargs.items() if k in ("name", "ext_modules", "cmdclass", "packages", "package_dir", "include_dirs")}
        dist = Distribution(attrs)
        cmd = custom(dist)
        cmd.initialize_options()
        out = tempfile.mkdtemp()
        cmd.build_temp = cmd.build_lib = out
        cmd.finalize_options()
        from distutils.ccompiler import new_compiler
        from distutils.sysconfig import customize_compiler
        cmd.compiler = new_compiler(compiler=None, dry_run=True, force=True)
        customize_compiler(cmd.compiler)
        cmd.build_extensions()
    except BaseException as e:
        return None, "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")
    finally:
        for c, original in saved:
            if original is None:
                try:
                    del c.build_extension
                except AttributeError:
                    pass
            else:
                c.build_extension = original
    return (recorded or None), "it built nothing"


main()
