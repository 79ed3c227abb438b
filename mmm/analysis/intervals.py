"""The one posterior-summary vocabulary: a mean and a central interval of draws.

Every summary a user sees (ROI, contributions, plans, lift tests, funnel rates) is an
:class:`Interval` — ``mean``, ``lo``, ``hi`` — at a central interval probability called ``prob``
(``summary.json`` and the other JSON outputs store that probability under ``"interval"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mmm.errors import MmmError

if TYPE_CHECKING:  # xarray loads only where a dataset is built (leads and lift tests need none)
    import xarray as xr

#: Default central interval probability.
DEFAULT_PROB = 0.9
#: The fields of an interval, in order (also the ``stat`` coordinate of summary datasets).
STATS = ("mean", "lo", "hi")


@dataclass(frozen=True)
class Interval:
    """Posterior mean and central interval of one quantity.

    Attributes
    ----------
    mean, lo, hi : float
        ``nan`` where the draws were empty or not finite.
    """

    mean: float
    lo: float
    hi: float

    @classmethod
    def of(cls, draws: np.ndarray, prob: float = DEFAULT_PROB) -> Interval:
        """Summarize one-dimensional draws (``nan`` fields when any draw is not finite)."""
        draws = np.asarray(draws, dtype=float).ravel()
        if draws.size == 0 or not np.all(np.isfinite(draws)):
            return cls(math.nan, math.nan, math.nan)
        out = interval(draws, prob)
        return cls(float(out["mean"]), float(out["lo"]), float(out["hi"]))

    @classmethod
    def from_dict(cls, data: dict[str, float | None]) -> Interval:
        """Inverse of :meth:`to_dict` (None, as strict JSON writes a missing value, -> nan)."""
        return cls(*(math.nan if data[k] is None else float(data[k]) for k in STATS))

    def to_dict(self, missing_as_none: bool = False) -> dict[str, float | None]:
        """``{"mean", "lo", "hi"}``; with ``missing_as_none`` non-finite fields become None
        (strict JSON)."""
        values = (self.mean, self.lo, self.hi)
        if missing_as_none:
            values = tuple(v if math.isfinite(v) else None for v in values)
        return dict(zip(STATS, values, strict=True))

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies inside ``[lo, hi]``."""
        return self.lo <= value <= self.hi


def check_prob(prob: float, key: str = "prob") -> float:
    """Validate a central interval probability.

    Parameters
    ----------
    prob : float
        Central interval probability.
    key : str
        The argument or option name the message names.

    Returns
    -------
    float
        ``prob`` as a float.

    Raises
    ------
    MmmError
        When ``prob`` is not strictly between 0 and 1.
    """
    value = float(prob)
    if not 0.0 < value < 1.0:
        raise MmmError(f"interval probability must be between 0 and 1, got {prob}", key=key)
    return value


def interval(draws: np.ndarray, prob: float = DEFAULT_PROB, axis: int = 0) -> dict[str, np.ndarray]:
    """Mean and central ``prob`` interval of draws along ``axis`` (arrays, keys :data:`STATS`).

    Parameters
    ----------
    draws : ndarray
    prob : float
        Central interval probability in (0, 1).
    axis : int
        The draw axis.

    Returns
    -------
    dict of str -> ndarray
        ``mean``, ``lo``, ``hi`` with ``axis`` reduced.
    """
    draws = np.asarray(draws, dtype=float)
    tail = (1.0 - prob) / 2.0
    lo, hi = np.quantile(draws, [tail, 1.0 - tail], axis=axis)
    return {"mean": draws.mean(axis=axis), "lo": lo, "hi": hi}


def interval_array(draws: np.ndarray, prob: float = DEFAULT_PROB) -> np.ndarray:
    """Mean, lo, hi of (S, ...) draws stacked on a last axis of length 3."""
    out = interval(draws, prob)
    return np.stack([out[s] for s in STATS], axis=-1)


def channel_draw_summary(
    draws: dict[str, np.ndarray], channels: list[str], prob: float
) -> xr.Dataset:
    """Mean and central interval of per-channel draws (S, M), as dims (channel, stat).

    Parameters
    ----------
    draws : dict of str -> ndarray (S, M)
    channels : list of str
    prob : float

    Returns
    -------
    xarray.Dataset
        One variable per key of ``draws``; ``attrs["interval"]`` holds ``prob``.
    """
    data = {
        name: (("channel", "stat"), interval_array(values, prob)) for name, values in draws.items()
    }
    import xarray as xr

    return xr.Dataset(
        data, coords={"channel": list(channels), "stat": list(STATS)}, attrs={"interval": prob}
    )


def table_interval(table: xr.Dataset, name: str, **sel: str) -> Interval:
    """The :class:`Interval` of variable ``name`` at ``sel`` in a (…, stat) dataset."""
    values = table[name].sel(**sel).to_numpy()
    return Interval(*(float(v) for v in values))
