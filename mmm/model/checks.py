"""Named checks of the modeling data: each raises one DataError naming file, column and row.

Rows are given as a spreadsheet shows them (the header is row 1, the first data row is 2).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from mmm.errors import DataError
from mmm.model.config import Config
from mmm.model.dataset import FREQUENCIES
from mmm.model.transforms import ADSTOCKS, SATURATIONS
from mmm.model.trends import basis_names, flexible_trend

HEADER_ROWS = 1
#: Dates outside this range are typos (a year 22 or -5 would also break date arithmetic).
DATE_RANGE = (pd.Timestamp("1900-01-01"), pd.Timestamp("2199-12-31"))


def _row(position: int) -> int:
    """Spreadsheet row number of the 0-based data position."""
    return int(position) + 1 + HEADER_ROWS


# --------------------------------------------------------------------------------------------
# Named checks
# --------------------------------------------------------------------------------------------
def check_columns_present(frame: pd.DataFrame, columns: list[str], source: str) -> None:
    """Every column the config names exists."""
    missing = [c for c in dict.fromkeys(columns) if c not in frame.columns]
    if missing:
        available = ", ".join(map(str, frame.columns))
        raise DataError(
            f"missing column(s) {', '.join(missing)} (the file has: {available})",
            source=source,
            key=missing[0],
        )


def check_columns_unique(frame: pd.DataFrame, columns: list[str], source: str) -> None:
    """Every column the config names appears once in the table."""
    for column in dict.fromkeys(columns):
        count = int((frame.columns == column).sum())
        if count > 1:
            raise DataError(
                f"the table has {count} columns named '{column}'; rename or drop the copies",
                source=source,
                key=column,
            )


def check_dates_parse(column: pd.Series, name: str, source: str) -> pd.Series:
    """Dates parse (ISO strings or datetimes); returns them as datetime64 without time zone.

    Numbers are not dates (pandas would read them as nanoseconds after 1970). A time zone
    offset is dropped, keeping the date as written, so zoned and plain dates may mix.
    """
    parsed = _parse_dates(column)
    unread = parsed.isna().to_numpy()
    outside = ~unread & ~parsed.between(*DATE_RANGE).to_numpy()
    bad = np.flatnonzero(unread | outside)
    if bad.size:
        value = column.iloc[bad[0]]
        message = (
            f"cannot read {value!r} as a date (use YYYY-MM-DD)"
            if unread[bad[0]]
            else f"date {value!r} is not between {DATE_RANGE[0].year} and {DATE_RANGE[1].year}"
        )
        raise DataError(message, source=source, key=name, row=_row(bad[0]))
    return parsed


def _parse_dates(column: pd.Series) -> pd.Series:
    """Each value as a time-zone-free timestamp; NaT where it is not a date."""
    if column.dtype.kind == "M":
        parsed = column
    else:
        values = column.astype(object)
        if column.dtype.kind in "biufc":
            values = pd.Series(None, index=column.index, dtype=object)
        elif column.dtype == object:
            is_date = values.map(lambda v: isinstance(v, str | date | np.datetime64))
            values = values.where(is_date.astype(bool), None)
        try:
            parsed = pd.to_datetime(values, errors="coerce", format="mixed")
        except (ValueError, TypeError, OverflowError):  # e.g. zoned and plain dates mixed
            parsed = pd.to_datetime(values.map(_one_date), errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed


def _one_date(value: object) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return pd.NaT
    return stamp.tz_localize(None) if stamp is not pd.NaT and stamp.tzinfo else stamp


def check_dates_unique(dates: pd.Series, name: str, source: str) -> None:
    """No date appears twice."""
    dup = np.flatnonzero(dates.duplicated().to_numpy())
    if dup.size:
        raise DataError(
            f"duplicate date {dates.iloc[dup[0]].date()}", source=source, key=name, row=_row(dup[0])
        )


def check_dates_sorted(dates: pd.Series, name: str, source: str) -> None:
    """Dates increase from row to row."""
    steps = np.diff(dates.to_numpy().astype("datetime64[D]").astype(np.int64))
    bad = np.flatnonzero(steps < 0)
    if bad.size:
        raise DataError(
            f"dates are not sorted: {dates.iloc[bad[0] + 1].date()} follows the later date "
            f"{dates.iloc[bad[0]].date()} (sort the file by date)",
            source=source,
            key=name,
            row=_row(bad[0] + 1),
        )


def check_regular_frequency(dates: pd.Series, name: str, source: str) -> int:
    """Dates are evenly spaced, weekly or daily, with no gaps; returns the step in days."""
    if len(dates) < 2:
        raise DataError("need at least two dates", source=source, key=name)
    steps = np.diff(dates.to_numpy().astype("datetime64[D]").astype(np.int64))
    step = int(np.median(steps))
    if step not in FREQUENCIES:
        raise DataError(
            f"dates are {step} days apart; mmm models weekly (7) or daily (1) data",
            source=source,
            key=name,
        )
    bad = np.flatnonzero(steps != step)
    if bad.size:
        i = bad[0]
        raise DataError(
            f"gap in the {FREQUENCIES[step]} series: {dates.iloc[i].date()} is followed by "
            f"{dates.iloc[i + 1].date()} ({steps[i]} days, expected {step}); "
            "fill missing periods with zero spend",
            source=source,
            key=name,
            row=_row(i + 1),
        )
    return step


def check_numeric_finite(column: pd.Series, name: str, source: str) -> np.ndarray:
    """The column is numeric with no missing, NaN or infinite values."""
    values = pd.to_numeric(column, errors="coerce")
    non_numeric = np.flatnonzero(values.isna().to_numpy() & column.notna().to_numpy())
    if non_numeric.size:
        i = non_numeric[0]
        raise DataError(f"{column.iloc[i]!r} is not a number", source=source, key=name, row=_row(i))
    array = values.to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        i = bad[0]
        what = "missing (NaN)" if np.isnan(array[i]) else "infinite"
        raise DataError(f"value is {what}", source=source, key=name, row=_row(i))
    with np.errstate(over="ignore"):
        overflow = np.flatnonzero(~np.isfinite(np.cumsum(np.abs(array))))
    if overflow.size:
        i = overflow[0]
        raise DataError(
            f"value {array[i]:g} is too large: the column's total overflows",
            source=source,
            key=name,
            row=_row(i),
        )
    return array


def check_nonnegative(values: np.ndarray, name: str, source: str) -> None:
    """Spend is never negative."""
    bad = np.flatnonzero(values < 0)
    if bad.size:
        raise DataError(
            f"negative spend {values[bad[0]]:g}", source=source, key=name, row=_row(bad[0])
        )


def check_not_all_zero(values: np.ndarray, name: str, source: str) -> None:
    """A channel has some spend (its effect cannot be estimated otherwise)."""
    if not np.any(values > 0):
        raise DataError(
            "channel has zero spend in every period; remove it from the config",
            source=source,
            key=name,
        )


def check_target_varies(values: np.ndarray, name: str, source: str) -> None:
    """The KPI is not constant (and its mean is positive, since it is scaled by the mean)."""
    if np.ptp(values) == 0:
        raise DataError(
            f"target is constant ({values[0]:g}) in every row; nothing to explain",
            source=source,
            key=name,
        )
    if values.mean() <= 0:
        raise DataError(
            "target must have a positive mean (mmm scales the KPI by its mean)",
            source=source,
            key=name,
        )


def check_control_varies(values: np.ndarray, name: str, source: str) -> None:
    """A control takes more than one value (a constant duplicates the intercept)."""
    if np.ptp(values) == 0:
        raise DataError(
            f"control is constant ({values[0]:g}); remove it from 'controls'",
            source=source,
            key=name,
        )


def check_enough_rows(n_rows: int, n_parameters: int, source: str, panel: bool = False) -> None:
    """More rows (periods, or geo x period cells of a panel) than model parameters."""
    if n_rows <= n_parameters:
        simpler = "fewer channels, controls or Fourier terms"
        if panel:
            simpler += ", or `pooling: full` so that geos share each channel's effect"
        raise DataError(
            f"{n_rows} rows but the model has {n_parameters} parameters; "
            f"use more periods or a simpler model ({simpler})",
            source=source,
        )


def count_parameters(config: Config, n_events: int | None = None, n_geos: int = 1) -> int:
    """Number of free parameters of the model ``config`` describes.

    Parameters
    ----------
    config : Config
    n_events : int, optional
        The number of event and holiday regressors; by default the number of ``events:``
        (how many holidays the data covers is known only with its dates).
    n_geos : int
        Geos of a panel: each has its own level, noise scale, trend and media effects (and
        seasonality or controls with ``panel: {seasonality: per_geo}`` / ``{controls:
        per_geo}``), see :mod:`mmm.model.panel_model`. 1 for national data.

    Returns
    -------
    int
    """
    n_controls = len(config.controls) + (len(config.events) if n_events is None else n_events)
    n_fourier = 2 * config.seasonality.fourier_order if config.seasonality else 0
    n = 2  # intercept, noise scale
    n += config.trend == "linear"
    if (trend := flexible_trend(config)) is not None:  # slope and changes or GP weights
        n += len(basis_names(trend))
    n += n_fourier + n_controls
    n += config.likelihood == "student_t"
    for channel in config.channels:
        n += 1 + len(ADSTOCKS[channel.adstock.type].params)
        n += len(SATURATIONS[channel.saturation.type].params)
    if n_geos > 1:
        n += _panel_parameters(config, n_geos, n_fourier, n_controls)
    return n


def _panel_parameters(config: Config, n_geos: int, n_fourier: int, n_controls: int) -> int:
    """Parameters a panel adds to the national model's count (per-geo terms and spreads)."""
    n = 2 * (n_geos - 1)  # a level and a noise scale per geo instead of one each
    n += (n_geos + 1) * (config.trend == "linear")  # geo trends and their spread
    if config.panel.seasonality == "per_geo" and n_fourier:
        n += n_geos * n_fourier + 1
    if config.panel.controls == "per_geo" and n_controls:
        n += n_geos * n_controls + 1
    pooling = [c.pooling for c in config.channels]
    if any(p != "full" for p in pooling):
        n += n_geos * len(pooling)  # each geo's deviation from the channel's effect
        n += sum(p == "partial" for p in pooling)  # the spreads of the partially pooled
    return n
