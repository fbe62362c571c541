"""Lazy public names for packages whose modules import heavy libraries (torch, simpy, duckdb).

A front declares ``_EXPORTS`` (public name -> module) and sets
``__getattr__, __dir__ = lazy_front(__name__, _EXPORTS)``: importing the package stays cheap,
while ``dir()``, tab completion and ``help()`` list every public name.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_getattr(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``exports[name]`` (a module path) on first use."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # later lookups skip __getattr__
        return value

    return __getattr__


def lazy_front(
    package: str, exports: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for a front whose public names are the keys of ``exports``."""

    def __dir__() -> list[str]:
        # the public names only: not the submodules or the helpers the front itself imports
        listed = getattr(sys.modules[package], "__all__", ())
        return sorted(set(exports) | set(listed))

    return lazy_getattr(package, exports), __dir__
