"""Let xarray tell Dask arrays apart without importing Dask until something else does.

xarray asks of every array it wraps whether it is a Dask array, and answers by importing
``dask.array`` (0.3 s with its SciPy modules, about a tenth of a warm refit's process) whenever
Dask is installed, even though no Dask array can exist before ``dask.array`` is imported.
:func:`defer_dask_import` gives xarray that answer: no Dask array type while ``dask.array`` is
not imported, the real one as soon as it is (a Dask cluster, a user's own Dask code).
"""

from __future__ import annotations

import sys


class _DaskWhenImported:
    """Stands in xarray's cache for its record of the ``dask`` duck-array module.

    ``type`` is read from ``sys.modules`` at each call; anything else (``module``,
    ``version``, ``available``) is the record xarray itself makes, made on first use.
    """

    def __init__(self, make_record) -> None:
        self._make_record = make_record
        self._record = None

    @property
    def type(self) -> tuple[type, ...]:
        array = getattr(sys.modules.get("dask.array"), "Array", None)
        return (array,) if isinstance(array, type) else ()

    def __getattr__(self, name: str) -> object:
        if name.startswith("_"):  # not set yet (a copy being made): no record to ask
            raise AttributeError(name)
        if self._record is None:
            self._record = self._make_record("dask")
        return getattr(self._record, name)


def defer_dask_import() -> bool:
    """Make xarray's test for Dask arrays import nothing while ``dask.array`` is not imported.

    Returns
    -------
    bool
        Whether the test was changed: False when xarray no longer keeps the cache this relies
        on, or has already imported Dask for it (nothing is changed then).
    """
    try:
        from xarray.namedarray import pycompat
    except ImportError:
        return False
    cache = getattr(pycompat, "_cached_duck_array_modules", None)
    record = getattr(pycompat, "DuckArrayModule", None)
    if not isinstance(cache, dict) or record is None or "dask" in cache:
        return False
    cache["dask"] = _DaskWhenImported(record)
    return True
