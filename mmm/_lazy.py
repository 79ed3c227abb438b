"""Lazy package exports (PEP 562): importing a package does not import all its modules."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``name`` from its submodule on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : dict of str -> str
        Exported name -> submodule (relative to ``package``) that defines it.

    Returns
    -------
    callable
        Assign it to the package's ``__getattr__``.
    """

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module '{package}' has no attribute '{name}'")
        value = getattr(importlib.import_module(f"{package}.{exports[name]}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
