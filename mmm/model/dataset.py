"""The validated model inputs: :class:`Dataset`, a panel of geos (one geo for national data)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

#: Supported period lengths in days and their names.
FREQUENCIES = {7: "weekly", 1: "daily"}


@dataclass(frozen=True)
class GeoSplit:
    """How a nationally bought channel's spend was split across geos.

    Attributes
    ----------
    basis : {'population', 'kpi'}
        Population when the data has a population column, else each geo's share of the KPI.
    shares : ndarray (G,)
        Each geo's share, summing to one.
    """

    basis: str
    shares: np.ndarray


@dataclass(frozen=True)
class Dataset:
    """Validated model inputs in original units, as a panel of geos (one geo when national).

    Attributes
    ----------
    dates : pandas.DatetimeIndex
        One per period, sorted, evenly spaced.
    geo_target : ndarray (G, T)
        The KPI per geo.
    geo_spend : ndarray (G, T, M)
        Spend per geo and channel, channels in ``channels`` order (national channels already
        split across geos, see ``splits``).
    geo_controls : ndarray (G, T, C)
        Control variables, columns in ``control_names`` order: the config's ``controls``, then
        its events and holidays (``event_names``).
    channels, control_names : tuple of str
    period_days : int
        7 for weekly data, 1 for daily.
    source : str
        The file the data came from.
    geos : tuple of str
        Geo names (``('national',)`` for national data).
    geo_column : str or None
        The data's geo column; None for national data.
    population : ndarray (G,) or None
        Population per geo when the data has it.
    splits : dict of str -> GeoSplit
        National channels and how they were split across geos.
    notes : tuple of str
        Warnings found while reading (e.g. a geo with no spend on a channel).
    event_names : tuple of str
        The last controls, which are event and holiday indicators computed from the dates
        (:mod:`mmm.model.events`), not columns of the data file.
    """

    dates: pd.DatetimeIndex
    geo_target: np.ndarray
    geo_spend: np.ndarray
    geo_controls: np.ndarray
    channels: tuple[str, ...]
    control_names: tuple[str, ...]
    period_days: int
    source: str = "<memory>"
    geos: tuple[str, ...] = ("national",)
    geo_column: str | None = None
    population: np.ndarray | None = None
    splits: dict[str, GeoSplit] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    event_names: tuple[str, ...] = ()

    @property
    def is_panel(self) -> bool:
        """Whether the data is a geo panel (it came with a geo column)."""
        return self.geo_column is not None

    @property
    def n_periods(self) -> int:
        """Number of periods T."""
        return len(self.dates)

    @property
    def n_geos(self) -> int:
        """Number of geos G (1 for national data)."""
        return len(self.geos)

    @property
    def target(self) -> np.ndarray:
        """The national KPI per period (sum over geos), shape (T,)."""
        return self.geo_target.sum(axis=0)

    @property
    def spend(self) -> np.ndarray:
        """National spend per period and channel (sum over geos), shape (T, M)."""
        return self.geo_spend.sum(axis=0)

    @property
    def frequency(self) -> str:
        """'weekly' or 'daily'."""
        return FREQUENCIES[self.period_days]

    def first_periods(self, n: int) -> Dataset:
        """The data of the first ``n`` periods (national channels keep their split).

        Raises
        ------
        ValueError
            When ``n`` is not between 1 and :attr:`n_periods`.
        """
        if not 1 <= n <= self.n_periods:
            raise ValueError(f"n must be between 1 and {self.n_periods}; got {n}")
        return replace(
            self,
            dates=self.dates[:n],
            geo_target=self.geo_target[:, :n],
            geo_spend=self.geo_spend[:, :n],
            geo_controls=self.geo_controls[:, :n],
        )

    def to_frame(
        self,
        date_column: str = "date",
        target_column: str = "y",
        population_column: str | None = "population",
    ) -> pd.DataFrame:
        """The data as one table in the layout it was read from.

        National data: one row per period. A panel: one row per geo and period (geo column
        first), national channels at their national value and population when given, so
        reading the table back splits them the same way. Event and holiday columns are left
        out: reading the table back computes them again from the dates.
        """
        n_geos, n_periods = self.geo_target.shape
        frame = pd.DataFrame({date_column: np.tile(self.dates, n_geos)})
        if self.is_panel:
            frame.insert(0, self.geo_column, np.repeat(self.geos, n_periods))
        frame[target_column] = self.geo_target.reshape(-1)
        national = self.spend
        for i, name in enumerate(self.channels):
            column = self.geo_spend[:, :, i].reshape(-1)
            frame[name] = np.tile(national[:, i], n_geos) if name in self.splits else column
        for i, name in enumerate(self.control_names):
            if name not in self.event_names:
                frame[name] = self.geo_controls[:, :, i].reshape(-1)
        if self.population is not None and population_column is not None:
            frame[population_column] = np.repeat(self.population, n_periods)
        return frame
