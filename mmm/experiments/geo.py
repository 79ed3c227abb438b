"""Geo / time-series lift: Bayesian regression of the treated series on control series.

The treated series is regressed on the control series over the pre-period in PyMC (sampled
with nutpie); the posterior predictive over the test window is the counterfactual, and observed
minus counterfactual, summed over the window, is the incremental KPI with a credible interval.
The same estimate on a placebo window at the end of the pre-period should be 0.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from mmm.analysis.intervals import DEFAULT_PROB, check_prob, interval
from mmm.errors import DataError, MmmError
from mmm.experiments.records import LiftRecord
from mmm.experiments.summary import effect_summary


@dataclass
class GeoLift:
    """Result of a geo / time-series test (see :func:`geo_lift`).

    ``incremental`` and ``placebo`` are dictionaries with ``mean``, ``lo``, ``hi`` (central
    ``prob`` interval) and ``sd`` of the total incremental KPI over the (placebo) window;
    ``series`` holds per period the observed treated KPI and the counterfactual's mean
    (``counterfactual``) and interval (``lo``, ``hi``).
    """

    start: date
    end: date
    periods: int
    incremental: dict[str, float]
    relative: dict[str, float]
    placebo: dict[str, float]
    placebo_window: tuple[date, date]
    placebo_passed: bool
    pre_fit_r2: float
    prob: float
    series: pd.DataFrame
    details: dict[str, Any] = field(default_factory=dict)

    def record(self, channel: str, x: float, delta_x: float) -> LiftRecord:
        """Return the lift record: spend per period ``x`` changed by ``delta_x`` in the window.

        Parameters
        ----------
        channel : str
            The model's channel name.
        x : float
            Spend per model period in the treated units before the test.
        delta_x : float
            Change of spend per period during the test (``-x`` for a go-dark test).
        """
        return LiftRecord(
            channel,
            self.start,
            self.end,
            float(x),
            float(delta_x),
            self.incremental["mean"],
            max(self.incremental["sd"], 1e-12),
        )


@functools.lru_cache(maxsize=8)
def _compiled_regression(n_controls: int):
    """Compile (once per number of controls) the regression of the treated on the controls."""
    import pymc as pm

    from mmm.model.nuts import compile_for_nutpie

    with pm.Model() as model:
        x = pm.Data("X", np.zeros((3, n_controls)))
        y = pm.Data("y", np.zeros(3))
        alpha = pm.Normal("alpha", 0.0, 1.0)
        beta = pm.Normal("beta", 0.0, 1.0 / np.sqrt(n_controls), shape=n_controls)
        sigma = pm.HalfNormal("sigma", 1.0)
        pm.Normal("obs", alpha + x @ beta, sigma, observed=y, shape=x.shape[0])
    return compile_for_nutpie(model)


def _fit_counterfactual(
    y: np.ndarray, controls: np.ndarray, train: np.ndarray, test: np.ndarray, draws: int, seed: int
) -> np.ndarray:
    """Posterior predictive draws of the treated series over ``test`` (original units)."""
    from mmm.model.nutpie_import import import_nutpie

    nutpie = import_nutpie()

    mu_x = controls[train].mean(axis=0)
    sd_x = controls[train].std(axis=0)
    sd_x = np.where(sd_x > 0, sd_x, 1.0)
    mu_y, sd_y = y[train].mean(), y[train].std()
    sd_y = sd_y if sd_y > 0 else 1.0
    xs = (controls - mu_x) / sd_x
    compiled = _compiled_regression(controls.shape[1]).with_data(
        X=xs[train], y=(y[train] - mu_y) / sd_y
    )
    trace = nutpie.sample(
        compiled, draws=draws, tune=draws, chains=2, seed=seed, progress_bar=False
    )
    post = trace.posterior
    alpha = post["alpha"].values.reshape(-1)
    beta = post["beta"].values.reshape(-1, controls.shape[1])
    sigma = post["sigma"].values.reshape(-1)
    rng = np.random.default_rng(seed)
    mean = alpha[:, None] + beta @ xs[test].T
    noise = rng.normal(size=mean.shape) * sigma[:, None]
    return (mean + noise) * sd_y + mu_y


def geo_lift(
    frame: pd.DataFrame,
    *,
    treated: list[str],
    start: date | str,
    end: date | str | None = None,
    controls: list[str] | None = None,
    date_column: str = "date",
    prob: float = DEFAULT_PROB,
    draws: int = 500,
    seed: int = 0,
    source: str = "<geo data>",
) -> GeoLift:
    """Incremental KPI of a geo (or any time-series) test by regression on control series.

    The treated series (the sum of the ``treated`` columns) is regressed on the standardised
    control series over the pre-period (all periods before ``start``): ``y ~ Normal(alpha +
    X beta, sigma)`` with ``beta ~ Normal(0, 1/sqrt(k))``, in PyMC sampled by nutpie. The
    posterior predictive over the window ``start..end`` is the counterfactual; observed minus
    counterfactual, summed over the window, is the incremental KPI. The placebo check repeats
    the fit with the last ``min(window, pre-period / 3)`` pre-periods as a fake window; its
    interval should contain 0.

    Parameters
    ----------
    frame : pandas.DataFrame
        Wide table: a date column and one KPI column per geo (or series).
    treated : list of str
        Treated columns (summed).
    start, end : date or str
        Test window (inclusive); ``end`` defaults to the last date.
    controls : list of str, optional
        Control columns; default all other numeric columns.
    date_column : str, default "date"
    prob : float, default 0.9
        Central credible-interval probability.
    draws : int, default 500
        Posterior draws per chain (2 chains, as many tuning steps).
    seed : int, default 0
    source : str
        File name for messages.

    Returns
    -------
    GeoLift
    """
    prob = check_prob(prob)
    dates, y, x, controls = _geo_inputs(frame, treated, controls, date_column, source)
    start_d = pd.Timestamp(start)
    end_d = pd.Timestamp(end) if end is not None else dates.max()
    test = ((dates >= start_d) & (dates <= end_d)).to_numpy()
    pre = (dates < start_d).to_numpy()
    n_test, n_pre = int(test.sum()), int(pre.sum())
    if n_test == 0:
        raise MmmError(f"no dates in the test window {start_d.date()}..{end_d.date()}", key="start")
    if n_pre < 8:
        raise MmmError(
            f"need at least 8 pre-period dates before {start_d.date()}, found {n_pre}", key="start"
        )
    both = pre | test
    predicted = _fit_counterfactual(y, x, pre, both, draws, seed)
    counterfactual = predicted[:, test[both]]
    fitted = predicted[:, pre[both]].mean(axis=0)
    effect = (y[test][None, :] - counterfactual).sum(axis=1)
    relative = effect / counterfactual.sum(axis=1)

    n_placebo = max(1, min(n_test, n_pre // 3))
    pre_idx = np.flatnonzero(pre)
    p_train = np.zeros_like(pre)
    p_train[pre_idx[:-n_placebo]] = True
    p_test = np.zeros_like(pre)
    p_test[pre_idx[-n_placebo:]] = True
    placebo_cf = _fit_counterfactual(y, x, p_train, p_test, draws, seed + 1)
    placebo = effect_summary((y[p_test][None, :] - placebo_cf).sum(axis=1), prob)

    resid = y[pre] - fitted
    r2 = 1.0 - float(resid.var() / y[pre].var()) if y[pre].var() > 0 else float("nan")
    band = interval(counterfactual, prob, axis=0)
    series = pd.DataFrame(
        {
            "date": dates[test].to_numpy(),
            "observed": y[test],
            "counterfactual": band["mean"],
            "lo": band["lo"],
            "hi": band["hi"],
        }
    )
    return GeoLift(
        start=start_d.date(),
        end=end_d.date(),
        periods=n_test,
        incremental=effect_summary(effect, prob),
        relative=effect_summary(relative, prob),
        placebo=placebo,
        placebo_window=(dates[p_test].min().date(), dates[p_test].max().date()),
        placebo_passed=bool(placebo["lo"] <= 0.0 <= placebo["hi"]),
        pre_fit_r2=r2,
        prob=prob,
        series=series,
        details={"treated": treated, "controls": controls, "draws": draws, "chains": 2},
    )


def _geo_inputs(frame, treated, controls, date_column, source):
    if date_column not in frame.columns:
        raise DataError(f"missing date column '{date_column}'", source=source, key=date_column)
    dates = pd.to_datetime(frame[date_column], errors="coerce")
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0]) + 2
        raise DataError("not a valid date", source=source, key=date_column, row=row)
    if not dates.is_monotonic_increasing or dates.duplicated().any():
        raise DataError("dates must be sorted and unique", source=source, key=date_column)
    if not treated:
        raise MmmError("name at least one treated column", key="treated")
    for column in treated + (controls or []):
        if column not in frame.columns:
            raise DataError(
                f"no column '{column}' (columns: {', '.join(map(str, frame.columns))})",
                source=source,
                key=column,
            )
    if controls is None:
        controls = [c for c in frame.columns if c != date_column and c not in treated]
    if not controls:
        raise MmmError("no control series left besides the treated ones", key="controls")
    numeric = {}
    for column in treated + controls:
        values = pd.to_numeric(frame[column], errors="coerce")
        if values.isna().any():
            row = int(np.flatnonzero(values.isna().to_numpy())[0]) + 2
            raise DataError("expected a number", source=source, key=column, row=row)
        numeric[column] = values.to_numpy(dtype=float)
    y = np.sum([numeric[c] for c in treated], axis=0)
    x = np.column_stack([numeric[c] for c in controls])
    return dates.reset_index(drop=True), y, x, list(controls)
