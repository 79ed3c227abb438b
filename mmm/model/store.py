"""Save and load fitted models in ``models/<name>/``, atomically and with a format version.

A model folder holds:

* ``posterior.nc``: the posterior and sample stats (NetCDF, ArviZ 1.x DataTree layout);
* ``config.yaml``: the resolved configuration;
* ``data.csv``: the data the model was fitted on (analysis never needs the original file);
* ``summary.json``: diagnostics, fit quality and per-channel spend / contribution / ROI / mROI;
* ``meta.json``: format version, mmm version, scales and diagnostics;
* ``lift_tests.csv``: the lift tests the model was calibrated with, when there were any.

Saving writes everything into a temporary sibling folder and swaps it in with renames, so an
error or an interrupt (Ctrl-C, SIGTERM; held back during the renames) leaves any earlier model
in place.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import xarray as xr
import yaml

from mmm import __version__
from mmm.errors import MmmError
from mmm.experiments.records import read_records, write_records
from mmm.interrupts import deferred_interrupts
from mmm.model.build import Scales
from mmm.model.config import Config, parse_config
from mmm.model.data import dataset_from_frame
from mmm.model.fit import Diagnostics, FittedModel

FORMAT_VERSION = 1
FILES = ("posterior.nc", "config.yaml", "data.csv", "summary.json", "meta.json")
#: Present when the model was calibrated with lift tests.
LIFT_TESTS = "lift_tests.csv"


def save_model(fitted: FittedModel, directory: str | Path, summary: dict | None = None) -> Path:
    """Write a fitted model to ``directory`` atomically.

    Parameters
    ----------
    fitted : FittedModel
    directory : str or Path
        Target folder; an existing model there is replaced only once the new one is complete.
    summary : dict, optional
        The ``summary.json`` content; :func:`mmm.analysis.summary.summary_dict` if omitted.

    Returns
    -------
    Path
        The model folder.
    """
    from mmm.analysis.summary import summary_dict

    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    summary = summary_dict(fitted) if summary is None else summary
    with _staging(directory) as staging:
        fitted.idata.to_netcdf(staging / "posterior.nc", engine="h5netcdf")
        (staging / "config.yaml").write_text(fitted.config.to_yaml())
        frame = fitted.dataset.to_frame(
            fitted.config.data.date_column, fitted.config.data.target_column
        )
        frame = frame.rename(columns={c.name: c.spend_column for c in fitted.config.channels})
        frame.to_csv(staging / "data.csv", index=False, date_format="%Y-%m-%d")
        if fitted.lift_records:
            write_records(fitted.lift_records, staging / LIFT_TESTS)
        _write_json(staging / "summary.json", summary)
        _write_json(
            staging / "meta.json",
            {
                "format_version": FORMAT_VERSION,
                "mmm_version": __version__,
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "source_data": str(fitted.config.data.path),
                "scales": fitted.scales.to_dict(),
                "diagnostics": fitted.diagnostics.to_dict(),
            },
        )
    return directory


def load_model(directory: str | Path) -> FittedModel:
    """Load a model folder written by :func:`save_model`.

    Raises
    ------
    MmmError
        If the folder is missing, incomplete or written by an incompatible format version.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise MmmError(
            "model folder not found (fit one with `mmm fit CONFIG`)", source=str(directory)
        )
    missing = [f for f in FILES if not (directory / f).is_file()]
    if missing:
        raise MmmError(
            f"not a complete model folder; missing {', '.join(missing)}", source=str(directory)
        )
    meta = json.loads((directory / "meta.json").read_text())
    if meta.get("format_version") != FORMAT_VERSION:
        raise MmmError(
            f"model format version {meta.get('format_version')} is not supported by this mmm "
            f"(expects {FORMAT_VERSION}); refit the model",
            source=str(directory / "meta.json"),
        )
    config = _load_config(directory / "config.yaml")
    frame = pd.read_csv(directory / "data.csv")
    dataset = dataset_from_frame(frame, config, source=str(directory / "data.csv"))
    with xr.open_datatree(directory / "posterior.nc", engine="h5netcdf") as tree:
        idata = tree.load()
    diagnostics = Diagnostics(**meta["diagnostics"])
    lift_path = directory / LIFT_TESTS
    lift_records = read_records(lift_path) if lift_path.is_file() else []
    return FittedModel(
        config, dataset, idata, Scales.from_dict(meta["scales"]), diagnostics, lift_records
    )


def _load_config(path: Path) -> Config:
    raw = yaml.safe_load(path.read_text())
    return parse_config(raw, source=str(path))


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, allow_nan=True) + "\n")


class _staging:
    """Context manager: a temporary sibling folder that replaces ``target`` on success."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.path: Path | None = None

    def __enter__(self) -> Path:
        self.path = Path(
            tempfile.mkdtemp(prefix=f".{self.target.name}.tmp-", dir=self.target.parent)
        )
        return self.path

    def __exit__(self, exc_type: type | None, exc: object, tb: object) -> bool:
        old = self.target.with_name(f".{self.target.name}.old-{os.getpid()}")
        try:
            if exc_type is None:
                # A stop signal during the two renames is held back; if one came, the earlier
                # model goes back in place before the interrupt is delivered.
                with deferred_interrupts() as pending:
                    had_old = self._swap(old)
                    if pending:
                        os.replace(self.target, self.path)
                        if had_old:
                            os.replace(old, self.target)
        finally:
            shutil.rmtree(self.path, ignore_errors=True)
            if self.target.exists():  # else ``old`` is the only copy of the earlier model
                shutil.rmtree(old, ignore_errors=True)
        return False

    def _swap(self, old: Path) -> bool:
        """Move the target (if any) to ``old`` and the staging folder to the target."""
        had_old = self.target.exists()
        if had_old:
            os.replace(self.target, old)
        try:
            os.replace(self.path, self.target)
        except BaseException:
            if had_old:
                os.replace(old, self.target)
            raise
        return had_old
