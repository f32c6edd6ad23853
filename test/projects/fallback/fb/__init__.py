"""A package that falls back to a pure-Python twin when its extension module cannot load (as fibers
does): in a subinterpreter that refuses the module, the error that ends the import is the twin's."""
try:
    from fb._speed import add
except ImportError:
    from fb._slow import add
