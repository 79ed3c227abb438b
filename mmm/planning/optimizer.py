"""Budget optimizer: allocate a horizon budget across channels over the posterior draws.

The response of each channel to its horizon budget comes from
:class:`mmm.planning.response.ResponseModel` (carry-over in and out of the horizon, exact
gradients). The optimizer maximizes an objective of :mod:`mmm.planning.objectives` with
SciPy's SLSQP under the budget equality and per-channel bounds; fixed channels are constants,
not variables. The
returned spend satisfies the bounds and the budget exactly (up to float rounding), and fixed
channels carry their fixed amount bit for bit.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.optimize import minimize

from mmm.errors import MmmError
from mmm.model.transforms import SATURATIONS
from mmm.planning.limits import check_budget, check_response, check_target
from mmm.planning.objectives import BUDGET_OBJECTIVES, Objective, parse_bounds, parse_fixed
from mmm.planning.plans import Plan
from mmm.planning.response import ResponseModel

#: Default cap on total spend for the target and ROI-floor modes, as a multiple of current.
DEFAULT_CAP_MULTIPLE = 3.0
_FTOL = 1e-10
_MAXITER = 500


def fit_to_total(spend: np.ndarray, lower: np.ndarray, upper: np.ndarray, total: float):
    """Project ``spend`` into the bounds with the given total (snap, clip, spread the gap).

    Values within a hair (1e-9 of the total) of a bound are put on it; the remaining gap goes
    to the channels strictly inside their bounds, in proportion to their room (to any channel
    with room when none is inside), so channels at a bound stay exactly there. Requires
    ``sum(lower) <= total <= sum(upper)``.
    """
    hair = 1e-9 * max(abs(total), 1.0)
    out = np.clip(spend, lower, upper)
    out = np.where(out - lower <= hair, lower, np.where(upper - out <= hair, upper, out))
    for _ in range(100):
        gap = total - out.sum()
        if abs(gap) <= 1e-13 * max(abs(total), 1.0):
            break
        room = (upper - out) if gap > 0 else (out - lower)
        room = np.where(np.isfinite(room), room, abs(gap) + 1.0)
        inside = (out > lower) & (out < upper) & (room > 0)
        if inside.any():
            room = np.where(inside, room, 0.0)
        if room.sum() <= 0:
            break
        step = np.minimum(room, abs(gap) * room / room.sum())
        out = np.clip(out + np.sign(gap) * step, lower, upper)
    # Float rounding: let the channel with the most room absorb what is left.
    gap = total - out.sum()
    room = (upper - out) if gap > 0 else (out - lower)
    if gap and room.max() > 0:
        j = int(np.argmax(room))
        out[j] = min(max(out[j] + gap, lower[j]), upper[j])
    return out


def _reference(response: ResponseModel, fixed: np.ndarray, amounts: np.ndarray, budget: float):
    """Current mix scaled so that it spends the budget (fixed channels at their amount)."""
    ref = np.where(fixed, amounts, response.current)
    if fixed.all():
        return ref
    free_total = budget - ref[fixed].sum()
    shares = response.current[~fixed]
    shares = shares / shares.sum() if shares.sum() > 0 else np.full(len(shares), 1 / len(shares))
    ref[~fixed] = free_total * shares
    return ref


def optimize(
    response: ResponseModel,
    budget: float | None = None,
    bounds: str | Mapping | Sequence | None = None,
    fixed: str | Mapping | Sequence | None = None,
    objective: str | Objective = "mean",
) -> Plan:
    """Allocate a horizon budget across channels.

    Parameters
    ----------
    response : ResponseModel
        The posterior response of the horizon (:meth:`ResponseModel.from_fitted`).
    budget : float, optional
        Total spend over the horizon, original units. Default: the current spend (last H data
        periods). In the target and ROI-floor modes it is a cap (default 3x current).
    bounds : str, mapping or list, optional
        Per-channel bounds, e.g. ``"tv=0.5x:1.5x,search=1e4:5e4"`` (see
        :func:`mmm.planning.objectives.parse_bounds`).
    fixed : str, mapping or list, optional
        Channels held fixed, e.g. ``"radio"`` or ``{"radio": 2e4}``.
    objective : str or Objective
        See :mod:`mmm.planning.objectives`.

    Returns
    -------
    Plan

    Raises
    ------
    MmmError
        When the budget cannot satisfy the bounds and fixed amounts, or a target / floor cannot
        be reached; for a non-finite, negative or absurd budget, bound, fixed amount or target
        (the rule is in :mod:`mmm.planning.limits`).
    """
    objective = Objective.parse(objective)
    channels = response.channels
    current = response.current
    observed = response.observed
    fixed_amounts = parse_fixed(fixed, channels, current, observed)
    bound_map = parse_bounds(bounds, channels, current, observed)
    clash = sorted(set(fixed_amounts) & set(bound_map))
    if clash:
        raise MmmError(f"channel(s) {', '.join(clash)} are both fixed and bounded", key="fixed")
    is_fixed = np.array([c in fixed_amounts for c in channels])
    amounts = np.array([fixed_amounts.get(c, 0.0) for c in channels])
    budget_mode = objective.kind in BUDGET_OBJECTIVES
    if budget is None:
        budget = float(current.sum()) * (1.0 if budget_mode else DEFAULT_CAP_MULTIPLE)
    else:
        budget = check_budget(budget, observed)
    if not budget > 0:
        raise MmmError("the current spend of the horizon is zero; give a budget", key="budget")
    if objective.kind == "target_kpi":
        check_target(objective.value, observed)
    lower = np.array([bound_map.get(c, (0.0, 0.0))[0] for c in channels])
    upper = np.array([bound_map.get(c, (0.0, budget))[1] for c in channels])
    lower = np.where(is_fixed, amounts, lower)
    upper = np.minimum(np.where(is_fixed, amounts, upper), np.where(is_fixed, np.inf, budget))
    _check_feasible(channels, lower, upper, is_fixed, budget, budget_mode)

    start = time.perf_counter()
    solver = _Solver(response, objective, lower, upper, is_fixed, budget)
    if budget_mode:
        spend = solver.maximize(budget)
        reference, label = _reference(response, is_fixed, amounts, budget), None
    else:
        spend = solver.constrained_mode()
        reference, label = current, "current spend"
    solver.info["seconds"] = round(time.perf_counter() - start, 4)
    spend = np.where(is_fixed, amounts, spend)
    contribution, marginal = response.evaluate(spend)
    check_response(contribution, marginal, "budget")
    plan = Plan(
        channels=channels,
        spend=spend,
        contribution=contribution,
        marginal=marginal,
        reference_spend=reference,
        reference_contribution=response.evaluate(reference, gradient=False)[0],
        current=current,
        lower=lower,
        upper=upper,
        fixed=is_fixed,
        objective=str(objective),
        budget=budget,
        horizon=response.horizon,
        pattern=response.pattern_kind,
        solver=solver.info,
        warnings=observed.beyond_range(spend, response.pattern) if observed else [],
    )
    if label:
        plan.reference_label = label
    return plan


def _check_feasible(channels, lower, upper, is_fixed, budget, budget_mode) -> None:
    low_total, high_total = float(lower.sum()), float(upper.sum())
    held = ", ".join(c for c, f in zip(channels, is_fixed, strict=True) if f)
    held = f" (fixed: {held})" if held else ""
    if low_total > budget * (1 + 1e-12):
        raise MmmError(
            f"the budget {budget:,.0f} cannot satisfy the bounds: the lower bounds and fixed "
            f"amounts{held} already need {low_total:,.0f}; raise the budget or lower the bounds",
            key="budget",
        )
    if budget_mode and high_total < budget * (1 - 1e-12):
        raise MmmError(
            f"the budget {budget:,.0f} cannot satisfy the bounds: the upper bounds and fixed "
            f"amounts{held} allow at most {high_total:,.0f}; lower the budget or widen the bounds",
            key="budget",
        )


class _Solver:
    """SLSQP over the free channels' spend in units of the budget (well scaled)."""

    def __init__(self, response, objective, lower, upper, is_fixed, budget) -> None:
        self.response = response
        self.objective = objective
        self.lower, self.upper, self.free = lower, upper, ~is_fixed
        self.base = np.where(is_fixed, lower, 0.0)
        self.unit = budget
        self.budget = budget
        self.info = {"iterations": 0, "evaluations": 0, "success": True, "message": "", "starts": 0}

    def spend(self, v: np.ndarray) -> np.ndarray:
        out = self.base.copy()
        out[self.free] = v * self.unit
        return out

    def _bounds(self, total: float) -> list[tuple[float, float]]:
        hi = np.minimum(self.upper[self.free], total)
        return list(zip(self.lower[self.free] / self.unit, hi / self.unit, strict=True))

    def _starts(self, total: float) -> list[np.ndarray]:
        """Starting points fitted into the bounds: the current mix; with S-shaped channels
        (:attr:`SaturationComponent.s_shaped`) also an even split and one start per S-shaped
        channel giving it 70%."""
        free_total = total - self.base.sum()
        lo, hi = self.lower[self.free], np.minimum(self.upper[self.free], total)
        current = self.response.current[self.free]
        mix = current / current.sum() if current.sum() > 0 else np.full(len(lo), 1 / len(lo))
        starts = [fit_to_total(mix * free_total, lo, hi, free_total)]
        s_shaped = [
            j for j, i in enumerate(np.flatnonzero(self.free))
            if SATURATIONS[self.response.plan.saturation[i]].s_shaped
        ]  # fmt: skip
        if s_shaped:  # not concave: also start even, and with each S-curve channel favoured
            starts.append(fit_to_total(np.full(len(lo), free_total / len(lo)), lo, hi, free_total))
            for j in s_shaped:
                favoured = 0.3 * free_total * mix
                favoured[j] += 0.7 * free_total
                starts.append(fit_to_total(favoured, lo, hi, free_total))
        return [s / self.unit for s in starts]

    def _score(self, v: np.ndarray, objective: Objective) -> tuple[float, np.ndarray]:
        contribution, marginal = self.response.evaluate(self.spend(v))
        value, grad = objective.score(contribution.sum(axis=1), marginal)
        return value, grad[self.free] * self.unit

    def _record(self, result) -> None:
        self.info["iterations"] += int(result.nit)
        self.info["evaluations"] += int(result.nfev)
        self.info["starts"] += 1
        self.info["success"] = self.info["success"] and bool(result.success)
        self.info["message"] = str(result.message)

    def maximize(self, total: float, objective: Objective | None = None) -> np.ndarray:
        """The best allocation spending exactly ``total``."""
        objective = objective or self.objective
        free_total = total - self.base.sum()
        n_free = int(self.free.sum())
        if n_free == 0:
            return self.base.copy()
        bounds = self._bounds(total)
        starts = self._starts(total)
        norm = max(abs(self._score(starts[0], objective)[0]), 1e-12)

        def fun(v):
            value, grad = self._score(v, objective)
            return -value / norm, -grad / norm

        constraint = {
            "type": "eq",
            "fun": lambda v: (v.sum() * self.unit - free_total) / self.unit,
            "jac": lambda v: np.ones_like(v),
        }
        best = None
        for x0 in starts:
            result = minimize(
                fun, x0, jac=True, method="SLSQP", bounds=bounds, constraints=[constraint],
                options={"ftol": _FTOL, "maxiter": _MAXITER},
            )  # fmt: skip
            self._record(result)
            if best is None or result.fun < best.fun:
                best = result
        lo, hi = self.lower[self.free], np.minimum(self.upper[self.free], total)
        out = self.base.copy()
        out[self.free] = fit_to_total(best.x * self.unit, lo, hi, free_total)
        return out

    def constrained_mode(self) -> np.ndarray:
        """Target KPI (least spend) or ROI floor (most KPI) under a spend cap."""
        mean = Objective("mean")
        cap = min(self.budget, float(self.upper.sum()))
        if self.objective.kind == "target_kpi":
            # A feasible start without a full solve when the current mix at the cap suffices.
            start = self.base.copy()
            start[self.free] = self._starts(cap)[0] * self.unit
            kpi = float(self.response.evaluate(start, gradient=False)[0].sum(axis=1).mean())
            if kpi >= self.objective.value:
                return self._least_spend(start, self.objective.value)
        most = self.maximize(cap, mean)
        best_kpi = float(self.response.evaluate(most, gradient=False)[0].sum(axis=1).mean())
        if self.objective.kind == "target_kpi":
            target = self.objective.value
            if best_kpi < target:
                raise MmmError(
                    f"the KPI target {target:,.0f} is out of reach: spending the whole cap of "
                    f"{cap:,.0f} within the bounds gives at most {best_kpi:,.0f}; raise --budget "
                    "(the cap) or widen the bounds",
                    key="objective",
                )
            return self._least_spend(most, target)
        floor = self.objective.roi_floor
        if best_kpi >= floor * most.sum():
            return most
        return self._roi_floor(most, floor)

    def _solve_ineq(self, fun, x0, constraints) -> np.ndarray:
        lo, hi = self.lower[self.free], np.minimum(self.upper[self.free], self.budget)
        result = minimize(
            fun, x0, jac=True, method="SLSQP", bounds=self._bounds(self.budget),
            constraints=constraints, options={"ftol": _FTOL, "maxiter": _MAXITER},
        )  # fmt: skip
        self._record(result)
        spend = np.clip(result.x * self.unit, lo, hi)
        total = min(spend.sum(), self.budget - self.base.sum())
        out = self.base.copy()
        out[self.free] = fit_to_total(spend, lo, hi, max(total, lo.sum()))
        return out

    def _least_spend(self, start: np.ndarray, target: float) -> np.ndarray:
        mean = Objective("mean")

        def kpi_gap(v):
            value, _ = self._score(v, mean)
            return value / target - 1.0

        def kpi_jac(v):
            return self._score(v, mean)[1] / target

        def fun(v):
            return float(v.sum()), np.ones_like(v)

        constraints = [{"type": "ineq", "fun": kpi_gap, "jac": kpi_jac}]
        out = self._solve_ineq(fun, start[self.free] / self.unit, constraints)
        # Rounding may leave the KPI a hair under target: nudge along the path to ``start``.
        for _ in range(60):
            kpi = float(self.response.evaluate(out, gradient=False)[0].sum(axis=1).mean())
            if kpi >= target * (1 - 1e-9):
                break
            out = out + 0.05 * (start - out)
        return out

    def _roi_floor(self, start: np.ndarray, floor: float) -> np.ndarray:
        mean = Objective("mean")
        norm = max(float(self.response.evaluate(start, False)[0].sum(axis=1).mean()), 1e-12)
        fixed_total = self.base.sum()

        def fun(v):
            value, grad = self._score(v, mean)
            return -value / norm, -grad / norm

        def floor_gap(v):
            value, _ = self._score(v, mean)
            return (value - floor * (v.sum() * self.unit + fixed_total)) / norm

        def floor_jac(v):
            return (self._score(v, mean)[1] - floor * self.unit) / norm

        constraints = [
            {"type": "ineq", "fun": floor_gap, "jac": floor_jac},
            {"type": "ineq", "fun": lambda v: (self.budget - fixed_total) / self.unit - v.sum(),
             "jac": lambda v: -np.ones_like(v)},
        ]  # fmt: skip
        x0 = self.lower[self.free] / self.unit
        out = self._solve_ineq(fun, x0, constraints)
        if not np.any(out[self.free] > 0):
            # Spending nothing meets any floor trivially; say why instead of planning zero.
            best = float(np.max(self._score(x0, mean)[1])) / self.unit
            raise MmmError(
                f"no spend reaches an ROI of {floor:g}: the first unit of spend on the best "
                f"channel returns {best:.3g}; lower the floor (or raise the CPA ceiling)",
                key="objective",
            )
        kpi = float(self.response.evaluate(out, gradient=False)[0].sum(axis=1).mean())
        if kpi < floor * out.sum() * (1 - 1e-6):
            raise MmmError(
                f"no allocation within the bounds reaches an ROI of {floor:g}: the best found "
                f"returns {kpi / out.sum():.3g} per unit of spend; lower the floor or the lower "
                "bounds / fixed amounts",
                key="objective",
            )
        return out
