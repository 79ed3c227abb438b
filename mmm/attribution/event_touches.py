"""Touch times of the converting journeys of an event log, as flat numpy arrays.

Time decay (real ages) and the report's time to conversion both need the converting journeys
touch by touch. The path query of :mod:`mmm.attribution.events` can collect them in the same
pass over the event log (per distinct path: a list of its converting journeys, each a list of
its touch ages, and a list of their values), so the journeys are queried once.
:func:`from_lists` turns those nested lists into :class:`EventTouches`; the channel of each
touch comes from the path's own touches (:class:`~mmm.attribution.paths.Touches`), so this
module needs nothing from :mod:`mmm.attribution.paths`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mmm.errors import MmmError


@dataclass(frozen=True)
class EventTouches:
    """The touches of the converting journeys, sorted by journey then position.

    Attributes
    ----------
    journey : numpy.ndarray
        0-based journey index of each touch (non-decreasing).
    channel : numpy.ndarray
        Channel code of each touch (index into the path data's sorted channel names).
    age_days : numpy.ndarray
        Days from the touch to the journey's conversion (0 for the converting touch).
    value : numpy.ndarray
        Conversion value of each journey (one entry per journey).
    """

    journey: np.ndarray
    channel: np.ndarray
    age_days: np.ndarray
    value: np.ndarray

    @property
    def n_journeys(self) -> int:
        """Number of converting journeys."""
        return len(self.value)

    def journey_age(self) -> np.ndarray:
        """Days from each journey's first counted touch to its conversion (its oldest touch)."""
        age = np.zeros(self.n_journeys)
        np.maximum.at(age, self.journey, self.age_days)
        return age


def _flat(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """One list level flattened (null lists contribute nothing)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    return column.flatten()


def _lengths(lists: pa.Array) -> np.ndarray:
    """Length of every list (0 for a null list)."""
    return np.asarray(pc.fill_null(pc.list_value_length(lists), 0), dtype=np.int64)


def from_lists(
    lists: pa.Table, length: np.ndarray, channel: np.ndarray, source: str = "<events>"
) -> EventTouches:
    """Flatten the per-path lists of converting journeys into :class:`EventTouches`.

    Parameters
    ----------
    lists : pyarrow.Table
        One row per distinct path, in the order of the path table: ``ages`` (list of journeys,
        each a list of its touch ages in days, in any order; null when no journey on the path
        converted) and ``journey_values`` (list of the journeys' values).
    length, channel : numpy.ndarray
        The path table's touches (:class:`~mmm.attribution.paths.Touches`): the number of
        touches of each path, and the channel code of every touch, path by path.
    source : str
        The input, for messages.

    Raises
    ------
    MmmError
        When the lists do not match the paths (the event log changed between two reads).
    """
    ages = lists.column("ages")
    ages = ages.combine_chunks() if isinstance(ages, pa.ChunkedArray) else ages
    per_path = _lengths(ages)
    journeys = _flat(ages)
    per_journey = _lengths(journeys)
    value = np.asarray(_flat(lists.column("journey_values")), dtype=float)
    path_of = np.repeat(np.arange(len(per_path)), per_path)
    if len(per_path) != len(length) or not np.array_equal(per_journey, length[path_of]):
        raise MmmError("the event log changed while it was being read; run again", source=source)
    journey = np.repeat(np.arange(len(per_journey)), per_journey)
    # path order is time order, oldest touch first: ages descending within each journey
    # (touches at the same time have the same age, so ties need no order)
    age = np.asarray(journeys.flatten(), dtype=float)
    age = age[np.lexsort((-age, journey))]
    position = np.arange(len(age)) - (np.cumsum(per_journey) - per_journey)[journey]
    path_start = np.cumsum(length) - length
    codes = channel[path_start[path_of][journey] + position]
    return EventTouches(journey=journey, channel=codes, age_days=age, value=value)
