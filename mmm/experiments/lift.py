"""Incrementality from experiments: user-level holdouts (geo tests: :mod:`.geo`).

* :func:`holdout_lift`: treatment and control conversions (and value) -> Beta-Binomial
  posterior of both conversion rates -> absolute and relative lift, incremental conversions
  (and value) with credible intervals, and the minimum detectable effect for the group sizes.
* :func:`~mmm.experiments.geo.geo_lift` (re-exported here): a treated series against control
  series -> Bayesian regression on the controls in PyMC -> incremental KPI, with a placebo.

Both give a :class:`~mmm.experiments.records.LiftRecord` for the MMM's calibration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from scipy import stats

from mmm.analysis.intervals import DEFAULT_PROB, check_prob
from mmm.errors import MmmError
from mmm.experiments.records import LiftRecord
from mmm.experiments.summary import effect_summary


def _window_periods(start: date, end: date, period_days: int) -> float:
    if end < start:
        raise MmmError(f"end {end} is before start {start}", key="end")
    return ((end - start).days + 1) / period_days


@dataclass
class HoldoutLift:
    """Result of a user-level holdout test (see :func:`holdout_lift`).

    ``absolute``, ``relative``, ``incremental_conversions`` and ``incremental_value`` are
    dictionaries with ``mean``, ``lo`` and ``hi`` (the central ``prob`` credible interval) and
    ``sd`` (:func:`~mmm.experiments.summary.effect_summary`).
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
    prob: float
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
    prob: float = DEFAULT_PROB,
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
    prob : float, default 0.9
        Central credible-interval probability.
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
    prob = check_prob(prob)
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
        value_summary = effect_summary((v_t - v_c) * treatment_users, prob)
    rate_c = control_conversions / control_users
    mde = minimum_detectable_effect(rate_c, treatment_users, control_users, alpha, power)
    return HoldoutLift(
        treatment_users=int(treatment_users),
        control_users=int(control_users),
        treatment_rate=treatment_conversions / treatment_users,
        control_rate=rate_c,
        absolute=effect_summary(absolute, prob),
        relative=effect_summary(relative, prob),
        incremental_conversions=effect_summary(incremental, prob),
        incremental_value=value_summary,
        prob_positive=float(np.mean(absolute > 0)),
        mde_absolute=mde,
        mde_relative=mde / rate_c if rate_c > 0 else float("inf"),
        prob=prob,
        details={"alpha": alpha, "power": power, "draws": draws, "prior": "Beta(1, 1)"},
    )


def _value_per_user(rng, rate_draws, value, conversions, users, sd) -> np.ndarray:
    if value < 0:
        raise MmmError(f"value must be non-negative, got {value}", key="value")
    if sd is not None:
        return rng.normal(value / users, sd / np.sqrt(users), len(rate_draws))
    order_value = value / conversions if conversions > 0 else 0.0
    return rate_draws * order_value


from mmm.experiments.geo import GeoLift, geo_lift  # noqa: E402  (re-export)

__all__ = ["GeoLift", "HoldoutLift", "geo_lift", "holdout_lift", "minimum_detectable_effect"]
