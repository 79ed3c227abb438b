"""Accuracy of a prediction against the observed KPI: R², MAPE, CRPS and interval coverage.

Pure numpy on arrays: ``actual`` (T,) and the predictive draws (S, T) of the same periods.
"""

from __future__ import annotations

import numpy as np

#: The central predictive interval whose coverage is reported (``coverage_90``).
COVERAGE_PROB = 0.9


def r2_mape(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """R² and MAPE of a point prediction.

    Parameters
    ----------
    actual, predicted : ndarray (T,)

    Returns
    -------
    dict
        ``r2``: 1 - residual sum of squares / total sum of squares around the mean of
        ``actual``; ``mape``: mean absolute percentage error over the periods with a non-zero
        KPI (NaN when there is none).
    """
    actual = np.asarray(actual, dtype=float)
    resid = actual - np.asarray(predicted, dtype=float)
    total = float(((actual - actual.mean()) ** 2).sum())
    r2 = 1.0 - float(resid @ resid) / total if total > 0 else float("nan")
    nonzero = actual != 0
    mape = float(np.mean(np.abs(resid[nonzero] / actual[nonzero]))) if nonzero.any() else np.nan
    return {"r2": r2, "mape": mape}


def crps(actual: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Continuous ranked probability score of each period's predictive draws, KPI units.

    ``CRPS = E|X - y| - E|X - X'| / 2`` with X, X' independent predictive draws: the mean
    absolute error of the whole predictive distribution (a point prediction's CRPS is its
    absolute error); lower is better. The pairwise term is computed exactly from the sorted
    draws, ``sum_ij |x_i - x_j| = 2 sum_i (2i - S - 1) x_(i)``.

    Parameters
    ----------
    actual : ndarray (T,)
    draws : ndarray (S, T)

    Returns
    -------
    ndarray (T,)
    """
    draws = np.asarray(draws, dtype=float)
    n = draws.shape[0]
    spread = np.abs(draws - np.asarray(actual, dtype=float)[None, :]).mean(axis=0)
    ranks = 2.0 * np.arange(1, n + 1) - n - 1
    pairwise = (ranks[:, None] * np.sort(draws, axis=0)).sum(axis=0) / n**2
    return spread - pairwise


def predictive_interval(
    draws: np.ndarray, prob: float = COVERAGE_PROB
) -> tuple[np.ndarray, np.ndarray]:
    """The central ``prob`` interval of each period's draws (S, T): (lo, hi), each (T,)."""
    tail = (1.0 - prob) / 2.0
    lo, hi = np.quantile(draws, [tail, 1.0 - tail], axis=0)
    return lo, hi


def covered(actual: np.ndarray, draws: np.ndarray, prob: float = COVERAGE_PROB) -> np.ndarray:
    """Whether each period's KPI lies inside the central ``prob`` interval of its draws, (T,)."""
    lo, hi = predictive_interval(draws, prob)
    return (actual >= lo) & (actual <= hi)


def predictive_scores(actual: np.ndarray, mu: np.ndarray, replicated: np.ndarray) -> dict:
    """The out-of-sample figures of one stretch of periods.

    Parameters
    ----------
    actual : ndarray (T,)
        The observed KPI.
    mu : ndarray (S, T)
        Expected KPI per posterior draw (R² and MAPE use its posterior mean).
    replicated : ndarray (S, T)
        Predictive draws, noise included (CRPS and coverage use them).

    Returns
    -------
    dict
        ``periods``, ``r2``, ``mape``, ``coverage_90`` (share of periods inside the central 90%
        predictive interval) and ``crps`` (mean over periods, KPI units).
    """
    actual = np.asarray(actual, dtype=float)
    return {
        "periods": int(actual.size),
        **r2_mape(actual, mu.mean(axis=0)),
        "coverage_90": float(covered(actual, replicated).mean()),
        "crps": float(crps(actual, replicated).mean()),
    }
