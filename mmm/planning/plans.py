"""An allocation evaluated on the posterior draws, and its JSON-ready summary."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from mmm.analysis.intervals import Interval
from mmm.planning.limits import check_amount, check_response
from mmm.planning.response import ResponseModel


def stat(draws: np.ndarray, prob: float) -> dict[str, float | None]:
    """The :class:`~mmm.analysis.intervals.Interval` of 1-d draws as strict JSON.

    ``{"mean", "lo", "hi"}`` at central probability ``prob``; all three None where a draw is
    not finite or there are none (e.g. the ROI of a channel without spend).
    """
    return Interval.of(draws, prob).to_dict(missing_as_none=True)


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


@dataclass
class Plan:
    """An allocation evaluated on the posterior draws (an optimizer result or a fixed plan).

    Attributes
    ----------
    channels : tuple of str
    spend : ndarray (M,)
        Horizon spend per channel, original units.
    contribution, marginal : ndarray (S, M)
        Incremental contribution per draw and its derivative (exact marginal ROI).
    reference_spend : ndarray (M,)
        The plan it is compared with.
    reference_contribution : ndarray (S, M)
    current : ndarray (M,)
        Spend of the last H data periods.
    lower, upper : ndarray (M,)
        Bounds the plan respected (fixed channels have lower == upper).
    fixed : ndarray of bool (M,)
    objective : str
    budget : float
    reference_label : str
    solver : dict
        Iterations, evaluations, success flag, message and seconds (empty for a fixed plan).
    warnings : list of dict
        Channels the plan puts outside the per-period spend range of the data (see
        :meth:`mmm.planning.limits.ObservedSpend.beyond_range`).
    """

    channels: tuple[str, ...]
    spend: np.ndarray
    contribution: np.ndarray
    marginal: np.ndarray
    reference_spend: np.ndarray
    reference_contribution: np.ndarray
    current: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    fixed: np.ndarray
    objective: str
    budget: float
    horizon: int
    pattern: str
    reference_label: str = "current mix scaled to the budget"
    solver: dict = field(default_factory=dict)
    warnings: list[dict] = field(default_factory=list)

    @property
    def kpi(self) -> np.ndarray:
        """Incremental KPI of the plan per draw, shape (S,)."""
        return self.contribution.sum(axis=1)

    @property
    def uplift(self) -> np.ndarray:
        """KPI of the plan minus that of the reference plan, per draw."""
        return self.kpi - self.reference_contribution.sum(axis=1)

    def status(self, i: int) -> str:
        """'fixed', 'at lower bound', 'at upper bound' or 'interior' for channel ``i``."""
        tol = 1e-6 * max(1.0, float(self.spend.sum()))
        if self.fixed[i]:
            return "fixed"
        if self.spend[i] - self.lower[i] <= tol:
            return "at lower bound"
        if self.upper[i] - self.spend[i] <= tol:
            return "at upper bound"
        return "interior"


def evaluate_plan(
    response: ResponseModel,
    spend: Sequence[float] | np.ndarray,
    reference: Sequence[float] | np.ndarray | None = None,
    label: str = "fixed allocation",
) -> Plan:
    """Evaluate a given allocation (no optimization) against a reference (default: current).

    Raises
    ------
    MmmError
        For a non-finite, negative or absurd amount (:mod:`mmm.planning.limits`), or a response
        that overflows.
    """
    observed = response.observed
    named = zip(response.channels, spend, strict=True)
    spend = np.array([check_amount(v, f"spend.{c}", observed) for c, v in named])
    reference = response.current if reference is None else np.asarray(reference, float)
    with np.errstate(over="ignore", invalid="ignore"):  # reported by check_response
        contribution, marginal = response.evaluate(spend)
    check_response(contribution, marginal, "spend")
    n = len(spend)
    return Plan(
        channels=response.channels,
        spend=spend,
        contribution=contribution,
        marginal=marginal,
        reference_spend=reference,
        reference_contribution=response.evaluate(reference, gradient=False)[0],
        current=response.current,
        lower=np.zeros(n),
        upper=np.full(n, np.inf),
        fixed=np.ones(n, dtype=bool),
        objective=label,
        budget=float(spend.sum()),
        horizon=response.horizon,
        pattern=response.pattern_kind,
        reference_label="current spend",
        warnings=observed.beyond_range(spend, response.pattern) if observed else [],
    )


def plan_summary(plan: Plan, prob: float = 0.9) -> dict:
    """JSON-ready summary of a plan (what ``mmm optimize --json`` prints).

    Parameters
    ----------
    plan : Plan
    prob : float
        Central interval probability.

    Returns
    -------
    dict
        ``objective``, ``budget``, ``horizon``, ``pattern``, ``draws``, ``interval``,
        ``reference`` (what the plan is compared with), ``channels`` (per channel: current,
        reference and optimal spend, change, bounds, status, contribution, ROI and mROI with
        intervals), ``totals`` (spend, KPI of the plan and the reference, uplift with interval,
        ``p_better``: the posterior probability that the plan beats the reference), ``solver``
        and ``warnings`` (one entry per channel the plan puts outside the per-period spend range
        seen in the data: ``channel``, ``side``, ``planned``, ``observed``, ``ratio``,
        ``message``).
    """
    channels = {}
    for i, name in enumerate(plan.channels):
        spend = float(plan.spend[i])
        contribution = plan.contribution[:, i]
        reference = float(plan.reference_spend[i])
        channels[name] = {
            "current": float(plan.current[i]),
            "reference": reference,
            "optimal": spend,
            "change": spend - reference,
            "change_pct": (spend / reference - 1.0) if reference > 0 else None,
            "lower": _finite(plan.lower[i]),
            "upper": _finite(plan.upper[i]),
            "status": plan.status(i),
            "contribution": stat(contribution, prob),
            "roi": stat(contribution / spend, prob) if spend > 0 else stat(np.array([]), prob),
            "mroi": stat(plan.marginal[:, i], prob),
        }
    kpi = plan.kpi
    total = float(plan.spend.sum())
    reference_kpi = plan.reference_contribution.sum(axis=1)
    uplift = plan.uplift
    return {
        "objective": plan.objective,
        "budget": plan.budget,
        "horizon": plan.horizon,
        "pattern": plan.pattern,
        "draws": int(len(kpi)),
        "interval": prob,
        "reference": plan.reference_label,
        "channels": channels,
        "totals": {
            "current_spend": float(plan.current.sum()),
            "reference_spend": float(plan.reference_spend.sum()),
            "spend": total,
            "kpi": stat(kpi, prob),
            "reference_kpi": stat(reference_kpi, prob),
            "uplift": stat(uplift, prob),
            "uplift_pct": float(uplift.mean() / reference_kpi.mean())
            if reference_kpi.mean() > 0
            else None,
            "p_better": float(np.mean(uplift > 0)),
            "roi": stat(kpi / total, prob) if total > 0 else stat(np.array([]), prob),
        },
        "solver": dict(plan.solver),
        "warnings": [dict(w) for w in plan.warnings],
    }


def _group_entry(plan: Plan, idx: list[int], prob: float) -> dict:
    """Spend and contribution of a group of cells (one channel or one geo) summed."""
    spend = float(plan.spend[idx].sum())
    reference = float(plan.reference_spend[idx].sum())
    contribution = plan.contribution[:, idx].sum(axis=1)
    # the derivative along the plan's own split of the group: sum_i C_i' s_i / sum_i s_i
    marginal = (plan.marginal[:, idx] * plan.spend[idx]).sum(axis=1) / spend if spend > 0 else []
    return {
        "current": float(plan.current[idx].sum()),
        "reference": reference,
        "optimal": spend,
        "change": spend - reference,
        "change_pct": (spend / reference - 1.0) if reference > 0 else None,
        "contribution": stat(contribution, prob),
        "roi": stat(contribution / spend if spend > 0 else np.array([]), prob),
        "mroi": stat(np.asarray(marginal), prob),
    }


def geo_plan_summary(plan: Plan, prob: float = 0.9) -> dict:
    """JSON-ready summary of a plan over a panel's cells (``mmm optimize --by-geo --json``).

    Parameters
    ----------
    plan : Plan
        A plan of a cell response model (``ResponseModel.from_fitted(..., by_geo=True)``):
        its ``channels`` are :class:`~mmm.planning.cells.PanelNames` of the cells.
    prob : float
        Central interval probability.

    Returns
    -------
    dict
        :func:`plan_summary` with ``by_geo: true``, ``geos`` (names), ``cells`` (per cell
        ``'geo/channel'``: its ``geo`` and ``channel`` and the per-channel entries of
        :func:`plan_summary`), ``channels`` (per channel, summed over geos: current, reference
        and optimal spend, change, contribution, ROI and ``mroi``, the derivative along the
        plan's own split across geos) and ``geo_totals`` (the same per geo, over channels).
        ``warnings`` name cells.
    """
    names = plan.channels
    summary = plan_summary(plan, prob)
    n_channels = len(names.channels)
    cells = {}
    for i, (name, row) in enumerate(summary.pop("channels").items()):
        geo, channel = names.geos[i // n_channels], names.channels[i % n_channels]
        cells[name] = {"geo": geo, "channel": channel, **row}
    n_cells = len(names)
    channels = {
        c: _group_entry(plan, list(range(m, n_cells, n_channels)), prob)
        for m, c in enumerate(names.channels)
    }
    geo_totals = {
        g: _group_entry(plan, list(range(j * n_channels, (j + 1) * n_channels)), prob)
        for j, g in enumerate(names.geos)
    }
    head = {k: summary.pop(k) for k in list(summary) if k not in ("totals", "solver", "warnings")}
    return {
        **head,
        "by_geo": True,
        "geos": list(names.geos),
        "cells": cells,
        "channels": channels,
        "geo_totals": geo_totals,
        **summary,
    }
