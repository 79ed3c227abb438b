"""Cohort-correct conversion rates: right-censoring of young leads handled explicitly.

A lead that entered a stage last week and has not moved on is not a failure yet. Counting it as
one (the *naive* rate) biases every rate low, most of all for recent cohorts. Two corrections:

``km`` (default)
    Kaplan-Meier estimate of the time from stage A to stage B. Every lead that has not reached B
    is censored at its age ``as_of - date(A)``; the rate is ``1 - S(horizon)``, the share that
    converts within ``horizon`` days. A *lost* flag is deliberately not used as information:
    keeping lost leads in the risk set while young open leads drop out of it would over-weight
    known failures in the tail (informative censoring) and bias the rate low again.
``mature``
    Only leads that entered A at least ``horizon`` days before ``as_of``; the rate is the share
    that reached B within ``horizon`` days. Simple and unbiased, but throws recent data away.

For one cohort (e.g. last month's leads) :func:`completion_adjusted_rate` divides by the share
of eventual conversions the cohort has had time to show, using the delay distribution estimated
by Kaplan-Meier on all leads (a chain-ladder style completion factor), by maximum likelihood.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from mmm.analysis.intervals import DEFAULT_PROB

METHODS = ("km", "mature")
DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class Rate:
    """A conversion rate with its Beta posterior interval (``lo``, ``hi`` as in
    :class:`~mmm.analysis.intervals.Interval`; the point estimate is ``rate``, not a mean).

    Attributes
    ----------
    entered, converted : int
        Leads that reached the from-stage / the to-stage (any time up to ``as_of``).
    naive : float
        ``converted / entered``, young leads counted as failures.
    rate, lo, hi : float
        Cohort-correct estimate and its central ``prob`` posterior interval.
    method : str
        How censoring was handled, in words.
    median_days, p25_days, p75_days : float
        Days from the from-stage to the to-stage among leads that converted (observed).
    """

    entered: int
    converted: int
    naive: float
    rate: float
    lo: float
    hi: float
    method: str
    median_days: float
    p25_days: float
    p75_days: float

    def to_dict(self) -> dict:
        """Plain dict (JSON friendly)."""
        return asdict(self)


def kaplan_meier(durations: np.ndarray, observed: np.ndarray) -> pd.DataFrame:
    """Kaplan-Meier survival curve with Greenwood variance.

    Parameters
    ----------
    durations : ndarray
        Time to event or to censoring, in days.
    observed : ndarray of bool
        True where the event happened at ``durations``; False where censored there.

    Returns
    -------
    DataFrame
        One row per distinct event time: ``t``, ``at_risk``, ``events``, ``survival``,
        ``variance`` (Greenwood). Empty when no event was observed.
    """
    durations = np.asarray(durations, dtype="float64")
    observed = np.asarray(observed, dtype=bool)
    times, inverse = np.unique(durations, return_inverse=True)
    events = np.bincount(inverse, weights=observed, minlength=len(times))
    removed = np.bincount(inverse, minlength=len(times))
    at_risk = len(durations) - np.concatenate(([0], np.cumsum(removed)[:-1]))
    keep = events > 0
    t, d, r = times[keep], events[keep], at_risk[keep].astype("float64")
    survival = np.cumprod(1.0 - d / r)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(r > d, d / (r * (r - d)), 0.0)
    variance = survival**2 * np.cumsum(terms)
    return pd.DataFrame(
        {"t": t, "at_risk": r, "events": d, "survival": survival, "variance": variance}
    )


def survival_at(curve: pd.DataFrame, t: float | np.ndarray) -> np.ndarray:
    """Step-function value of a Kaplan-Meier ``curve`` at time(s) ``t`` (1 before any event)."""
    t = np.atleast_1d(np.asarray(t, dtype="float64"))
    if curve.empty:
        return np.ones_like(t)
    idx = np.searchsorted(curve["t"].to_numpy(), t, side="right") - 1
    s = curve["survival"].to_numpy()
    return np.where(idx >= 0, s[np.clip(idx, 0, None)], 1.0)


def _step_value(curve: pd.DataFrame, column: str, t: float, before: float) -> float:
    """Value of a step-function column of a Kaplan-Meier curve at ``t`` (``before`` if earlier)."""
    idx = int(np.searchsorted(curve["t"].to_numpy(), t, side="right")) - 1
    return float(curve[column].iloc[idx]) if idx >= 0 else before


def beta_interval(
    k: float,
    n: float,
    prob: float = DEFAULT_PROB,
    prior: tuple[float, float] = (1, 1),
    estimate: float | None = None,
) -> tuple[float, float]:
    """Central ``prob`` interval of the Beta(prior_a + k, prior_b + n - k) posterior.

    An exact Beta quantile interval, not one from draws. When ``estimate`` (the reported rate)
    falls outside the central interval, which happens at 0 % or 100 %, the one-sided interval
    of the same probability that contains it is returned instead (``[q, 1]`` or ``[0, q]``).

    Parameters
    ----------
    k, n : float
        Successes and trials (effective counts may be fractional).
    prob : float
        Interval probability.
    prior : (float, float)
        Beta prior (a, b).
    estimate : float, optional
        The reported rate.

    Returns
    -------
    (lo, hi) : tuple of float
        ``nan`` when ``n <= 0``.
    """
    if n <= 0:
        return float("nan"), float("nan")
    a, b = prior[0] + k, prior[1] + max(n - k, 0.0)
    lo, hi = stats.beta.ppf([(1 - prob) / 2, (1 + prob) / 2], a, b)
    if estimate is not None and estimate > hi:
        return float(stats.beta.ppf(1 - prob, a, b)), 1.0
    if estimate is not None and estimate < lo:
        return 0.0, float(stats.beta.ppf(prob, a, b))
    return float(lo), float(hi)


def transition(
    entered: pd.Series, reached: pd.Series, as_of: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Durations, event flags and ages (days) for the move from one stage to the next.

    Only leads that entered the from-stage on or before ``as_of``. Converted leads get the days
    between the two dates; the others are censored at their age ``as_of - entered``. A to-stage
    date before the from-stage date (possible for accounts) counts as a conversion on day 0.

    Returns
    -------
    (durations, converted, ages) : tuple of ndarray
    """
    a = entered.to_numpy("datetime64[us]")
    b = reached.to_numpy("datetime64[us]")
    as_of64 = np.datetime64(pd.Timestamp(as_of).to_datetime64(), "us")
    inside = ~np.isnat(a) & (a <= as_of64)
    a, b = a[inside], b[inside]
    done = ~np.isnat(b) & (b <= as_of64)
    end = np.where(done, b, as_of64)
    return np.maximum((end - a) / DAY, 0.0), done, (as_of64 - a) / DAY


def conversion_rate(
    entered: pd.Series,
    reached: pd.Series,
    as_of: pd.Timestamp,
    *,
    method: str = "km",
    horizon: float = 180.0,
    prob: float = DEFAULT_PROB,
    prior: tuple[float, float] = (1.0, 1.0),
) -> Rate:
    """Cohort-correct rate of moving from one stage to the next.

    Parameters
    ----------
    entered, reached : Series of datetime64
        Date each lead reached the from-stage / to-stage (NaT where not).
    as_of : Timestamp
        Date of the export; leads are followed up to it.
    method : {"km", "mature"}
        Censoring handling (see the module docstring).
    horizon : float
        Days within which a conversion counts.
    prob : float
        Central posterior interval probability.
    prior : (float, float)
        Beta prior (a, b); (1, 1) is uniform.

    Returns
    -------
    Rate
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    dur, done, age = transition(entered, reached, as_of)
    n, k = len(dur), int(done.sum())
    naive = k / n if n else float("nan")
    delays = dur[done]
    q = np.percentile(delays, [25, 50, 75]) if k else [float("nan")] * 3
    if method == "km":
        curve = kaplan_meier(dur, done)
        s = float(survival_at(curve, horizon)[0])
        rate = 1.0 - s
        var = _step_value(curve, "variance", horizon, before=0.0)
        n_eff = rate * (1 - rate) / var if var > 0 else float(n)
        lo, hi = beta_interval(rate * n_eff, n_eff, prob, prior, estimate=rate)
        label = f"kaplan-meier, horizon {horizon:g} d"
    else:
        mature = age >= horizon
        n_m = int(mature.sum())
        k_m = int((done & (dur <= horizon) & mature).sum())
        rate = k_m / n_m if n_m else float("nan")
        lo, hi = beta_interval(k_m, n_m, prob, prior, estimate=rate)
        label = f"mature cohorts only (>= {horizon:g} d old, {n_m} leads)"
    return Rate(n, k, naive, rate, lo, hi, label, float(q[1]), float(q[0]), float(q[2]))


def completion_adjusted_rate(
    ages: np.ndarray, converted: np.ndarray, delay_cdf, prob: float = DEFAULT_PROB
) -> tuple[float, float, float]:
    """Maximum-likelihood rate of a cohort given how much of its delay it has lived through.

    A lead of age ``a`` that has not converted has likelihood ``1 - p G(a)`` where ``G`` is the
    delay distribution of converters; a converted lead has likelihood proportional to ``p``.

    Parameters
    ----------
    ages : ndarray
        Days each non-converted lead has been in the from-stage.
    converted : ndarray of bool
        Whether each lead converted.
    delay_cdf : callable
        ``G(days)``, share of eventual conversions that happen within ``days``.
    prob : float
        Interval probability: Beta centred on the estimate with the effective sample size
        ``p (1 - p) I(p)`` from the Fisher information ``I`` (``sum(G(a))`` when ``k = 0``).

    Returns
    -------
    (rate, lo, hi) : tuple of float
    """
    k = int(np.sum(converted))
    g = np.clip(np.asarray(delay_cdf(np.asarray(ages)[~np.asarray(converted)]), float), 0, 1)
    if k == 0 and g.sum() == 0:
        return float("nan"), float("nan"), float("nan")

    def nll(p: float) -> float:
        return -(k * np.log(p) + np.sum(np.log1p(-p * g)))

    res = optimize.minimize_scalar(
        nll, bounds=(1e-9, 1 - 1e-9), method="bounded", options={"xatol": 1e-10}
    )
    p = float(res.x)
    # Fisher information at the estimate, as a Beta's effective sample size p(1-p)I(p);
    # with no conversion yet (p at 0) each lead counts its maturity g instead
    info = k / p**2 + np.sum(g**2 / (1 - p * g) ** 2)
    n_eff = p * (1 - p) * info if k > 0 else g.sum()
    lo, hi = beta_interval(p * n_eff, n_eff, prob, estimate=p)
    return p, lo, hi


def delay_cdf_from_km(curve: pd.DataFrame, horizon: float):
    """``G(t) = (1 - S(min(t, horizon))) / (1 - S(horizon))`` from a Kaplan-Meier curve."""
    total = 1.0 - float(survival_at(curve, horizon)[0])

    def cdf(t: np.ndarray) -> np.ndarray:
        if total <= 0:
            return np.zeros_like(np.asarray(t, float))
        return (1.0 - survival_at(curve, np.minimum(t, horizon))) / total

    return cdf


def cohort_table(
    entered: pd.Series,
    reached: pd.Series,
    as_of: pd.Timestamp,
    *,
    freq: str = "M",
    horizon: float = 180.0,
    prob: float = DEFAULT_PROB,
) -> pd.DataFrame:
    """Per-cohort naive and completion-adjusted rates (cohorts by date of entering the stage).

    Parameters
    ----------
    entered, reached : Series of datetime64
        Stage dates (see :func:`conversion_rate`).
    as_of : Timestamp
        Export date.
    freq : str
        Cohort period (pandas period alias: ``"M"`` month, ``"W"`` week, ``"Q"`` quarter).
    horizon : float
        Days within which a conversion counts.
    prob : float
        Interval probability.

    Returns
    -------
    DataFrame
        ``cohort``, ``entered``, ``converted``, ``naive``, ``adjusted``, ``lo``, ``hi``,
        ``maturity`` (share of eventual conversions the cohort has had time to show).
    """
    dur, done, age = transition(entered, reached, as_of)
    a = entered.to_numpy("datetime64[us]")
    a = a[~np.isnat(a) & (a <= np.datetime64(pd.Timestamp(as_of).to_datetime64(), "us"))]
    cdf = delay_cdf_from_km(kaplan_meier(dur, done), horizon)
    codes, labels = pd.factorize(pd.PeriodIndex(pd.DatetimeIndex(a), freq=freq), sort=True)
    rows = []
    for i, cohort in enumerate(labels):
        m = codes == i
        p, lo, hi = completion_adjusted_rate(age[m], done[m], cdf, prob)
        rows.append(
            {
                "cohort": str(cohort),
                "entered": int(m.sum()),
                "converted": int(done[m].sum()),
                "naive": float(done[m].mean()),
                "adjusted": p,
                "lo": lo,
                "hi": hi,
                "maturity": float(cdf(age[m]).mean()),
            }
        )
    return pd.DataFrame(rows)


def recent_cohort_rate(
    entered: pd.Series,
    reached: pd.Series,
    as_of: pd.Timestamp,
    *,
    days: float = 60.0,
    horizon: float = 180.0,
    prob: float = DEFAULT_PROB,
) -> dict:
    """Naive and completion-adjusted rate of the leads that entered in the last ``days``.

    The delay distribution comes from a Kaplan-Meier fit on all leads (see
    :func:`completion_adjusted_rate`); this is the case the naive rate gets most wrong.

    Parameters
    ----------
    entered, reached : Series of datetime64
        Stage dates (see :func:`conversion_rate`).
    as_of : Timestamp
        Export date.
    days : float
        The cohort: leads that entered the from-stage less than this many days before ``as_of``.
    horizon : float
        Days within which a conversion counts.
    prob : float
        Interval probability.

    Returns
    -------
    dict
        ``entered``, ``converted``, ``naive``, ``adjusted``, ``lo``, ``hi`` (central ``prob``
        interval), ``maturity``.
    """
    dur, done, age = transition(entered, reached, as_of)
    cdf = delay_cdf_from_km(kaplan_meier(dur, done), horizon)
    m = age < days
    p, lo, hi = completion_adjusted_rate(age[m], done[m], cdf, prob)
    return {
        "entered": int(m.sum()),
        "converted": int(done[m].sum()),
        "naive": float(done[m].mean()) if m.any() else float("nan"),
        "adjusted": p,
        "lo": lo,
        "hi": hi,
        "maturity": float(cdf(age[m]).mean()) if m.any() else float("nan"),
    }
