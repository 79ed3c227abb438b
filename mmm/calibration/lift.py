"""Incrementality from experiments: user-level holdouts and geo / time-series tests.

* :func:`holdout_lift`: treatment and control conversions (and value) -> Beta-Binomial
  posterior of both conversion rates -> absolute and relative lift, incremental conversions
  (and value) with credible intervals, and the minimum detectable effect for the group sizes.
* :func:`geo_lift`: a treated series against control series -> a Bayesian regression of the
  treated series on the controls, fitted on the pre-period in PyMC (sampled with nutpie) ->
  the counterfactual over the test window -> incremental KPI with a credible interval, plus
  the same estimate on a placebo window at the end of the pre-period (where it should be 0).

Both give a :class:`~mmm.calibration.records.LiftRecord` for the MMM's calibration.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from mmm.calibration.records import LiftRecord
from mmm.errors import DataError, MmmError


def _interval(draws: np.ndarray, level: float) -> tuple[float, float]:
    tail = (1.0 - level) / 2.0
    lo, hi = np.quantile(draws, [tail, 1.0 - tail])
    return float(lo), float(hi)


def _summary(draws: np.ndarray, level: float) -> dict[str, float]:
    lo, hi = _interval(draws, level)
    return {"mean": float(draws.mean()), "sd": float(draws.std(ddof=1)), "lower": lo, "upper": hi}


def _window_periods(start: date, end: date, period_days: int) -> float:
    if end < start:
        raise MmmError(f"end {end} is before start {start}", key="end")
    return ((end - start).days + 1) / period_days


@dataclass
class HoldoutLift:
    """Result of a user-level holdout test (see :func:`holdout_lift`).

    ``absolute``, ``relative``, ``incremental_conversions`` and ``incremental_value`` are
    dictionaries with ``mean``, ``sd``, ``lower`` and ``upper`` (the credible interval).
    """

    treatment_users: int
    control_users: int
    treatment_rate: float
    control_rate: float
    absolute: dict[str, float]
    relative: dict[str, float]
    incremental_conversions: dict[str, float]
    incremental_value: dict[str, float] | None
    prob_positive: float
    mde_absolute: float
    mde_relative: float
    level: float
    details: dict[str, Any] = field(default_factory=dict)

    def record(
        self,
        channel: str,
        start: date,
        end: date,
        spend: float,
        period_days: int = 7,
        kpi: str = "conversions",
    ) -> LiftRecord:
        """Return the go-dark lift record for the MMM.

        Withholding the campaign from the control group is read as a go-dark test of the
        treated population: ``x`` = the campaign's spend on the treated users per model period,
        ``delta_x = -x``, ``delta_y`` = minus the incremental KPI over the window.

        Parameters
        ----------
        channel : str
            The model's channel name.
        start, end : datetime.date
            The test window (inclusive).
        spend : float
            Total spend on the treated users over the window.
        period_days : int, default 7
            Length of a model period in days (7 for a weekly model).
        kpi : {"conversions", "value"}, default "conversions"
            Which incremental quantity is the model's KPI.
        """
        if kpi not in ("conversions", "value"):
            raise MmmError(f"kpi must be 'conversions' or 'value', got '{kpi}'", key="kpi")
        effect = self.incremental_conversions if kpi == "conversions" else self.incremental_value
        if effect is None:
            raise MmmError("kpi='value' needs treatment and control value", key="value")
        if spend < 0:
            raise MmmError(f"spend must be non-negative, got {spend}", key="spend")
        x = spend / _window_periods(start, end, period_days)
        return LiftRecord(channel, start, end, x, -x, -effect["mean"], max(effect["sd"], 1e-12))


def minimum_detectable_effect(
    baseline: float, n_treatment: int, n_control: int, alpha: float = 0.05, power: float = 0.8
) -> float:
    """Smallest absolute lift in conversion rate a two-sided z-test detects.

    ``(z[1 - alpha/2] + z[power]) * sqrt(p (1 - p) (1/n_t + 1/n_c))`` with ``p`` the baseline
    (control) rate.
    """
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    p = min(max(baseline, 1e-12), 1 - 1e-12)
    return float(z * np.sqrt(p * (1 - p) * (1 / n_treatment + 1 / n_control)))


def holdout_lift(
    treatment_users: int,
    treatment_conversions: float,
    control_users: int,
    control_conversions: float,
    *,
    treatment_value: float | None = None,
    control_value: float | None = None,
    treatment_value_sd: float | None = None,
    control_value_sd: float | None = None,
    level: float = 0.9,
    alpha: float = 0.05,
    power: float = 0.8,
    draws: int = 20000,
    seed: int = 0,
) -> HoldoutLift:
    """Lift of a user-level holdout test.

    Each group's conversion rate gets a Beta(1 + conversions, 1 + users - conversions)
    posterior (uniform prior). Incremental conversions are ``(p_t - p_c) * treatment_users``.
    With value totals, each group's value per user is ``p * value / conversions`` (average
    order value taken as known) or, when the per-user standard deviations are given, a normal
    posterior ``Normal(value / users, sd / sqrt(users))``.

    Parameters
    ----------
    treatment_users, control_users : int
        Users exposed / held out.
    treatment_conversions, control_conversions : float
        Converting users in each group.
    treatment_value, control_value : float, optional
        Total conversion value in each group.
    treatment_value_sd, control_value_sd : float, optional
        Standard deviation of value per user in each group.
    level : float, default 0.9
        Credible-interval mass.
    alpha, power : float
        For the minimum detectable effect (two-sided test).
    draws : int, default 20000
        Posterior draws.
    seed : int, default 0

    Returns
    -------
    HoldoutLift
    """
    for name, users, conv in (
        ("treatment", treatment_users, treatment_conversions),
        ("control", control_users, control_conversions),
    ):
        if users <= 0:
            raise MmmError(f"{name} users must be positive, got {users}", key=f"{name}_users")
        if not 0 <= conv <= users:
            raise MmmError(
                f"{name} conversions must be between 0 and the users ({users}), got {conv}",
                key=f"{name}_conversions",
            )
    if not 0 < level < 1:
        raise MmmError(f"level must be between 0 and 1, got {level}", key="level")
    rng = np.random.default_rng(seed)
    p_t = rng.beta(1 + treatment_conversions, 1 + treatment_users - treatment_conversions, draws)
    p_c = rng.beta(1 + control_conversions, 1 + control_users - control_conversions, draws)
    absolute = p_t - p_c
    relative = p_t / p_c - 1.0
    incremental = absolute * treatment_users
    value_summary = None
    if (treatment_value is None) != (control_value is None):
        raise MmmError("give both treatment and control value, or neither", key="value")
    if treatment_value is not None and control_value is not None:
        v_t = _value_per_user(
            rng, p_t, treatment_value, treatment_conversions, treatment_users, treatment_value_sd
        )
        v_c = _value_per_user(
            rng, p_c, control_value, control_conversions, control_users, control_value_sd
        )
        value_summary = _summary((v_t - v_c) * treatment_users, level)
    rate_c = control_conversions / control_users
    mde = minimum_detectable_effect(rate_c, treatment_users, control_users, alpha, power)
    return HoldoutLift(
        treatment_users=int(treatment_users),
        control_users=int(control_users),
        treatment_rate=treatment_conversions / treatment_users,
        control_rate=rate_c,
        absolute=_summary(absolute, level),
        relative=_summary(relative, level),
        incremental_conversions=_summary(incremental, level),
        incremental_value=value_summary,
        prob_positive=float(np.mean(absolute > 0)),
        mde_absolute=mde,
        mde_relative=mde / rate_c if rate_c > 0 else float("inf"),
        level=level,
        details={"alpha": alpha, "power": power, "draws": draws, "prior": "Beta(1, 1)"},
    )


def _value_per_user(rng, rate_draws, value, conversions, users, sd) -> np.ndarray:
    if value < 0:
        raise MmmError(f"value must be non-negative, got {value}", key="value")
    if sd is not None:
        return rng.normal(value / users, sd / np.sqrt(users), len(rate_draws))
    order_value = value / conversions if conversions > 0 else 0.0
    return rate_draws * order_value


@dataclass
class GeoLift:
    """Result of a geo / time-series test (see :func:`geo_lift`).

    ``incremental`` and ``placebo`` are dictionaries with ``mean``, ``sd``, ``lower`` and
    ``upper`` of the total incremental KPI over the (placebo) window; ``series`` holds per
    period the observed treated KPI and the counterfactual's mean and interval.
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
    level: float
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
    import nutpie
    import pymc as pm

    with pm.Model() as model:
        x = pm.Data("X", np.zeros((3, n_controls)))
        y = pm.Data("y", np.zeros(3))
        alpha = pm.Normal("alpha", 0.0, 1.0)
        beta = pm.Normal("beta", 0.0, 1.0 / np.sqrt(n_controls), shape=n_controls)
        sigma = pm.HalfNormal("sigma", 1.0)
        pm.Normal("obs", alpha + x @ beta, sigma, observed=y, shape=x.shape[0])
    return nutpie.compile_pymc_model(model)


def _fit_counterfactual(
    y: np.ndarray, controls: np.ndarray, train: np.ndarray, test: np.ndarray, draws: int, seed: int
) -> np.ndarray:
    """Posterior predictive draws of the treated series over ``test`` (original units)."""
    import nutpie

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
    level: float = 0.9,
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
    level : float, default 0.9
        Credible-interval mass.
    draws : int, default 500
        Posterior draws per chain (2 chains, as many tuning steps).
    seed : int, default 0
    source : str
        File name for messages.

    Returns
    -------
    GeoLift
    """
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
    placebo = _summary((y[p_test][None, :] - placebo_cf).sum(axis=1), level)

    resid = y[pre] - fitted
    r2 = 1.0 - float(resid.var() / y[pre].var()) if y[pre].var() > 0 else float("nan")
    lo, hi = np.quantile(counterfactual, [(1 - level) / 2, (1 + level) / 2], axis=0)
    series = pd.DataFrame(
        {
            "date": dates[test].to_numpy(),
            "observed": y[test],
            "counterfactual": counterfactual.mean(axis=0),
            "lower": lo,
            "upper": hi,
        }
    )
    return GeoLift(
        start=start_d.date(),
        end=end_d.date(),
        periods=n_test,
        incremental=_summary(effect, level),
        relative=_summary(relative, level),
        placebo=placebo,
        placebo_window=(dates[p_test].min().date(), dates[p_test].max().date()),
        placebo_passed=bool(placebo["lower"] <= 0.0 <= placebo["upper"]),
        pre_fit_r2=r2,
        level=level,
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
        controls = [
            c
            for c in frame.columns
            if c != date_column and c not in treated and pd.api.types.is_numeric_dtype(frame[c])
        ]
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
