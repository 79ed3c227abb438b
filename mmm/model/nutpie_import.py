"""Import nutpie without importing all of ArviZ.

nutpie's sampling module runs ``import arviz`` and uses two of its functions, ``from_dict`` and
``dict_to_dataset``, which ArviZ 1.x takes from ``arviz_base``. The ``arviz`` package also
imports ``arviz_stats`` and ``arviz_plots`` (with SciPy's statistics, Matplotlib and Plotly):
0.7-0.9 s of every ``mmm fit`` process, which uses none of them (its diagnostics are
:mod:`mmm.model.convergence`).

:func:`import_nutpie` imports nutpie while a stand-in ``arviz`` module is in ``sys.modules`` and
takes the stand-in out again afterwards, so only nutpie's module holds it and any later
``import arviz`` gets the real package. The stand-in answers with ``arviz_base``'s object for
every name ``arviz_base`` has (the objects the real ``arviz`` exports under those names) and
imports the real ArviZ for any other name.
"""

from __future__ import annotations

import importlib
import sys
import types


class _ArvizBaseFirst(types.ModuleType):
    """``arviz`` as nutpie sees it: ``arviz_base``'s names, the real package for the rest."""

    def __getattr__(self, name: str) -> object:
        import arviz_base

        if not name.startswith("__") and hasattr(arviz_base, name):
            return getattr(arviz_base, name)
        real = sys.modules.get("arviz")
        if real is None or real is self:
            sys.modules.pop("arviz", None)
            real = importlib.import_module("arviz")
        return getattr(real, name)


def import_nutpie() -> types.ModuleType:
    """The ``nutpie`` module, imported (the first time) without all of ArviZ.

    Call it before any ``import nutpie`` or ``from nutpie... import ...`` in mmm; it is cheap
    once nutpie is imported. Where ``arviz`` is imported already, nutpie simply uses it.

    Returns
    -------
    module
        ``nutpie``.
    """
    if "nutpie" in sys.modules or "arviz" in sys.modules:
        return importlib.import_module("nutpie")
    sys.modules["arviz"] = _ArvizBaseFirst("arviz")
    try:
        return importlib.import_module("nutpie")
    finally:
        if isinstance(sys.modules.get("arviz"), _ArvizBaseFirst):
            del sys.modules["arviz"]
