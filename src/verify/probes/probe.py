# The verifier's probes for one built module under one interpreter (CPython 3.8+), run inside the
# sandbox. This process never imports the module itself: each step runs in a forked child, so a
# crash or a hang in one step is contained, named (signal, timeout) and does not spoil the next,
# and every step starts from an interpreter that has not seen the module yet. Steps report facts
# as JSON lines on stdout; the verifier (judge.ts) decides what passes.
#
# Usage: python -E -s -B probe.py '<json config>'
import ctypes
import faulthandler
import gc
import importlib
import importlib.machinery
import inspect
import json
import os
import select
import signal
import sys
import time
import types

CONFIG = json.loads(sys.argv[1])
NAME = CONFIG["name"]
WORK = os.getcwd()
TIMEOUT = float(CONFIG.get("timeout", 30))
# Independent steps run this many at a time: enough to overlap a subinterpreter's start-up with
# the next step, not so many that the interpreters verified in parallel starve each other.
WIDTH = max(2, min(4, os.cpu_count() or 2))


def emit(record):
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def limit_memory():
    # The sandbox sets the limits with prlimit when it can; this covers a machine without it.
    try:
        import resource
        want = int(CONFIG.get("memory") or 0)
        if want:
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            cap = want if hard == resource.RLIM_INFINITY else min(want, hard)
            if soft == resource.RLIM_INFINITY or soft > cap:
                resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass


def exc_facts(e):
    return {"type": type(e).__name__, "msg": str(e)[:500]}


def typename(value):
    t = type(value)
    module = getattr(t, "__module__", "") or ""
    return t.__qualname__ if module == "builtins" else module + "." + t.__qualname__


def surface(module):
    return {k: typename(getattr(module, k)) for k in dir(module) if not k.startswith("_")}


def run_smoke(module, name, smoke, script, script_name):
    """Runs the smoke on a freshly imported module, with the module bound to its name: `smoke` is
    an expression (evaluated; its repr reported, an exception propagated) or statements; `script`
    (--smoke-script) is statements run after it. What they print to sys.stdout, and the repr of an
    exception the statements raise, is reported as smoke_out for judge.ts to compare with the
    original's. Self-contained: subinterpreters run its source too (SUBINTERP_CODE)."""
    import builtins, contextlib, io
    facts = {"smoke": None}
    if not smoke and not script:
        return facts
    expr, chunks = None, []
    if smoke:
        try:
            expr = compile(smoke, "<smoke>", "eval")
        except SyntaxError:
            chunks.append(("<smoke>", smoke))
    if script:
        chunks.append((script_name or "<smoke-script>", script))
    codes = []
    for filename, source in chunks:
        try:
            codes.append(compile(source, filename, "exec"))
        except SyntaxError as e:
            facts["smoke_error"] = "%s does not compile here: %s" % (filename, e)
            return facts
    namespace = {"__builtins__": builtins, "__name__": "__main__", "__file__": script_name or "<smoke>"}
    # A module of a package: bound by its own name (`_count`) and the package by its (`wordy`), so
    # `_count.words(...)` and `wordy._count.words(...)` both work.
    import sys as _sys
    parts = name.split(".")
    if len(parts) > 1:
        namespace[parts[0]] = _sys.modules.get(parts[0])
    namespace[parts[-1]] = module
    printed, raised = io.StringIO(), None
    with contextlib.redirect_stdout(printed):
        if expr is not None:
            try:
                value = eval(expr, namespace)
                facts["smoke"] = repr(value)[:300]
                try:
                    facts["smoke_false"] = not value
                except BaseException:
                    pass  # an object whose truth raises: only its repr is judged
            except BaseException as e:
                facts["smoke_exception"] = {"type": type(e).__name__, "msg": str(e)[:500]}
                codes = []
        for code in codes:
            try:
                exec(code, namespace)
            except SystemExit as e:
                if e.code not in (None, 0):  # sys.exit(main()) ends a script; only a failure counts
                    raised = "SystemExit(%r)" % (e.code,)
                break
            except BaseException as e:
                raised = repr(e)[:500]
                break
    out = printed.getvalue()
    facts["smoke_out"] = {"out": out[:20000]}
    if len(out) > 20000:
        facts["smoke_out"]["truncated"] = True
    if raised is not None:
        facts["smoke_out"]["raised"] = raised
    return facts


def smoke(module, facts, prefix=""):
    """Runs the smoke into `facts` (keys prefixed, for a second run in the same step); returns the
    expression's exception, if it raised, for the caller to file as that step files failures."""
    got = run_smoke(module, NAME, CONFIG.get("smoke"), CONFIG.get("smoke_script"), CONFIG.get("smoke_script_name"))
    failed = got.pop("smoke_exception", None)
    for k, v in got.items():
        facts[prefix + k] = v
    return failed


def root_of(so):
    """The folder to import from: the module's own, or its package's parent (`wordy._count`)."""
    root = os.path.dirname(so)
    for _ in range(NAME.count(".")):
        root = os.path.dirname(root)
    return root


def add_path(so):
    sys.path.insert(0, root_of(so))


# --- running one step in a child ---------------------------------------------------------------

def tail(path, lines=12):
    try:
        with open(path, "rb") as f:
            text = f.read()[-4000:].decode("utf-8", "replace")
        return "\n".join(text.strip().splitlines()[-lines:])
    except OSError:
        return ""


def read_lines(path):
    try:
        with open(path, "rb") as f:
            return [l for l in f.read().decode("utf-8", "replace").splitlines() if l]
    except OSError:
        return []


_step_counter = [0]


def start_child(label, fn, timeout=None):
    """Forks a child that runs fn() and writes its dict to a pipe; returns a handle for finish_child."""
    _step_counter[0] += 1
    base = os.path.join(WORK, "%03d-%s" % (_step_counter[0], label))
    h = {"log": base + ".log", "trace": base + ".trace", "started": time.monotonic()}
    h["deadline"] = h["started"] + (TIMEOUT if timeout is None else timeout)
    h["timeout"] = TIMEOUT if timeout is None else timeout
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 0
        try:
            # Its own process group: a step that times out goes with everything it started.
            os.setpgid(0, 0)
            os.close(r)
            log = os.open(h["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(log, 1)
            os.dup2(log, 2)
            faulthandler.enable()
            trace = os.open(h["trace"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            enable_trace(trace)
            result = fn()
        except BaseException as e:  # a bug in a probe, not in the module
            result = {"probe_error": "%s: %s" % (type(e).__name__, e)}
            code = 1
        try:
            os.write(w, json.dumps(result).encode())
        finally:
            os._exit(code)
    os.close(w)
    h["pid"], h["r"] = pid, r
    return h


def group_size(pgid):
    """How many processes are in the step's process group (a fork bomb is named by it)."""
    n = 0
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return 0
    for p in pids:
        try:
            if os.getpgid(int(p)) == pgid:
                n += 1
        except OSError:
            pass
    return n


def finish_child(h):
    """Waits for a child's report until its deadline; returns it, or what happened to the child instead."""
    chunks, timed_out, r = [], False, h["r"]
    while True:
        left = h["deadline"] - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([r], [], [], left)
        if not ready:
            continue
        data = os.read(r, 65536)
        if not data:
            break
        chunks.append(data)
    os.close(r)
    processes = 0
    if timed_out:
        processes = group_size(h["pid"])
        try:
            os.killpg(h["pid"], signal.SIGKILL)
        except OSError:
            pass
        try:
            os.kill(h["pid"], signal.SIGKILL)
        except OSError:
            pass
    _, status = os.waitpid(h["pid"], 0)
    if timed_out:
        out = {"timeout": h["timeout"], "processes": processes}
    elif os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            sig_name = signal.Signals(sig).name
        except ValueError:
            sig_name = "signal %d" % sig
        out = {"crash": sig_name, "log": tail(h["log"])}
    elif not chunks:
        out = {"exited": os.WEXITSTATUS(status), "log": tail(h["log"])}
    else:
        out = json.loads(b"".join(chunks).decode())
    effects = read_lines(h["trace"])
    if effects:
        out["effects"] = effects
    out["ms"] = int((time.monotonic() - h["started"]) * 1000)
    return out


def in_child(label, fn, timeout=None):
    return finish_child(start_child(label, fn, timeout))


def in_children(jobs, width):
    """Runs independent (label, fn) jobs, `width` at a time; results in the order given."""
    results = []
    for i in range(0, len(jobs), width):
        handles = [start_child(label, fn) for label, fn in jobs[i:i + width]]
        results.extend(finish_child(h) for h in handles)
    return results


def enable_trace(fd):
    # traceshim.so is preloaded by the verifier; without it (a bare run) there is nothing to enable.
    try:
        ctypes.CDLL(None).pep489_trace_enable(fd)
    except (AttributeError, OSError):
        pass


# --- the steps (each runs in a child) ----------------------------------------------------------

def step_multiphase():
    """Calls PyInit_<name> directly and reads what it returned (probe 3)."""
    lib = ctypes.PyDLL(CONFIG["so"])
    try:
        init = getattr(lib, "PyInit_" + NAME.rsplit(".", 1)[-1])
    except AttributeError:
        return {"returned": "missing"}
    # c_void_p, not py_object: the def is a static object handed out without a new reference.
    init.restype = ctypes.c_void_p
    init.argtypes = []
    try:
        addr = init()
    except BaseException as e:
        return {"returned": "raised", "exception": exc_facts(e)}
    if not addr:
        return {"returned": "null"}
    ptr = ctypes.sizeof(ctypes.c_void_p)
    head = object.__basicsize__  # ob_type is the last field of PyObject on every build
    ob_type = ctypes.c_void_p.from_address(addr + head - ptr).value
    def_type = ctypes.addressof(ctypes.c_char.in_dll(ctypes.pythonapi, "PyModuleDef_Type"))
    if ob_type == id(types.ModuleType):
        return {"returned": "module"}
    if ob_type != def_type:
        return {"returned": "other"}
    # PyModuleDef: PyModuleDef_Base (head, m_init, m_index, m_copy), m_name, m_doc, m_size, m_methods, m_slots
    base = addr + head + 3 * ptr
    m_name = ctypes.c_char_p.from_address(base).value
    m_size = ctypes.c_ssize_t.from_address(base + 2 * ptr).value
    slots_addr = ctypes.c_void_p.from_address(base + 4 * ptr).value
    slots = []
    if slots_addr:
        for i in range(64):
            entry = slots_addr + i * 2 * ptr
            slot_id = ctypes.c_int.from_address(entry).value
            if slot_id == 0:
                break
            value = ctypes.c_void_p.from_address(entry + ptr).value or 0
            slots.append([slot_id, value])
    return {
        "returned": "def",
        "m_name": m_name.decode("utf-8", "replace") if m_name else None,
        "m_size": m_size,
        "slots": slots,
    }


def step_import(so):
    add_path(so)
    try:
        module = importlib.import_module(NAME)
    except BaseException as e:
        return {"phase": "import", "exception": exc_facts(e)}
    facts = {"imported": True, "surface": surface(module)}
    failed = smoke(module, facts)
    if failed:
        facts["phase"] = "smoke"
        facts["exception"] = failed
    return facts


def foreign(value):
    """An object the module only passes on from elsewhere: another module (an imported `traceback`),
    or what another loaded module holds under the name its __module__ and __qualname__ give
    (`traceback.print_exception`, `builtins.ValueError`). It is the same object after any re-import,
    whether exec ran again or not, so it says nothing about exec."""
    if isinstance(value, types.ModuleType):
        return True
    try:
        owner = getattr(value, "__module__", None)
        qualname = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
        if not isinstance(owner, str) or owner == NAME or not isinstance(qualname, str):
            return False
        holder = sys.modules.get(owner)
        for part in qualname.split("."):
            holder = getattr(holder, part, None)
        return holder is value
    except Exception:  # an object whose attributes raise is the module's own
        return False


def kept_names(first, second):
    """Attributes that are the very same object after re-import: CPython's copy of a single-phase
    module's dict keeps them all; exec running again remakes them; a replayed first exec keeps what
    it added. Builtin functions from the method table are left out (a multi-phase module gets fresh
    ones bound to the new module either way), and so are objects from other modules (foreign)."""
    kept = []
    for k in dir(first):
        if k.startswith("__") and k.endswith("__"):
            continue
        a = getattr(first, k, None)
        if type(a).__name__ == "builtin_function_or_method":
            continue
        if a is not None and not isinstance(a, (int, float, str, bytes, bool)) and getattr(second, k, None) is a and not foreign(a):
            kept.append(k)
    return sorted(kept)


def step_reimport(so=None):
    """del sys.modules[name] and import again (probe 4); also run on the original, to compare."""
    add_path(so or CONFIG["so"])
    first = importlib.import_module(NAME)
    callables = {k: getattr(first, k) for k in dir(first) if callable(getattr(first, k)) and not isinstance(getattr(first, k), type)}
    del sys.modules[NAME]
    try:
        second = importlib.import_module(NAME)
    except ImportError as e:
        return {"guarded": exc_facts(e)}
    except BaseException as e:
        return {"exception": exc_facts(e)}
    facts = {
        "reimported": True,
        "fresh_module": second is not first,
        "same_functions": sorted(k for k, v in callables.items() if getattr(second, k, None) is v and not foreign(v)),
        "kept": kept_names(first, second),
    }
    failed = smoke(second, facts)
    if failed:
        facts["smoke_exception"] = failed
        return facts
    # A program that imports again drops the first module. CPython kept a single-phase module alive
    # for good; a multi-phase one nothing holds is freed, and a C global still pointing at it
    # (xxtea's `module`) then reads freed memory: the second must work with the first gone.
    del first, callables
    gc.collect()
    failed = smoke(second, facts, "dropped_")
    if failed:
        facts["dropped_exception"] = failed
        return facts
    # importlib.reload runs neither init nor exec again (cpython-facts.md): it must simply work.
    try:
        importlib.reload(second)
        facts["reloaded"] = True
    except BaseException as e:
        facts["reload_exception"] = exc_facts(e)
        return facts
    failed = smoke(sys.modules[NAME], facts, "reload_")
    if failed:
        facts["reload_exception"] = failed
    return facts


def step_threads(so=None):
    """The first import from 8 threads at once (a barrier, then import): one module, no exception."""
    import threading
    add_path(so or CONFIG["so"])
    barrier = threading.Barrier(8)
    got, errors = [], []

    def worker():
        try:
            barrier.wait()
            got.append(id(importlib.import_module(NAME)))
        except BaseException as e:
            errors.append(exc_facts(e))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"modules": len(set(got)), "imports": len(got), "errors": errors[:3]}


SUBINTERP_CODE = """
import json, os, sys
sys.path[0:0] = [%(dir)r] + %(path)r
%(run_smoke)s
res = {}
try:
    import importlib
    m = importlib.import_module(%(name)r)
    res['imported'] = True
except BaseException as e:
    # A package whose __init__ falls back when its extension module cannot load (fibers tries a
    # pure-Python twin) ends with another error: the refusal that started it is the verdict.
    cause, seen = e, set()
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ImportError) and 'does not support loading in subinterpreters' in str(cause):
            e = cause
            break
        cause = cause.__cause__ or cause.__context__
    res['exception'] = {'type': type(e).__name__, 'msg': str(e)[:500]}
else:
    res.update(run_smoke(m, %(name)r, %(smoke)r, %(script)r, %(script_name)r))
os.write(%(fd)d, json.dumps(res).encode())
"""


def in_subinterpreter(so, run):
    """Runs SUBINTERP_CODE for the module built at `so` through `run(code)`, which creates the
    subinterpreter and returns None, or the facts to report instead (a failure, "unavailable"); then
    reads back what the code wrote to the pipe."""
    r, w = os.pipe()
    code = SUBINTERP_CODE % {
        "dir": root_of(so),
        "path": CONFIG.get("path") or [],
        "name": NAME,
        "run_smoke": inspect.getsource(run_smoke),
        "smoke": CONFIG.get("smoke"),
        "script": CONFIG.get("smoke_script"),
        "script_name": CONFIG.get("smoke_script_name"),
        "fd": w,
    }
    try:
        instead = run(code)
    finally:
        os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    if instead is not None:
        return instead
    return json.loads(data.decode()) if data else {"probe_error": "the subinterpreter reported nothing"}


def run_with_config(config_args, config_kwargs=None):
    """3.13+: run the code in an `_interpreters` subinterpreter made from new_config(...)."""
    def run(code):
        import _interpreters
        interp = _interpreters.create(_interpreters.new_config(*config_args, **(config_kwargs or {})))
        try:
            failure = _interpreters.exec(interp, code)
        finally:
            _interpreters.destroy(interp)
        return None if failure is None else {"probe_error": getattr(failure, "formatted", str(failure))}
    return run


def step_subinterpreter(kind):
    """Imports the module in a strict (shared GIL) or isolated (own GIL) subinterpreter (probe 5)."""
    if sys.version_info >= (3, 13):
        run = run_with_config(("legacy",), {"check_multi_interp_extensions": True}) if kind == "strict" else run_with_config(("isolated",))
    elif kind == "strict":
        def run(code):
            try:
                import _testcapi
                run_config = _testcapi.run_in_subinterp_with_config
            except (ImportError, AttributeError):
                return {"unavailable": "this CPython has no _testcapi.run_in_subinterp_with_config"}
            flags = dict(use_main_obmalloc=True, allow_fork=True, allow_exec=True, allow_threads=True,
                         allow_daemon_threads=True, check_multi_interp_extensions=True)
            try:
                run_config(code, gil=1, **flags)  # 1: PyInterpreterConfig_SHARED_GIL
            except TypeError:
                run_config(code, own_gil=False, **flags)
            return None
    else:
        def run(code):
            import _xxsubinterpreters
            interp = _xxsubinterpreters.create(isolated=True)
            try:
                _xxsubinterpreters.run_string(interp, code)
            finally:
                _xxsubinterpreters.destroy(interp)
            return None
    return in_subinterpreter(CONFIG["so"], run)


def step_legacy(so):
    """The main interpreter imports the module, then a legacy (shared-GIL, not strict) subinterpreter
    imports it and runs the smoke: what mod_wsgi and plugin hosts do. Run on the original too."""
    add_path(so)
    importlib.import_module(NAME)
    if sys.version_info >= (3, 13):
        return in_subinterpreter(so, run_with_config(("legacy",)))

    def run(code):
        try:
            import _testcapi
            run_legacy = _testcapi.run_in_subinterp
        except (ImportError, AttributeError):
            return {"unavailable": "this CPython has no _testcapi.run_in_subinterp"}
        run_legacy(code)
        return None
    return in_subinterpreter(so, run)


def step_gil():
    """On a free-threaded build: does importing the module re-enable the GIL (probe 7)?"""
    import warnings
    add_path(CONFIG["so"])
    before = sys._is_gil_enabled()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            importlib.import_module(NAME)
        except BaseException as e:
            return {"exception": exc_facts(e)}
    return {"before": before, "after": sys._is_gil_enabled(), "warnings": [str(w.message)[:300] for w in caught]}


# --- fault injection (probe 6) -----------------------------------------------------------------

def refs_from_referrers(module):
    """References to the module held by objects the collector can see (functions, types, dicts)."""
    total = 0
    for holder in gc.get_referrers(module):
        total += sum(1 for x in gc.get_referents(holder) if x is module)
    return total


def watch_exec(record):
    """Wraps the loader's exec_module to measure the module's reference count around exec."""
    loader = importlib.machinery.ExtensionFileLoader
    original = loader.exec_module

    def exec_module(self, module):
        if module.__name__ != NAME:
            return original(self, module)
        held = refs_from_referrers(module)
        before = sys.getrefcount(module)
        try:
            original(self, module)
        except BaseException as e:
            # The traceback's frames hold the module; drop them before counting.
            e.__traceback__ = None
            record["delta"] = sys.getrefcount(module) - before
            record["explained"] = refs_from_referrers(module) - held
            raise
        record["delta"] = sys.getrefcount(module) - before
        record["explained"] = refs_from_referrers(module) - held

    loader.exec_module = exec_module


def step_fault(n, so=None):
    """Imports with the nth wrapped C-API call failing (n = 0: none fails, calls are only counted)."""
    so = so or CONFIG["so"]
    lib = ctypes.PyDLL(so)
    add_path(so)
    record = {"n": n}
    watch_exec(record)
    lib.pep489_fault_call_name.restype = ctypes.c_char_p
    lib.pep489_fault_call_name.argtypes = [ctypes.c_long]
    lib.pep489_fault_arm.argtypes = [ctypes.c_long]
    lib.pep489_fault_disarm.restype = ctypes.c_long
    lib.pep489_fault_arm(n)
    try:
        importlib.import_module(NAME)
        record["imported"] = True
    except BaseException as e:
        record["exception"] = exc_facts(e)
        cause = e.__cause__ or e.__context__
        if cause is not None:
            record["cause"] = exc_facts(cause)
    calls = lib.pep489_fault_disarm()
    record["calls"] = calls
    if n == 0:
        record["names"] = [(lib.pep489_fault_call_name(i) or b"?").decode() for i in range(1, min(calls, 512) + 1)]
    elif n <= calls:
        record["failed"] = (lib.pep489_fault_call_name(n) or b"?").decode()
    return record


def run_faults(limit, counted=None):
    counted = counted or in_child("faults-0", lambda: step_fault(0))
    runs = []
    if "calls" in counted:
        jobs = [("fault-%d" % n, lambda n=n: step_fault(n)) for n in range(1, min(counted["calls"], limit) + 1)]
        for n, run in enumerate(in_children(jobs, WIDTH), 1):
            run.setdefault("n", n)
            runs.append(run)
    result = {"count": counted, "runs": runs}
    suspects = [r for r in runs if mishandled(r)]
    if suspects and CONFIG.get("original"):
        result["original"] = same_faults_in_original(counted.get("names", []), suspects)
    return result


def mishandled(run):
    """A failing call the module did not turn into an exception: it crashed, hung, or returned NULL
    without an error set (SystemError). judge.ts has the same rule; this one only decides which
    calls are worth failing in the original too."""
    if any(k in run for k in ("timeout", "crash", "exited", "probe_error")):
        return True
    e = run.get("exception")
    return bool(e) and e.get("type") == "SystemError" and "pep489-codemod injected failure" not in e.get("msg", "")


def same_faults_in_original(names, suspects):
    """Fails the same calls in the single-phase original, matched by name and occurrence (the kth
    PyDict_New is the kth PyDict_New in both: the original makes its calls in the same order, plus
    those the conversion removed), so that a mishandled failure the original already had is told
    apart from one the conversion brought in."""
    so = CONFIG["original"]
    counted = in_child("faults-original-0", lambda: step_fault(0, so))
    original_names = counted.get("names", [])
    jobs = []
    for r in suspects:
        n = r["n"]
        if n > len(names):
            continue
        name = names[n - 1]
        k = names[:n].count(name)
        hits = [i + 1 for i, x in enumerate(original_names) if x == name]
        if len(hits) >= k:
            m = hits[k - 1]
            jobs.append((n, ("fault-original-%d" % m, lambda m=m: step_fault(m, so))))
    runs = []
    for (n, _), run in zip(jobs, in_children([job for _, job in jobs], WIDTH)):
        run["for_n"] = n
        runs.append(run)
    return {"count": counted, "runs": runs}


# --- main --------------------------------------------------------------------------------------

def step_job(step):
    if step == "multiphase":
        return step_multiphase
    if step == "import":
        return lambda: step_import(CONFIG["so"])
    if step in ("original", "original-again"):
        # original-again: a second first import of the original, to see which smoke output lines
        # change from run to run (timings, ids) and so cannot be compared.
        return lambda: step_import(CONFIG["original"])
    if step == "reimport":
        return lambda: step_reimport(CONFIG["so"])
    if step == "original-reimport":
        return lambda: step_reimport(CONFIG["original"])
    if step == "threads":
        return lambda: step_threads(CONFIG["so"])
    if step == "original-threads":
        return lambda: step_threads(CONFIG["original"])
    if step == "legacy":
        return lambda: step_legacy(CONFIG["so"])
    if step == "original-legacy":
        return lambda: step_legacy(CONFIG["original"])
    if step in ("strict", "isolated"):
        return lambda: step_subinterpreter(step)
    if step == "gil":
        return step_gil
    if step == "faults":
        return lambda: step_fault(0)  # the counting run; the failing runs follow from it
    return lambda: {"probe_error": "unknown step %s" % step}


def hung(result):
    return "timeout" in result or any("timeout" in r for r in result.get("runs", []))


def main():
    limit_memory()
    # --pythonpath: after the module's own folder (add_path puts that first), before the rest.
    sys.path[0:0] = CONFIG.get("path") or []
    if NAME in sys.builtin_module_names:
        # Importing the name finds the built-in first (the faulthandler backport): every verdict
        # would be about CPython's module, not this build.
        emit({"step": "import", "phase": "import", "exception": {"type": "ImportError", "msg": "%s is a built-in module of this CPython: importing the name gives the built-in, not this build, so it cannot be verified here" % NAME}})
        emit({"stopped": "the module's name is taken by a built-in module"})
        return
    os.makedirs(WORK, exist_ok=True)
    steps = CONFIG["steps"]
    # PyInit alone and the import every other step depends on, side by side; after the import
    # works, the rest are independent and run side by side too.
    first = [s for s in steps if s in ("multiphase", "import")]
    for step, result in zip(first, in_children([(s, step_job(s)) for s in first], WIDTH)):
        result["step"] = step
        emit(result)
        if hung(result):
            emit({"stopped": "timed out in step %s" % step})
            return
        if step == "import" and not result.get("imported"):
            # Whether the original imports here tells a conversion's fault from this CPython's.
            if "original" in steps:
                original = in_child("original", step_job("original"))
                original["step"] = "original"
                emit(original)
            emit({"stopped": "the module does not import"})
            return
    rest = [s for s in steps if s not in ("multiphase", "import")]
    results = in_children([(s, step_job(s)) for s in rest], WIDTH)
    stopped = None
    for step, result in zip(rest, results):
        if step == "faults" and not hung(result):
            result = run_faults(int(CONFIG.get("fault_limit", 200)), counted=result)
        elif step == "faults":
            result = {"count": result, "runs": []}
        result["step"] = step
        emit(result)
        if hung(result) and not stopped:
            stopped = "timed out in step %s" % step
    emit({"stopped": stopped} if stopped else {"done": True})


main()
