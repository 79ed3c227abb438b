"""Events and public holidays as regressors: one 0/1 column per event over the data's periods.

A period is the ``period_days`` days that start on its date (weekly data dated by the week's
first day; daily data, the day). An event from ``first`` to ``last`` is 1 in every period that
overlaps those days, widened by ``window_before`` periods before and ``window_after`` after, and
0 elsewhere; the same in every geo of a panel.

:func:`with_events` appends these columns to a :class:`~mmm.model.dataset.Dataset` as extra
controls (their names end ``control_names`` and are listed in ``event_names``), so each gets a
coefficient (prior ``priors.controls``), enters mu, and is a named term of the decomposition.
They are computed from the dates, never read from or written to the data file.

Holidays (``holidays:``) come from the ``holidays`` package, one regressor per holiday name (an
observed or estimated day counts with its holiday). A holiday whose widened window misses every
period of the data is dropped, as is one that covers every period; holidays whose columns are
the same over the data (Thanksgiving and the day after it, in weekly data) are merged into one
regressor named ``"A + B"``, since the data cannot tell their effects apart.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from mmm.errors import ConfigError
from mmm.model.config import Config
from mmm.model.dataset import Dataset
from mmm.model.event_config import RESERVED_TERMS, EventConfig, HolidaysConfig
from mmm.model.holiday_calendar import holiday_calendar, holiday_dates


@dataclass(frozen=True)
class EventColumns:
    """Indicator regressors over a dataset's periods.

    Attributes
    ----------
    names : tuple of str
        One per column: the ``events:`` first, in config order, then the holidays by date.
    values : ndarray (T, E)
        1.0 in the periods an event covers, 0.0 elsewhere.
    """

    names: tuple[str, ...]
    values: np.ndarray


def period_number(day: date, dates: pd.DatetimeIndex, period_days: int) -> int:
    """The index of the period holding ``day``, counted past either end of the data.

    Periods are ``period_days`` long and start on their dates, so with weekly data from
    Monday 2024-01-01 the day 2024-01-10 is in period 1 and 2023-12-31 in period -1.
    """
    return (pd.Timestamp(day) - dates[0]).days // period_days


def indicator(
    dates: pd.DatetimeIndex,
    period_days: int,
    first: date,
    last: date,
    window_before: int = 0,
    window_after: int = 0,
) -> np.ndarray:
    """1.0 in every period overlapping ``first`` .. ``last`` and the windows around it.

    Parameters
    ----------
    dates : DatetimeIndex
        The data's periods (evenly spaced, ``period_days`` apart).
    period_days : int
        7 for weekly data, 1 for daily.
    first, last : datetime.date
        The event's first and last day (both included).
    window_before, window_after : int
        Extra periods before the first period and after the last one.

    Returns
    -------
    ndarray (T,)
        All zero when the widened event misses the data.
    """
    lo = period_number(first, dates, period_days) - window_before
    hi = period_number(last, dates, period_days) + window_after
    index = np.arange(len(dates))
    return ((index >= lo) & (index <= hi)).astype(float)


def _windows_text(before: int, after: int) -> str:
    return " and ".join(
        f"{n} period{'s' * (n > 1)} {word}"
        for n, word in ((before, "before"), (after, "after"))
        if n
    )


def _span_text(event: EventConfig) -> str:
    span = str(event.date) if event.date else f"{event.start} to {event.end}"
    windows = _windows_text(event.window_before, event.window_after)
    return f"{span}, {windows}" if windows else span


def _data_span(dates: pd.DatetimeIndex, period_days: int) -> str:
    last = dates[-1] + pd.Timedelta(days=period_days - 1)
    return f"{dates[0].date()} to {last.date()}"


def user_event_columns(
    events: list[EventConfig], dates: pd.DatetimeIndex, period_days: int, source: str
) -> EventColumns:
    """The ``events:`` of a config as indicator columns.

    Raises
    ------
    ConfigError
        When an event falls in no period of the data, or covers every one of them (its effect
        could not be told apart from the baseline).
    """
    columns = []
    for i, event in enumerate(events):
        column = indicator(
            dates, period_days, event.first, event.last, event.window_before, event.window_after
        )
        where = f"event '{event.name}' ({_span_text(event)})"
        if not column.any():
            raise ConfigError(
                f"{where} falls in no period of the data ({_data_span(dates, period_days)}); "
                "fix its dates or remove it",
                source=source,
                key=f"events[{i}]",
            )
        if column.all():
            raise ConfigError(
                f"{where} covers every period of the data, so its effect cannot be told apart "
                "from the baseline; shorten it or remove it",
                source=source,
                key=f"events[{i}]",
            )
        columns.append(column)
    return _columns([e.name for e in events], columns, len(dates))


def holiday_columns(
    config: HolidaysConfig, dates: pd.DatetimeIndex, period_days: int, source: str
) -> EventColumns:
    """The holidays of ``config`` that the data covers, as indicator columns (see module doc).

    Raises
    ------
    ConfigError
        When a name in ``include`` is not a holiday of the country in the data's years, or
        falls in no period of the data.
    """
    before, after = config.window_before, config.window_after
    step = timedelta(days=period_days)
    first = (dates[0] - after * step).date()  # a holiday this early still reaches the data
    last = (dates[-1] + (before + 1) * step - timedelta(days=1)).date()
    years = range(first.year, last.year + 1)
    calendar = holiday_calendar(config.country, config.subdivision, config.categories, years)
    covered = holiday_dates(calendar, first, last)
    if config.include is not None:
        known = holiday_dates(calendar, date(first.year, 1, 1), date(last.year, 12, 31))
        for i, name in enumerate(config.include):
            if name in covered:
                continue
            if name in known:
                problem = f"falls in no period of the data ({_data_span(dates, period_days)})"
            else:
                match = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
                hint = f"did you mean '{match[0]}'? " if match else ""
                span = str(years[0]) + (f"-{years[-1]}" if len(years) > 1 else "")
                problem = (
                    f"is not a holiday of {_calendar_text(config)} in {span}; "
                    f"{hint}(the holidays then: {', '.join(known)})"
                )
            raise ConfigError(f"'{name}' {problem}", source=source, key=f"holidays.include[{i}]")
        covered = {name: days for name, days in covered.items() if name in config.include}
    by_column: dict[bytes, tuple[list[str], np.ndarray]] = {}
    for name, days in covered.items():
        column = np.zeros(len(dates))
        for day in days:
            column = np.maximum(column, indicator(dates, period_days, day, day, before, after))
        if column.any() and not column.all():
            by_column.setdefault(column.tobytes(), ([], column))[0].append(name)
    names = [" + ".join(group) for group, _ in by_column.values()]
    return _columns(names, [column for _, column in by_column.values()], len(dates))


def describe_events(config: Config) -> str:
    """The ``events:`` and ``holidays:`` settings in words (the report), or ``'none'``."""
    parts = [f"{e.name} ({_span_text(e)})" for e in config.events]
    if (holidays := config.holidays) is not None:
        kinds = ", ".join(holidays.categories or ["public"])
        chosen = f": {', '.join(holidays.include)}" if holidays.include else ""
        windows = _windows_text(holidays.window_before, holidays.window_after)
        parts.append(
            f"{_calendar_text(holidays)} {kinds} holidays{chosen}"
            + (f" ({windows})" if windows else "")
        )
    return "; ".join(parts) or "none"


def _calendar_text(config: HolidaysConfig) -> str:
    return config.country + (f"-{config.subdivision}" if config.subdivision else "")


def _columns(names: list[str], columns: list[np.ndarray], n_periods: int) -> EventColumns:
    values = np.column_stack(columns) if columns else np.zeros((n_periods, 0))
    return EventColumns(tuple(names), values)


def event_columns(
    config: Config, dates: pd.DatetimeIndex, period_days: int, source: str = "<data>"
) -> EventColumns:
    """Every event and holiday regressor of ``config`` over ``dates``.

    Parameters
    ----------
    config : Config
    dates : DatetimeIndex
        The data's periods.
    period_days : int
        7 for weekly data, 1 for daily.
    source : str
        The data file, named in errors.

    Returns
    -------
    EventColumns
        The ``events:`` in config order, then the holidays in order of their first date.

    Raises
    ------
    ConfigError
        For an event the data does not cover (or covers entirely), an unknown holiday in
        ``holidays.include``, or a holiday whose name is already a channel, control or event.
    """
    dates = pd.DatetimeIndex(dates)
    events = user_event_columns(config.events, dates, period_days, source)
    if config.holidays is None:
        return events
    holidays = holiday_columns(config.holidays, dates, period_days, source)
    taken = {*RESERVED_TERMS, *config.channel_names, *config.controls, *events.names}
    for name in holidays.names:
        if name in taken:
            raise ConfigError(
                f"the holiday '{name}' has the name of a term already in the model; rename "
                "that channel, control or event",
                source=source,
                key="holidays",
            )
    return EventColumns(
        events.names + holidays.names, np.column_stack([events.values, holidays.values])
    )


def with_events(dataset: Dataset, config: Config) -> Dataset:
    """``dataset`` with the config's event and holiday columns appended to its controls.

    Parameters
    ----------
    dataset : Dataset
        Read from the data file (its controls are the config's ``controls``).
    config : Config

    Returns
    -------
    Dataset
        ``geo_controls`` and ``control_names`` extended by the events (the same in every geo),
        whose names are also in ``event_names``; ``dataset`` itself when there are none.

    Raises
    ------
    ConfigError
        See :func:`event_columns`.
    """
    columns = event_columns(config, dataset.dates, dataset.period_days, dataset.source)
    if not columns.names:
        return dataset
    shape = (dataset.n_geos, *columns.values.shape)
    return replace(
        dataset,
        geo_controls=np.concatenate(
            [dataset.geo_controls, np.broadcast_to(columns.values, shape)], axis=-1
        ),
        control_names=dataset.control_names + columns.names,
        event_names=columns.names,
    )
