"""A posterior written to NetCDF as ``DataTree.to_netcdf(engine="h5netcdf")`` writes it, without
asking dask for its scheduler.

Before writing, xarray asks dask which scheduler is active, to choose a lock for dask arrays,
and dask imports ``distributed`` to answer: 0.1-0.2 s of every ``mmm fit`` process, for a
posterior that holds NumPy arrays only. :func:`write_tree` writes such a tree group by group
through xarray's h5netcdf store, as ``to_netcdf`` does, with no lock (the file is new and this
process its only writer); a tree holding any dask array goes through ``to_netcdf`` itself.
"""

from __future__ import annotations

from pathlib import Path

import xarray as xr
from xarray.backends import H5NetCDFStore


def write_tree(tree: xr.DataTree, path: str | Path) -> None:
    """Write ``tree`` to a new NetCDF-4 file at ``path`` (read it with ``xr.open_datatree``).

    Parameters
    ----------
    tree : xarray.DataTree
    path : str or Path
        Replaced if it exists.
    """
    if any(v.chunks is not None for node in tree.subtree for v in node.variables.values()):
        tree.to_netcdf(path, engine="h5netcdf")
        return
    store = H5NetCDFStore.open(str(path), mode="w", lock=False)
    try:
        for node in tree.subtree:
            at_root = node is tree
            target = store if at_root else store.get_child_store(node.path)
            node.to_dataset(inherit=at_root).dump_to_store(target)
    finally:
        store.close()
