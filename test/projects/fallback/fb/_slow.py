from _a_module_only_pypy_has import add  # noqa: F401
