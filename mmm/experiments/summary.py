"""The summary of an experiment's effect draws: the shared interval plus a standard deviation.

Holdout and geo tests report each effect as :class:`~mmm.analysis.intervals.Interval` fields
(``mean``, ``lo``, ``hi``) and add ``sd``, which becomes the lift record's ``sigma``.
"""

from __future__ import annotations

import numpy as np

from mmm.analysis.intervals import Interval


def effect_summary(draws: np.ndarray, prob: float) -> dict[str, float]:
    """Mean, central ``prob`` interval and standard deviation of one-dimensional draws.

    Parameters
    ----------
    draws : ndarray
        Posterior draws of one effect.
    prob : float
        Central interval probability.

    Returns
    -------
    dict of str -> float
        ``mean``, ``lo``, ``hi`` (:meth:`Interval.to_dict`) and ``sd`` (``ddof=1``).
    """
    draws = np.asarray(draws, dtype=float).ravel()
    return Interval.of(draws, prob).to_dict() | {"sd": float(draws.std(ddof=1))}
