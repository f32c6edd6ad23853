"""Two extension modules of one package: _api imports _core when it initialises."""
from duo._api import twice

__all__ = ["twice"]
