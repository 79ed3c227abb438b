"""Read the modeling data and validate it in named steps.

``load_dataset(config)`` reads CSV or Parquet, runs the named checks of :mod:`mmm.model.checks`
in order (a panel's in :mod:`mmm.model.panel_data`) and returns a :class:`Dataset`. Each check
raises one :class:`~mmm.errors.DataError` naming the file, the column and the row as a
spreadsheet shows it (the header is row 1, the first data row is 2).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from mmm.errors import DataError
from mmm.model.checks import (
    check_columns_present,
    check_columns_unique,
    check_control_varies,
    check_dates_parse,
    check_dates_sorted,
    check_dates_unique,
    check_enough_rows,
    check_nonnegative,
    check_not_all_zero,
    check_numeric_finite,
    check_regular_frequency,
    check_target_varies,
    count_parameters,
)
from mmm.model.config import Config
from mmm.model.dataset import Dataset, GeoSplit
from mmm.model.events import with_events
from mmm.model.panel_data import panel_dataset

__all__ = [
    "Dataset",
    "GeoSplit",
    "count_parameters",
    "dataset_from_frame",
    "load_dataset",
    "read_table",
    "text_columns",
]


def read_table(path: Path, text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame, with a clear error when that fails.

    ``text_columns`` are read from CSV as written (a geo code ``01`` stays ``01``).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("data file not found", source=str(path))
    try:
        if path.suffix.lower() in {".parquet", ".pq"}:
            table = pq.read_table(path)
            table.validate(full=True)  # corrupt text fails here, not later inside a check
            return table.to_pandas()
        return pd.read_csv(path, dtype=dict.fromkeys(text_columns, str))
    except Exception as exc:  # noqa: BLE001 - any reader failure is a user-facing data error
        raise DataError(f"could not read the file: {exc}", source=str(path)) from None


def text_columns(config: Config) -> tuple[str, ...]:
    """Columns to read as text: the geo column (codes like ``01`` must keep their zeros)."""
    return (config.data.geo_column,) if config.data.geo_column else ()


def load_dataset(config: Config) -> Dataset:
    """Read ``config.data.path`` and validate it for ``config``.

    Parameters
    ----------
    config : Config

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        On the first failed check.
    """
    frame = read_table(config.data.path, text_columns(config))
    return dataset_from_frame(frame, config, source=str(config.data.path))


def dataset_from_frame(frame: pd.DataFrame, config: Config, source: str = "<data>") -> Dataset:
    """Validate an in-memory table for ``config`` and build the :class:`Dataset`.

    The config's events and holidays are added as controls computed from the dates
    (:func:`mmm.model.events.with_events`); the table needs no column for them.

    Raises
    ------
    DataError
        On the first failed check of the table.
    ConfigError
        When an event falls in no period of the data (see :mod:`mmm.model.events`).
    """
    if config.is_panel:
        dataset = panel_dataset(frame, config, source)
    else:
        dataset = national_dataset(frame, config, source)
    dataset = with_events(dataset, config)
    n_parameters = count_parameters(config, len(dataset.event_names), dataset.n_geos)
    check_enough_rows(dataset.geo_target.size, n_parameters, source, panel=dataset.is_panel)
    return dataset


def national_dataset(frame: pd.DataFrame, config: Config, source: str = "<data>") -> Dataset:
    """Validate a table of one row per period for ``config`` (no events yet)."""
    date_col, target_col = config.data.date_column, config.data.target_column
    spend_cols = [c.spend_column for c in config.channels]
    control_cols = list(config.controls)

    check_columns_present(frame, [date_col, target_col, *spend_cols, *control_cols], source)
    check_columns_unique(frame, [date_col, target_col, *spend_cols, *control_cols], source)
    dates = check_dates_parse(frame[date_col], date_col, source)
    check_dates_unique(dates, date_col, source)
    check_dates_sorted(dates, date_col, source)
    period_days = check_regular_frequency(dates, date_col, source)
    numeric = [target_col, *spend_cols, *control_cols]
    values = {col: check_numeric_finite(frame[col], col, source) for col in numeric}
    for col in spend_cols:
        check_nonnegative(values[col], col, source)
        check_not_all_zero(values[col], col, source)
    check_target_varies(values[target_col], target_col, source)
    for col in control_cols:
        check_control_varies(values[col], col, source)
    check_enough_rows(len(frame), count_parameters(config), source)

    controls = np.zeros((len(frame), 0))
    if control_cols:
        controls = np.column_stack([values[c] for c in control_cols])
    return Dataset(
        dates=pd.DatetimeIndex(dates),
        geo_target=values[target_col][None, :],
        geo_spend=np.column_stack([values[c] for c in spend_cols])[None],
        geo_controls=controls[None],
        channels=tuple(config.channel_names),
        control_names=tuple(control_cols),
        period_days=period_days,
        source=source,
    )
