"""xarray's test for Dask arrays without importing Dask (``mmm.lazy_dask``), in fresh processes."""

from __future__ import annotations

import subprocess
import sys


def _run(script: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_wrapping_numpy_arrays_no_longer_imports_dask() -> None:
    out = _run(
        "import sys\n"
        "import numpy as np\n"
        "from mmm.lazy_dask import defer_dask_import\n"
        "print('changed:', defer_dask_import())\n"
        "import xarray as xr\n"
        "array = xr.DataArray(np.arange(3.0), dims='x')\n"
        "print('sum:', float(array.sum()), 'chunks:', array.chunks)\n"
        "print('dask.array imported:', 'dask.array' in sys.modules)\n"
        "print('again:', defer_dask_import())\n"
    )
    assert "changed: True" in out
    assert "sum: 3.0 chunks: None" in out
    assert "dask.array imported: False" in out
    assert "again: False" in out


def test_dask_arrays_are_still_dask_arrays_once_dask_is_imported() -> None:
    out = _run(
        "import numpy as np\n"
        "from mmm.lazy_dask import defer_dask_import\n"
        "defer_dask_import()\n"
        "import xarray as xr\n"
        "xr.DataArray(np.zeros(2))\n"
        "import dask.array as da\n"
        "array = xr.DataArray(da.ones(4, chunks=2), dims='x')\n"
        "print('chunks:', array.chunks, 'sum:', float(array.sum().compute()))\n"
        "from xarray.namedarray.pycompat import mod_version\n"
        "print('version read:', mod_version('dask').major > 0)\n"
    )
    assert "chunks: ((2, 2),) sum: 4.0" in out
    assert "version read: True" in out


def test_nothing_changes_once_xarray_has_imported_dask() -> None:
    out = _run(
        "import numpy as np\n"
        "import xarray as xr\n"
        "xr.DataArray(np.zeros(2))\n"
        "from mmm.lazy_dask import defer_dask_import\n"
        "print('changed:', defer_dask_import())\n"
    )
    assert "changed: False" in out
