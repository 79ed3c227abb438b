"""What the data says a plan may ask: refuse absurd amounts, flag plans beyond the data.

Every number a planner types (a budget, a bound, a fixed amount, a scenario's allocation, a KPI
target) goes through this module, so the rule lives in one place:

* An amount must be a finite number >= 0; a budget must also be > 0.
* An amount is *absurd*, and refused, when it is more than :data:`ABSURD_MULTIPLE` (1000) times
  the total media spend of an average horizon in the data (all channels over ``H`` periods,
  ``H`` the plan's horizon). That holds for a total budget and for any one channel's amount:
  no channel can sensibly get a thousand times what the whole media mix spent. A KPI target is
  refused above 1000 times the average KPI of ``H`` periods. A thousandfold is far past any plan
  the data can inform, yet far below where floating point degrades, so the check catches unit
  slips (cents for currency units, a stray ``e``) and typos such as ``1e300`` without refusing
  bold plans.
* A plan whose evaluated response is not finite (an overflow in the saturation of a huge input,
  possible only without a yardstick from the data) is refused as well.

A plan inside those limits may still leave the data: :meth:`ObservedSpend.beyond_range` flags
each channel whose planned spend per period is more than 5% (:data:`RANGE_TOLERANCE`) above the
highest per-period spend in the data, or above zero and more than 5% below the lowest nonzero
one. The response there is the fitted curve carried past what the data saw (extrapolated),
which the planner should know. Zero spend (going dark) is never flagged: the response at zero
is zero by construction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mmm.errors import MmmError
from mmm.numbers import compact, times

#: Amounts above this multiple of the data's average horizon spend (or KPI) are refused.
ABSURD_MULTIPLE = 1000.0
#: Relative slack before a planned per-period spend counts as outside the observed range: a
#: plan within 5% of the data's highest (lowest nonzero) week is not extrapolating in earnest.
RANGE_TOLERANCE = 0.05

_NOUNS = {"weekly": "week", "daily": "day"}


def _finite_nonnegative(value: float, key: str, what: str, positive: bool = False) -> float:
    """``value`` as a float; refused (naming ``what``) when not finite or negative."""
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        raise MmmError(f"{what} is not a finite number", key=key)
    if value < 0 or (positive and value == 0):
        raise MmmError(f"{what} must be {'> 0' if positive else '>= 0'}", key=key)
    return value


@dataclass(frozen=True)
class ObservedSpend:
    """The data's spend levels: the yardstick for refusals and range warnings.

    Attributes
    ----------
    channels : tuple of str
    horizon : int
        Planned periods ``H`` the yardstick is scaled to.
    period_max : ndarray (M,)
        Highest spend of each channel in one data period.
    period_min : ndarray (M,)
        Lowest nonzero spend of each channel in one data period (0 for a channel that never
        spent).
    horizon_spend : float
        Total media spend (all channels) of an average ``H`` data periods.
    horizon_kpi : float or None
        Average absolute KPI of ``H`` data periods (None when unknown).
    frequency : str
        'weekly', 'daily' or 'per-period', for messages.
    """

    channels: tuple[str, ...]
    horizon: int
    period_max: np.ndarray
    period_min: np.ndarray
    horizon_spend: float
    horizon_kpi: float | None = None
    frequency: str = "per-period"

    @classmethod
    def from_data(
        cls,
        channels: tuple[str, ...] | list[str],
        spend: np.ndarray,
        horizon: int,
        kpi: np.ndarray | None = None,
        frequency: str = "per-period",
    ) -> ObservedSpend:
        """Build from the data's spend (and KPI).

        Parameters
        ----------
        channels : sequence of str
        spend : ndarray (T, M)
            Spend per period and channel, original units.
        horizon : int
            Planned periods ``H``.
        kpi : ndarray (T,), optional
            The KPI per period (enables the check on KPI targets).
        frequency : str
            'weekly' or 'daily' (anything else reads "per-period").
        """
        spend = np.asarray(spend, dtype=float)
        positive = np.where(spend > 0, spend, np.inf)
        period_min = positive.min(axis=0)
        return cls(
            channels=tuple(channels),
            horizon=int(horizon),
            period_max=spend.max(axis=0),
            period_min=np.where(np.isfinite(period_min), period_min, 0.0),
            horizon_spend=float(spend.sum(axis=1).mean()) * horizon,
            horizon_kpi=None if kpi is None else float(np.abs(kpi).mean()) * horizon,
            frequency=frequency,
        )

    @property
    def span(self) -> str:
        """'13 weeks', '1 day', '8 periods'."""
        noun = _NOUNS.get(self.frequency, "period")
        return f"{self.horizon} {noun}{'s' if self.horizon != 1 else ''}"

    def limit(self) -> float:
        """The largest amount accepted: ``ABSURD_MULTIPLE`` times :attr:`horizon_spend`."""
        return ABSURD_MULTIPLE * self.horizon_spend

    def check_absurd(self, value: float, key: str, what: str) -> None:
        """Refuse ``value`` above :meth:`limit`; ``what`` names it (see the module doc)."""
        if self.horizon_spend > 0 and value > self.limit():
            raise MmmError(
                f"{what} is more than {ABSURD_MULTIPLE:,.0f}x the total media spend "
                f"of an average {self.span} in the data ({compact(self.horizon_spend)}); amounts "
                "are spend over the whole horizon in the data's currency: check the units and "
                "the number of zeros",
                key=key,
            )

    def beyond_range(self, spend: np.ndarray, pattern: np.ndarray) -> list[dict]:
        """Channels a plan puts outside the per-period spend range seen in the data.

        Parameters
        ----------
        spend : ndarray (M,)
            Horizon spend per channel.
        pattern : ndarray (H, M)
            Share of each channel's horizon spend in each period (columns sum to one).

        Returns
        -------
        list of dict
            One entry per channel outside the range: ``channel``, ``side`` ('above' the highest
            or 'below' the lowest nonzero per-period spend), ``planned`` (the plan's highest or
            lowest nonzero per-period spend), ``observed`` (the data's), ``ratio`` (planned /
            observed) and ``message``.
        """
        per_period = np.asarray(spend, dtype=float)[None, :] * np.asarray(pattern, dtype=float)
        out = []
        for m, name in enumerate(self.channels):
            column = per_period[:, m]
            nonzero = column[column > 0]
            if nonzero.size == 0 or self.period_max[m] <= 0:
                continue
            peak, low = float(nonzero.max()), float(nonzero.min())
            if peak > self.period_max[m] * (1 + RANGE_TOLERANCE):
                side, planned, observed = "above", peak, float(self.period_max[m])
                where = "highest"
            elif low < self.period_min[m] * (1 - RANGE_TOLERANCE):
                side, planned, observed = "below", low, float(self.period_min[m])
                where = "lowest nonzero"
            else:
                continue
            ratio = planned / observed
            out.append(
                {
                    "channel": name,
                    "side": side,
                    "planned": planned,
                    "observed": observed,
                    "ratio": ratio,
                    "message": (
                        f"{name}: {times(ratio)} the {where} {self.frequency} spend observed "
                        f"({compact(planned)} vs {compact(observed)}); the response there is "
                        "extrapolated"
                    ),
                }
            )
        return out


def check_amount(
    value: float, key: str, observed: ObservedSpend | None = None, what: str | None = None
) -> float:
    """A channel amount (bound, fixed amount, allocation) as a checked float.

    Parameters
    ----------
    value : float
    key : str
        The option or YAML key the amount came from (named in the error).
    observed : ObservedSpend, optional
        The yardstick; without it only finiteness and sign are checked.
    what : str, optional
        How the message names the number (default ``"the amount <value>"``).

    Raises
    ------
    MmmError
        For a non-finite, negative or absurd amount (see the module doc).
    """
    what = what or f"the amount {float(value):g}"
    value = _finite_nonnegative(value, key, what)
    if observed is not None:
        observed.check_absurd(value, key, what)
    return value


def check_budget(
    budget: float, observed: ObservedSpend | None = None, key: str = "budget"
) -> float:
    """A total budget (or spend cap) as a checked float: finite, > 0 and not absurd.

    Parameters
    ----------
    budget : float
        Total spend over the horizon, original units.
    observed : ObservedSpend, optional
        The yardstick; without it only finiteness and sign are checked.
    key : str
        The option or YAML key named in the error.

    Returns
    -------
    float

    Raises
    ------
    MmmError
        Naming ``key`` (the option), for a non-finite, non-positive or absurd budget.
    """
    what = f"the budget {float(budget):g}"
    value = _finite_nonnegative(budget, key, what, positive=True)
    if observed is not None:
        observed.check_absurd(value, key, what)
    return value


def check_target(target: float, observed: ObservedSpend | None, key: str = "objective") -> None:
    """Refuse a KPI target that is not finite and > 0, or above ``ABSURD_MULTIPLE`` times the
    data's average KPI over the horizon.

    Parameters
    ----------
    target : float
        Incremental KPI the plan should reach over the horizon.
    observed : ObservedSpend or None
        The yardstick (its ``horizon_kpi``); without it only finiteness and sign are checked.
    key : str
        The option named in the error.

    Raises
    ------
    MmmError
    """
    _finite_nonnegative(target, key, f"the KPI target {float(target):g}", positive=True)
    if observed is None or not observed.horizon_kpi:
        return
    if target > ABSURD_MULTIPLE * observed.horizon_kpi:
        raise MmmError(
            f"the KPI target {target:g} is more than {ABSURD_MULTIPLE:,.0f}x the total KPI of an "
            f"average {observed.span} in the data ({compact(observed.horizon_kpi)}); check the "
            "units and the number of zeros",
            key=key,
        )


def check_response(contribution: np.ndarray, marginal: np.ndarray | None, key: str) -> None:
    """Refuse a plan whose evaluated response overflowed (any non-finite value).

    Parameters
    ----------
    contribution : ndarray (S, M)
    marginal : ndarray (S, M) or None
        :meth:`mmm.planning.response.ResponseModel.evaluate` at the plan.
    key : str
        The option named in the error.

    Raises
    ------
    MmmError
    """
    parts = [contribution] if marginal is None else [contribution, marginal]
    if not all(np.all(np.isfinite(p)) for p in parts):
        raise MmmError(
            "the response to this plan is not a finite number (the amounts overflow the "
            "computation); use amounts of the size of the data's spend",
            key=key,
        )
