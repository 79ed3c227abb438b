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
in place. Loading reports a damaged folder (a missing, truncated or unparsable file, missing
keys, a newer format) as one :class:`~mmm.errors.MmmError` naming the file, with the advice to
refit.
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

from mmm import __version__
from mmm.errors import MmmError
from mmm.experiments.records import LiftRecord, read_records, write_records
from mmm.interrupts import deferred_interrupts
from mmm.model.build import Scales
from mmm.model.config import Config, parse_config
from mmm.model.data import Dataset, dataset_from_frame, text_columns
from mmm.model.fit import Diagnostics, FittedModel
from mmm.model.netcdf import write_tree
from mmm.yaml_io import read_yaml

FORMAT_VERSION = 1
FILES = ("posterior.nc", "config.yaml", "data.csv", "summary.json", "meta.json")
#: Present when the model was calibrated with lift tests.
LIFT_TESTS = "lift_tests.csv"
#: Keys every ``meta.json`` and ``summary.json`` of this format holds.
META_KEYS = ("format_version", "scales", "diagnostics")
SUMMARY_KEYS = (
    "model", "period", "interval", "draws", "diagnostics", "warnings", "fit", "channels",
)  # fmt: skip
#: The advice that ends every message about a damaged model folder.
REFIT = "refit the model with `mmm fit CONFIG`"


def check_writable_target(directory: str | Path) -> Path:
    """Refuse to save over something that is not a model folder.

    Saving replaces an existing model folder as a whole, so a target that exists must be one
    (a folder with ``meta.json``); anything else there (a data folder, a file) is kept and the
    save refused. :func:`save_model` checks this, and ``mmm fit`` checks it before sampling.

    Parameters
    ----------
    directory : str or Path

    Returns
    -------
    Path

    Raises
    ------
    MmmError
        When ``directory`` exists and is not a model folder.
    """
    directory = Path(directory)
    if directory.exists() or directory.is_symlink():
        if not directory.is_dir() or directory.is_symlink():
            problem = "exists and is not a folder"
        elif any(directory.iterdir()) and not (directory / "meta.json").is_file():
            problem = "is a folder that is not an mmm model (no meta.json); its files would be lost"
        else:
            return directory
        raise MmmError(f"{problem}; choose another --output or move it away", source=str(directory))
    return directory


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

    directory = check_writable_target(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    summary = summary_dict(fitted) if summary is None else summary
    with _staging(directory) as staging:
        write_tree(fitted.idata, staging / "posterior.nc")
        (staging / "config.yaml").write_text(fitted.config.to_yaml())
        data_config = fitted.config.data
        frame = fitted.dataset.to_frame(
            data_config.date_column, data_config.target_column, data_config.population_column
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

    Parameters
    ----------
    directory : str or Path
        The model folder, e.g. ``models/example``.

    Returns
    -------
    FittedModel

    Raises
    ------
    MmmError
        Naming the file and what is wrong with it when the folder is missing or incomplete, a
        file is truncated, unreadable or lacks required keys, or the folder was written by a
        newer mmm; the message ends with the advice to refit (or to upgrade mmm).
    """
    directory = _model_folder(directory)
    meta_path = directory / "meta.json"
    meta = _read_meta(meta_path)
    read_summary(directory)  # every command that loads a model reports a damaged summary
    config = _read_config(directory / "config.yaml")
    dataset = _read_data(directory / "data.csv", config)
    idata = _read_posterior(directory / "posterior.nc")
    try:
        scales = Scales.from_dict(meta["scales"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _damaged(meta_path, f"'scales' is malformed ({_first_line(exc)})") from None
    try:
        diagnostics = Diagnostics(**meta["diagnostics"])
    except TypeError as exc:
        raise _damaged(meta_path, f"'diagnostics' is malformed ({_first_line(exc)})") from None
    lift_path = directory / LIFT_TESTS
    lift_records = _read_lift_tests(lift_path) if lift_path.is_file() else []
    return FittedModel(config, dataset, idata, scales, diagnostics, lift_records)


def read_summary(directory: str | Path) -> dict:
    """The ``summary.json`` of a model folder, checked for the keys the summary always has.

    Parameters
    ----------
    directory : str or Path
        A model folder written by :func:`save_model`.

    Returns
    -------
    dict
        The content of ``summary.json`` (see :func:`mmm.analysis.summary.summary_dict`).

    Raises
    ------
    MmmError
        If the folder is missing or incomplete, or ``summary.json`` is not valid JSON or lacks a
        required key.
    """
    return _read_json(_model_folder(directory) / "summary.json", SUMMARY_KEYS)


def _model_folder(directory: str | Path) -> Path:
    """``directory`` as a Path, once it is known to hold every file of a model folder."""
    directory = Path(directory)
    if not directory.is_dir():
        raise MmmError(
            "model folder not found (fit one with `mmm fit CONFIG`)", source=str(directory)
        )
    missing = [f for f in FILES if not (directory / f).is_file()]
    if missing:
        files = f"{missing[0]} is" if len(missing) == 1 else f"{', '.join(missing)} are"
        raise _damaged(directory, f"not a complete model folder: {files} missing")
    return directory


def _read_meta(path: Path) -> dict:
    """``meta.json``, with its format version checked before anything else in it is trusted."""
    meta = _read_json(path, ())
    version = meta.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise MmmError(
            f"written by a newer mmm (format {version}, this mmm reads {FORMAT_VERSION}); "
            f"upgrade mmm or refit (`mmm fit CONFIG`)",
            source=str(path),
        )
    _require_keys(path, meta, META_KEYS)
    if version != FORMAT_VERSION:
        raise _damaged(
            path, f"format version {version!r} is not one this mmm reads ({FORMAT_VERSION})"
        )
    return meta


def _read_json(path: Path, required: tuple[str, ...]) -> dict:
    """A JSON object from ``path`` holding the ``required`` keys."""
    try:
        data = json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        raise _damaged(
            path, f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    except UnicodeDecodeError:
        raise _damaged(path, "not valid JSON (not UTF-8 text)") from None
    except OSError as exc:
        raise _damaged(path, f"cannot be read ({_first_line(exc)})") from None
    if not isinstance(data, dict):
        raise _damaged(path, f"not valid: expected a JSON object, found {type(data).__name__}")
    _require_keys(path, data, required)
    return data


def _require_keys(path: Path, data: dict, required: tuple[str, ...]) -> None:
    missing = [key for key in required if key not in data]
    if missing:
        raise _damaged(path, f"lacks required keys: {', '.join(missing)}")


def _read_config(path: Path) -> Config:
    try:
        raw = read_yaml(path)
    except MmmError as exc:
        raise _damaged(path, exc.message) from None
    if not isinstance(raw, dict):
        raise _damaged(path, "not a configuration: expected a mapping of settings")
    try:
        return parse_config(raw, source=str(path))
    except MmmError as exc:
        raise _refit(exc) from None


def _read_data(path: Path, config: Config) -> Dataset:
    try:
        frame = pd.read_csv(path, dtype=dict.fromkeys(text_columns(config), str))
    except (OSError, ValueError) as exc:  # pandas' parser and empty-file errors are ValueErrors
        raise _damaged(path, f"cannot be read as CSV ({_first_line(exc)})") from None
    try:
        return dataset_from_frame(frame, config, source=str(path))
    except MmmError as exc:
        raise _refit(exc) from None


def _read_posterior(path: Path) -> xr.DataTree:
    try:
        with xr.open_datatree(path, engine="h5netcdf") as tree:
            idata = tree.load()
    except Exception as exc:  # h5py, h5netcdf and xarray each have their own error types
        raise _damaged(path, f"truncated or unreadable NetCDF file ({_first_line(exc)})") from None
    if "posterior" not in idata.children:
        raise _damaged(path, "holds no posterior group")
    return idata


def _read_lift_tests(path: Path) -> list[LiftRecord]:
    try:
        return read_records(path)
    except MmmError as exc:
        raise _refit(exc) from None
    except (OSError, ValueError) as exc:
        raise _damaged(path, f"cannot be read as CSV ({_first_line(exc)})") from None


def _damaged(path: Path, problem: str) -> MmmError:
    """The error for a damaged model file: what is wrong, then the advice to refit."""
    return MmmError(f"{problem}; {REFIT}", source=str(path))


def _refit(exc: MmmError) -> MmmError:
    """``exc`` (a check of the saved config or data failed) with the advice to refit."""
    return MmmError(f"{exc.message}; {REFIT}", source=exc.source, key=exc.key, row=exc.row)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


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
        # mkdtemp makes the folder private (0700); a model folder gets the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        self.path.chmod(0o777 & ~umask)
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
