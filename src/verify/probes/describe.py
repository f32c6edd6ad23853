# Prints, as one JSON object, what the verifier needs to know about the interpreter running it.
# Runs on any Python (2.7 too), so that an interpreter too old to use can be named and skipped.
import json
import os
import platform
import shlex
import sys
import sysconfig


def var(name):
    value = sysconfig.get_config_var(name)
    return "" if value is None else str(value)


paths = sysconfig.get_paths()
include = paths.get("include") or ""
platinclude = paths.get("platinclude") or include
ext_suffix = var("EXT_SUFFIX") or var("SO")
print(json.dumps({
    "implementation": platform.python_implementation(),
    "version": platform.python_version(),
    "major": sys.version_info[0],
    "minor": sys.version_info[1],
    "executable": sys.executable,
    "realExecutable": os.path.realpath(sys.executable),
    "includeDir": include,
    "platIncludeDir": platinclude,
    "hasHeaders": os.path.isfile(os.path.join(include, "Python.h")),
    "extSuffix": ext_suffix,
    "freeThreaded": var("Py_GIL_DISABLED") == "1",
    "debug": var("Py_DEBUG") == "1",
    "cc": shlex.split(var("CC")),
    "cxx": shlex.split(var("CXX")),
    "cflags": shlex.split(var("CFLAGS")),
    "ccshared": shlex.split(var("CCSHARED")),
    "ldshared": shlex.split(var("LDSHARED")),
}))
