"""Rule-based attribution: first/last touch, last non-direct, linear, position based, time decay.

Every rule gives each touch of a converting path a weight, the weights of a path sum to one, and
a channel's attributed conversions (value) are the sum of its touches' weights times the path's
conversions (value). The totals are therefore conserved exactly. Everything is vectorised over
the touch arrays of :class:`~mmm.attribution.paths.Touches`; no Python loop runs per path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mmm.attribution.event_touches import EventTouches
from mmm.attribution.paths import PathData
from mmm.errors import MmmError


@dataclass
class Attribution:
    """Result of one attribution model.

    Attributes
    ----------
    model : str
        Model name, e.g. ``"markov"``.
    table : pandas.DataFrame
        One row per channel: ``channel``, ``conversions``, ``value``, ``share`` (of the
        conversions) and, for sampled Shapley values, ``conversions_se``.
    removal_effects : pandas.DataFrame, optional
        Markov only: ``channel``, ``removal_effect`` (conversions) and ``removal_effect_value``.
    transition_matrix : pandas.DataFrame, optional
        Markov only, on request: ``from``, ``to``, ``probability``.
    by_position : pandas.DataFrame, optional
        Ordered Shapley only: ``channel``, ``position`` (1-based touch index), ``conversions``,
        ``value``.
    details : dict
        Model settings and scalar results (e.g. the conversion probability).
    """

    model: str
    table: pd.DataFrame
    removal_effects: pd.DataFrame | None = None
    transition_matrix: pd.DataFrame | None = None
    by_position: pd.DataFrame | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""
        out: dict[str, Any] = {
            "model": self.model,
            "details": self.details,
            "channels": self.table.to_dict(orient="records"),
        }
        if self.removal_effects is not None:
            out["removal_effects"] = self.removal_effects.to_dict(orient="records")
        if self.transition_matrix is not None:
            out["transition_matrix"] = self.transition_matrix.to_dict(orient="records")
        if self.by_position is not None:
            out["by_position"] = self.by_position.to_dict(orient="records")
        return out


def channel_table(
    channels: list[str], conversions: np.ndarray, value: np.ndarray, total: float
) -> pd.DataFrame:
    """Assemble the per-channel result table (share = conversions / total)."""
    share = conversions / total if total > 0 else np.zeros_like(conversions)
    return pd.DataFrame(
        {"channel": channels, "conversions": conversions, "value": value, "share": share}
    )


def from_touch_weights(data: PathData, weights: np.ndarray, model: str, **details: Any):
    """Turn per-touch weights (summing to one per path) into an :class:`Attribution`."""
    touches = data.touches()
    conv = data.table["conversions"].to_numpy(dtype=float)[touches.path_id]
    value = data.table["value"].to_numpy(dtype=float)[touches.path_id]
    n = len(touches.channels)
    by_conv = np.bincount(touches.channel, weights=weights * conv, minlength=n)
    by_value = np.bincount(touches.channel, weights=weights * value, minlength=n)
    table = channel_table(touches.channels, by_conv, by_value, data.total_conversions)
    return Attribution(model=model, table=table, details=details)


def _last_index(touches) -> np.ndarray:
    return touches.position == touches.length[touches.path_id] - 1


def first_touch(data: PathData) -> Attribution:
    """All credit to the first touch of each path."""
    return from_touch_weights(data, (data.touches().position == 0).astype(float), "first_touch")


def last_touch(data: PathData) -> Attribution:
    """All credit to the last touch of each path."""
    return from_touch_weights(data, _last_index(data.touches()).astype(float), "last_touch")


def last_non_direct(data: PathData, direct: tuple[str, ...] = ("direct",)) -> Attribution:
    """All credit to the last touch whose channel is not a direct channel.

    Parameters
    ----------
    data : PathData
    direct : tuple of str, default ("direct",)
        Channel names treated as direct (case-insensitive). A path made only of direct touches
        credits its last touch.
    """
    t = data.touches()
    lowered = {d.lower() for d in direct}
    is_direct = np.array([c.lower() in lowered for c in t.channels], dtype=bool)[t.channel]
    # rank of a touch among its path's non-direct touches, counted from the end
    order = np.where(is_direct, -1, t.position)
    best = np.full(len(t.length), -1, dtype=np.int64)
    np.maximum.at(best, t.path_id, order)
    pick = np.where(best[t.path_id] >= 0, t.position == best[t.path_id], _last_index(t))
    return from_touch_weights(data, pick.astype(float), "last_non_direct", direct=list(direct))


def linear(data: PathData) -> Attribution:
    """Equal credit to every touch of a path (repeated touches count each time)."""
    t = data.touches()
    return from_touch_weights(data, 1.0 / t.length[t.path_id], "linear")


def position_based(data: PathData, first: float = 0.4, last: float = 0.4) -> Attribution:
    """U-shaped credit: ``first`` to the first touch, ``last`` to the last, the rest shared.

    A one-touch path gives it all the credit; a two-touch path splits it in the ratio
    ``first : last``.

    Parameters
    ----------
    data : PathData
    first, last : float, default 0.4
        Shares of the first and last touch; ``first + last`` must be at most 1.
    """
    if first < 0 or last < 0 or first + last > 1 + 1e-12:
        raise MmmError(
            f"position-based shares must be non-negative with first + last <= 1, got "
            f"first={first}, last={last}",
            key="position_weights",
        )
    t = data.touches()
    length = t.length[t.path_id]
    is_first, is_last = t.position == 0, _last_index(t)
    middle = (1.0 - first - last) / np.maximum(length - 2, 1)
    w = np.where(is_first, first, np.where(is_last, last, middle))
    two = length == 2
    pair = first + last
    w = np.where(two, np.where(is_first, first, last) / (pair if pair > 0 else 1.0), w)
    if pair == 0:
        w = np.where(two, 0.5, w)
    w = np.where(length == 1, 1.0, w)
    return from_touch_weights(data, w, "position_based", first=first, last=last)


def time_decay(data: PathData, half_life: float = 7.0) -> Attribution:
    """Credit halving with every ``half_life`` of distance from the conversion.

    From an event log the distance is the real time between the touch and the conversion, in
    days, and the weights come from the individual journeys (:meth:`PathData.event_touches`).
    From an aggregated path table there are no timestamps; the distance is then the number of
    touches before the last one (the last touch has distance 0), so ``half_life`` is counted
    in touches.

    Parameters
    ----------
    data : PathData
    half_life : float, default 7
        Days (event log) or touches (path table) after which a touch's weight halves.
    """
    if half_life <= 0:
        raise MmmError(f"half_life must be positive, got {half_life}", key="half_life")
    timed = data.event_touches()
    if timed is not None:
        return _time_decay_events(data, timed, half_life)
    t = data.touches()
    distance = (t.length[t.path_id] - 1 - t.position).astype(float)
    raw = np.exp2(-distance / half_life)
    total = np.bincount(t.path_id, weights=raw, minlength=len(t.length))
    w = raw / total[t.path_id]
    return from_touch_weights(data, w, "time_decay", half_life=half_life, unit="touches")


def _time_decay_events(data: PathData, timed: EventTouches, half_life: float) -> Attribution:
    """Time decay on the real touch ages of the converting journeys (one weight per touch,
    normalised within its journey)."""
    raw = np.power(0.5, timed.age_days / half_life)
    total = np.bincount(timed.journey, weights=raw, minlength=timed.n_journeys)
    weight = raw / total[timed.journey]
    channels = data.channels()
    n = len(channels)
    table = channel_table(
        channels,
        np.bincount(timed.channel, weights=weight, minlength=n),
        np.bincount(timed.channel, weights=weight * timed.value[timed.journey], minlength=n),
        data.total_conversions,
    )
    return Attribution(
        model="time_decay", table=table, details={"half_life": half_life, "unit": "days"}
    )
