"""write_tree writes the file DataTree.to_netcdf writes, without importing distributed."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import xarray as xr

from mmm.model.netcdf import write_tree


def _tree(rng: np.random.Generator) -> xr.DataTree:
    posterior = xr.Dataset(
        {
            "beta": (("chain", "draw", "channel"), rng.normal(size=(2, 5, 3))),
            "sigma": (("chain", "draw"), rng.gamma(2.0, size=(2, 5))),
            "empty": (("chain", "draw", "unused"), np.zeros((2, 5, 0))),
        },
        coords={"chain": [0, 1], "draw": np.arange(5), "channel": ["tv", "search", "radio"]},
        attrs={"mmm_compile_backend": "numba"},
    )
    stats = xr.Dataset({"diverging": (("chain", "draw"), rng.random((2, 5)) < 0.2)})
    tree = xr.DataTree.from_dict({"posterior": posterior, "sample_stats": stats})
    tree.attrs["created_by"] = "test"
    return tree


def test_the_file_reads_back_as_to_netcdfs_does(tmp_path, rng) -> None:
    tree = _tree(rng)
    write_tree(tree, tmp_path / "ours.nc")
    tree.to_netcdf(tmp_path / "xarrays.nc", engine="h5netcdf")
    ours = xr.open_datatree(tmp_path / "ours.nc", engine="h5netcdf").load()
    theirs = xr.open_datatree(tmp_path / "xarrays.nc", engine="h5netcdf").load()
    assert ours.identical(theirs)
    assert ours.identical(tree)
    assert ours["posterior"]["channel"].values.tolist() == ["tv", "search", "radio"]


def test_writing_imports_no_distributed(tmp_path) -> None:
    code = (
        "import sys, numpy as np, xarray as xr\n"
        "from mmm.model.netcdf import write_tree\n"
        "tree = xr.DataTree.from_dict({'posterior': xr.Dataset({'a': ('draw', np.ones(3))})})\n"
        f"write_tree(tree, {str(tmp_path / 'a.nc')!r})\n"
        "print('distributed' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
