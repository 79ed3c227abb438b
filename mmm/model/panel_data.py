"""Read a geo panel: a long table with one row per geo and period, validated in named steps.

``panel_dataset(frame, config, source)`` is what :func:`mmm.model.data.dataset_from_frame`
calls when ``data.geo_column`` is set. It reuses the checks of :mod:`mmm.model.data` (columns,
dates, numbers, spend) and adds the panel's own: one row per (geo, date), every geo on every
period, a KPI that varies in each geo, a population constant within a geo, national channels
and how they are split across geos, and enough geos for partial pooling. Each check raises one
:class:`~mmm.errors.DataError` naming the file, the column, the geo and the row as a
spreadsheet shows it (header = row 1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from mmm.errors import DataError
from mmm.model.checks import (
    HEADER_ROWS,
    check_columns_present,
    check_columns_unique,
    check_control_varies,
    check_dates_parse,
    check_enough_rows,
    check_nonnegative,
    check_not_all_zero,
    check_numeric_finite,
    check_regular_frequency,
    count_parameters,
)
from mmm.model.config import ChannelConfig, Config
from mmm.model.dataset import Dataset, GeoSplit

#: Partial pooling estimates how geo effects vary; it needs at least this many geos.
MIN_GEOS_PARTIAL = 3
#: How many missing dates a message lists before counting the rest.
SHOWN_DATES = 5
#: Relative tolerance under which a channel counts as "the same value in every geo".
SAME_VALUE_RTOL = 1e-9


def panel_dataset(frame: pd.DataFrame, config: Config, source: str = "<data>") -> Dataset:
    """Validate a long geo x period table for ``config`` and build the panel :class:`Dataset`.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per geo and period, in any order.
    config : Config
        A panel config (``config.data.geo_column`` set).
    source : str
        The file the table came from, named in every error.

    Returns
    -------
    Dataset
        Geos in order of first appearance, dates sorted; national channels split across geos
        (recorded in ``splits``); warnings in ``notes``.

    Raises
    ------
    DataError
        On the first failed check.
    """
    data = config.data
    geo_col, date_col, target_col = data.geo_column, data.date_column, data.target_column
    pop_col = data.population_column
    spend_cols = [c.spend_column for c in config.channels]
    control_cols = list(config.controls)
    columns = [geo_col, date_col, target_col, *spend_cols, *control_cols]
    columns += [pop_col] if pop_col else []

    check_columns_present(frame, columns, source)
    check_columns_unique(frame, columns, source)
    geo_of_row = check_geos_present(frame[geo_col], geo_col, source)
    dates = _in_geo(geo_of_row, check_dates_parse, frame[date_col], date_col, source)
    values = {
        col: _in_geo(geo_of_row, check_numeric_finite, frame[col], col, source)
        for col in [target_col, *spend_cols, *control_cols]
    }
    for col in spend_cols:
        _in_geo(geo_of_row, check_nonnegative, values[col], col, source)
        check_not_all_zero(values[col], col, source)

    geos = tuple(dict.fromkeys(geo_of_row))
    geo_idx = pd.Index(geos).get_indexer(geo_of_row)
    population = None
    if pop_col:
        population = check_population(frame[pop_col], geo_of_row, geo_idx, pop_col, source)

    check_geo_dates_unique(geo_of_row, dates, date_col, source)
    period_dates, period_days = check_union_frequency(dates, date_col, source)
    date_idx = period_dates.get_indexer(dates)
    check_geos_complete(geos, geo_idx, date_idx, period_dates, date_col, source)
    check_pooling_geos(config.channels, len(geos), geo_col, source)

    shape = (len(geos), len(period_dates))

    def grid(array: np.ndarray) -> np.ndarray:
        out = np.empty(shape)
        out[geo_idx, date_idx] = array
        return out

    geo_target = grid(values[target_col])
    for g, geo in enumerate(geos):
        check_geo_target_varies(geo_target[g], geo, target_col, source)
    for col in control_cols:
        check_control_varies(values[col], col, source)

    spend = np.stack([grid(values[col]) for col in spend_cols], axis=-1)
    rows = np.empty(shape, dtype=int)  # each cell's data position
    rows[geo_idx, date_idx] = np.arange(len(frame))
    splits: dict[str, GeoSplit] = {}
    for m, channel in enumerate(config.channels):
        if is_national(channel, spend[:, :, m], geos, period_dates, rows, source):
            splits[channel.name] = split_shares(population, geo_target)
            spend[:, :, m] = spend[0, :, m][None, :] * splits[channel.name].shares[:, None]
    n_parameters = count_parameters(config, n_geos=len(geos))
    check_enough_rows(shape[0] * shape[1], n_parameters, source, panel=True)

    controls = np.zeros((*shape, 0))
    if control_cols:
        controls = np.stack([grid(values[col]) for col in control_cols], axis=-1)
    return Dataset(
        dates=pd.DatetimeIndex(period_dates),
        geo_target=geo_target,
        geo_spend=spend,
        geo_controls=controls,
        channels=tuple(config.channel_names),
        control_names=tuple(control_cols),
        period_days=period_days,
        source=source,
        geos=geos,
        geo_column=geo_col,
        population=population,
        splits=splits,
        notes=tuple(geo_spend_notes(spend, geos, config.channel_names)),
    )


def _row(position: int) -> int:
    """Spreadsheet row number of the 0-based data position."""
    return int(position) + 1 + HEADER_ROWS


def _in_geo[T](geo_of_row: np.ndarray, check: Callable[..., T], *args: Any) -> T:
    """Run a row check of :mod:`mmm.model.data`; its error also names the row's geo."""
    try:
        return check(*args)
    except DataError as exc:
        if exc.row is None:
            raise
        geo = geo_of_row[exc.row - _row(0)]
        raise DataError(
            f"{exc.message} (geo '{geo}')", source=exc.source, key=exc.key, row=exc.row
        ) from None


# --------------------------------------------------------------------------------------------
# Named checks of a panel
# --------------------------------------------------------------------------------------------
def check_geos_present(column: pd.Series, name: str, source: str) -> np.ndarray:
    """Every row names its geo; returns the geo names as strings (a CSV code 01 reads as '1')."""
    missing = np.flatnonzero(column.isna().to_numpy())
    if missing.size:
        raise DataError(
            "geo is missing; every row needs the geo it belongs to",
            source=source,
            key=name,
            row=_row(missing[0]),
        )
    return column.astype(str).to_numpy()


def check_population(
    column: pd.Series,
    geo_of_row: np.ndarray,
    geo_idx: np.ndarray,
    name: str,
    source: str,
) -> np.ndarray:
    """Population is given, positive and the same in every row of a geo; returns it per geo."""
    missing = np.flatnonzero(column.isna().to_numpy())
    if missing.size:
        i = missing[0]
        raise DataError(
            f"population of geo '{geo_of_row[i]}' is missing", source=source, key=name, row=_row(i)
        )
    values = check_numeric_finite(column, name, source)
    bad = np.flatnonzero(values <= 0)
    if bad.size:
        i = bad[0]
        raise DataError(
            f"population of geo '{geo_of_row[i]}' is {values[i]:g}; it must be positive",
            source=source,
            key=name,
            row=_row(i),
        )
    _, first = np.unique(geo_idx, return_index=True)  # each geo's first row, in geo order
    differs = np.flatnonzero(values != values[first[geo_idx]])
    if differs.size:
        i = differs[0]
        j = first[geo_idx[i]]
        raise DataError(
            f"geo '{geo_of_row[i]}' has two populations, {values[j]:g} (row {_row(j)}) and "
            f"{values[i]:g}; population must be the same in every row of a geo",
            source=source,
            key=name,
            row=_row(i),
        )
    return values[first]


def check_geo_dates_unique(
    geo_of_row: np.ndarray, dates: pd.Series, name: str, source: str
) -> None:
    """No (geo, date) appears twice."""
    keys = pd.DataFrame({"geo": geo_of_row, "date": dates.to_numpy()})
    dup = np.flatnonzero(keys.duplicated().to_numpy())
    if dup.size:
        i = dup[0]
        same = (keys["geo"] == keys["geo"].iloc[i]) & (keys["date"] == keys["date"].iloc[i])
        j = int(np.flatnonzero(same.to_numpy())[0])
        raise DataError(
            f"geo '{geo_of_row[i]}' has date {dates.iloc[i].date()} twice "
            f"(rows {_row(j)} and {_row(i)}); keep one row per geo and period",
            source=source,
            key=name,
            row=_row(i),
        )


def check_union_frequency(dates: pd.Series, name: str, source: str) -> tuple[pd.DatetimeIndex, int]:
    """The dates of all geos together are evenly spaced, weekly or daily.

    Returns the sorted periods and the step in days. A gap names the row of the first date
    after it.
    """
    periods = pd.DatetimeIndex(np.unique(dates.to_numpy()))
    try:
        step = check_regular_frequency(pd.Series(periods), name, source)
    except DataError as exc:
        if exc.row is None:
            raise
        after = periods[exc.row - _row(0)]  # the row check_regular_frequency names is a period
        position = int(np.flatnonzero((dates == after).to_numpy())[0])
        raise DataError(exc.message, source=source, key=name, row=_row(position)) from None
    return periods, step


def check_geos_complete(
    geos: tuple[str, ...],
    geo_idx: np.ndarray,
    date_idx: np.ndarray,
    periods: pd.DatetimeIndex,
    name: str,
    source: str,
) -> None:
    """Every geo has a row for every period another geo has."""
    present = np.zeros((len(geos), len(periods)), dtype=bool)
    present[geo_idx, date_idx] = True
    for g, geo in enumerate(geos):
        gone = np.flatnonzero(~present[g])
        if gone.size:
            shown = ", ".join(str(periods[t].date()) for t in gone[:SHOWN_DATES])
            more = f" and {gone.size - SHOWN_DATES} more" if gone.size > SHOWN_DATES else ""
            raise DataError(
                f"geo '{geo}' has no row for {gone.size} of the {len(periods)} periods other "
                f"geos have: {shown}{more}; add those rows (zero spend where nothing was "
                "spent) or drop the geo",
                source=source,
                key=name,
            )


def check_pooling_geos(channels: list[ChannelConfig], n_geos: int, name: str, source: str) -> None:
    """Partial pooling needs enough geos to estimate how channel effects vary across them."""
    partial = [c.name for c in channels if c.pooling == "partial"]
    if partial and n_geos < MIN_GEOS_PARTIAL:
        raise DataError(
            f"the data has {n_geos} geo(s), but partial pooling (channels: "
            f"{', '.join(partial)}) needs at least {MIN_GEOS_PARTIAL} to estimate how effects "
            "vary across geos; set 'pooling: none' or 'pooling: full' on those channels "
            "(or in 'defaults')",
            source=source,
            key="data.geo_column",
        )


def check_geo_target_varies(values: np.ndarray, geo: str, name: str, source: str) -> None:
    """Each geo's KPI varies over time and has a positive mean."""
    if np.ptp(values) == 0:
        raise DataError(
            f"target of geo '{geo}' is {values[0]:g} in every period; nothing to explain "
            "(drop the geo)",
            source=source,
            key=name,
        )
    if values.mean() <= 0:
        raise DataError(
            f"target of geo '{geo}' has mean {values.mean():g}; it must be positive in every "
            "geo (mmm scales the KPI by its mean)",
            source=source,
            key=name,
        )


def is_national(
    channel: ChannelConfig,
    spend: np.ndarray,
    geos: tuple[str, ...],
    periods: pd.DatetimeIndex,
    rows: np.ndarray,
    source: str,
) -> bool:
    """Whether the channel is bought nationally (the same value in every geo of a period).

    ``level: national`` must hold that (else an error naming the date and the geos);
    ``level: auto`` is national when it holds and there are at least two geos; ``level: geo``
    never is. ``spend`` is the channel's (G, T) grid, ``rows`` each cell's data position.
    """
    if channel.level == "geo" or (channel.level == "auto" and len(geos) < 2):
        return False
    same = np.isclose(spend, spend[0][None, :], rtol=SAME_VALUE_RTOL, atol=0.0)
    if same.all():
        return True
    if channel.level == "national":
        g, t = (int(k[0]) for k in np.nonzero(~same))
        raise DataError(
            f"channel '{channel.name}' is national but differs across geos on "
            f"{periods[t].date()}: geo '{geos[0]}' has {spend[0, t]:g} (row {_row(rows[0, t])}), "
            f"geo '{geos[g]}' has {spend[g, t]:g}; give the national value in every geo's row "
            "or set 'level: geo'",
            source=source,
            key=channel.spend_column,
            row=_row(rows[g, t]),
        )
    return False


def split_shares(population: np.ndarray | None, geo_target: np.ndarray) -> GeoSplit:
    """Each geo's share of a national channel: by population when given, else by total KPI."""
    if population is not None:
        return GeoSplit("population", population / population.sum())
    totals = geo_target.sum(axis=1)
    return GeoSplit("kpi", totals / totals.sum())


def geo_spend_notes(spend: np.ndarray, geos: tuple[str, ...], channels: list[str]) -> list[str]:
    """Warnings for geos with no spend on a channel in any period (allowed, worth knowing)."""
    notes = []
    for m, channel in enumerate(channels):
        for g in np.flatnonzero(~np.any(spend[:, :, m] > 0, axis=1)):
            notes.append(
                f"geo '{geos[g]}' has no spend on '{channel}' in any period: its effect there "
                "is informed only by the other geos"
            )
    return notes
