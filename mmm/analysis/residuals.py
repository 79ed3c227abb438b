"""Signs in the residuals that the model misses something slow (a bent trend, a missing driver).

Channels whose spend moves slowly pick up whatever slow movement of the KPI the baseline leaves
out, so these signs are a warning about the channel effects too (docs/model.md, "Flexible
baselines"). Both are computed on the residuals of the posterior mean prediction:

- **lag-1 autocorrelation**: near 0 (within about 2 / sqrt(T)) when the residuals are noise;
  large when each period's error carries over to the next.
- **smooth share**: the share of the residuals' variance that a cubic in time explains (Legendre
  polynomials of degree 1-3, least squares); about 3 / T for noise, large when the residuals
  follow a curve the baseline does not.

Each has a limit that noise exceeds one time in a hundred. On a simulated baseline that
doubles and levels off, fitted with a straight trend, the smooth share was 0.10-0.12 (limit
0.07 at 156 weeks); with the piecewise trend, or on data with a straight trend, 0.0003-0.017.
The channels absorb part of a missed bend, so the residuals show less of it than there was.
"""

from __future__ import annotations

import numpy as np
from numpy.polynomial import legendre
from scipy import stats

#: Degree of the polynomial in time behind the smooth share.
SMOOTH_DEGREE = 3
#: The report warns when noise alone would give a larger value this rarely (one-sided).
FALSE_ALARM_RATE = 0.01


def autocorrelation_limit(n_periods: int) -> float:
    """The lag-1 autocorrelation that noise exceeds with probability :data:`FALSE_ALARM_RATE`
    (normal approximation, sd ``1 / sqrt(T)``): 0.19 at 156 periods."""
    return float(stats.norm.isf(FALSE_ALARM_RATE) / np.sqrt(n_periods))


def smooth_share_limit(n_periods: int) -> float:
    """The smooth share that noise exceeds with probability :data:`FALSE_ALARM_RATE` (the F
    test of the cubic's three terms against the rest): 0.07 at 156 periods, 0.21 at 52."""
    df = n_periods - SMOOTH_DEGREE - 1
    f = float(stats.f.isf(FALSE_ALARM_RATE, SMOOTH_DEGREE, df))
    return SMOOTH_DEGREE * f / (SMOOTH_DEGREE * f + df)


def residual_signs(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Lag-1 autocorrelation and smooth share of ``actual - predicted`` (see the module doc).

    Parameters
    ----------
    actual, predicted : ndarray (T,)
        The KPI and the posterior mean prediction.

    Returns
    -------
    dict
        ``residual_autocorrelation`` and ``residual_smooth_share``; NaN with fewer than
        ``SMOOTH_DEGREE + 2`` periods or constant residuals.
    """
    resid = np.asarray(actual, dtype=float) - np.asarray(predicted, dtype=float)
    resid = resid - resid.mean()
    total = float(resid @ resid)
    if resid.size < SMOOTH_DEGREE + 2 or total == 0.0:
        return {"residual_autocorrelation": float("nan"), "residual_smooth_share": float("nan")}
    autocorrelation = float(resid[1:] @ resid[:-1]) / total
    time = np.linspace(-1.0, 1.0, resid.size)
    design = legendre.legvander(time, SMOOTH_DEGREE)  # degrees 0-3 (resid's mean is 0)
    fitted = design @ np.linalg.lstsq(design, resid, rcond=None)[0]
    return {
        "residual_autocorrelation": autocorrelation,
        "residual_smooth_share": float(fitted @ fitted) / total,
    }
