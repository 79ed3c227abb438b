"""Numbers for the funnel report that the terminal tables do not need.

:func:`step_durations` (days in each stage per step and group, computed once) feeds
:func:`conversion_curves` (Kaplan-Meier share converted by days in a stage) and
:func:`velocity_stats` (days between stages among converted leads);
:func:`revenue_intervals` gives won revenue per lead and per MQL with intervals and the chance
each group is best. All work on the canonical lead table with one group label per lead
(:func:`mmm.leads.funnel.group_labels`); none reads private state of :mod:`mmm.leads`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from mmm.analysis.intervals import DEFAULT_PROB, Interval
from mmm.leads.cohorts import kaplan_meier, survival_at, transition
from mmm.leads.funnel import OVERALL
from mmm.leads.schema import FUNNEL

#: Stage-to-stage steps, in funnel order (``"lead->mql"``, ...).
STEPS: tuple[str, ...] = tuple(f"{a}->{b}" for a, b in zip(FUNNEL[:-1], FUNNEL[1:], strict=True))
#: Draws behind the revenue intervals.
DRAWS = 1000
#: Above this many won deals a group's average deal is drawn from its normal approximation
#: (the Bayesian bootstrap's limit) instead of Dirichlet weights over every deal.
EXACT_DEALS = 5000


def stage_column(stage: str) -> str:
    """The lead-table column dating ``stage`` (``created`` for ``lead``)."""
    return "created" if stage == "lead" else stage


def group_masks(labels: pd.Series, groups: list[str]) -> dict[str, np.ndarray]:
    """Boolean lead mask of each group (``(all)`` is every lead)."""
    codes, names = pd.factorize(labels)
    index = {str(name): i for i, name in enumerate(names)}
    every = np.ones(len(codes), bool)
    return {g: every if g == OVERALL else codes == index.get(g, -2) for g in groups}


def step_durations(
    leads: pd.DataFrame, labels: pd.Series, groups: list[str], as_of: pd.Timestamp
) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    """Days in each stage and whether the lead moved on, per step and group.

    Returns
    -------
    dict
        ``(step, group) -> (durations, converted)`` as :func:`mmm.leads.cohorts.transition`
        gives them (leads censored at their age ``as_of - entered``).
    """
    masks = group_masks(labels, groups)
    out = {}
    for step in STEPS:
        a, b = step.split("->")
        entered = leads[stage_column(a)].to_numpy("datetime64[us]")
        reached = leads[stage_column(b)].to_numpy("datetime64[us]")
        for group, mask in masks.items():
            dur, done, _ = transition(pd.Series(entered[mask]), pd.Series(reached[mask]), as_of)
            out[(step, group)] = (dur, done)
    return out


def conversion_curves(
    durations: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]],
    horizon: float,
    prob: float = DEFAULT_PROB,
    points: int = 121,
) -> pd.DataFrame:
    """Kaplan-Meier share of leads that moved on, by days since entering the stage.

    Parameters
    ----------
    durations : dict
        From :func:`step_durations`.
    horizon : float
        Last day of the curves.
    prob : float
        Pointwise interval probability (Greenwood variance, normal approximation, clipped).
    points : int
        Days sampled between 0 and ``horizon``.

    Returns
    -------
    DataFrame
        ``step``, ``group``, ``day``, ``rate``, ``lo``, ``hi``.
    """
    z = float(stats.norm.ppf(0.5 + prob / 2))
    days = np.linspace(0.0, horizon, points)
    frames = []
    for (step, group), (dur, done) in durations.items():
        if not len(dur):
            continue
        curve = kaplan_meier(dur, done)
        survival = survival_at(curve, days)
        if curve.empty:
            sd = np.zeros_like(days)
        else:
            idx = np.searchsorted(curve["t"].to_numpy(), days, side="right") - 1
            var = curve["variance"].to_numpy()[np.clip(idx, 0, None)]
            sd = np.sqrt(np.where(idx >= 0, np.nan_to_num(var), 0.0))
        rate = 1.0 - survival
        frames.append(
            pd.DataFrame(
                {
                    "step": step,
                    "group": group,
                    "day": days,
                    "rate": rate,
                    "lo": np.clip(rate - z * sd, 0.0, 1.0),
                    "hi": np.clip(rate + z * sd, 0.0, 1.0),
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def velocity_stats(durations: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
    """Days from one stage to the next among leads that made the move, per step and group.

    Parameters
    ----------
    durations : dict
        From :func:`step_durations`.

    Returns
    -------
    DataFrame
        ``step``, ``group``, ``n`` and the percentiles ``p5``, ``p25``, ``p50``, ``p75``,
        ``p95`` (rows only where at least one lead converted; no rows, the same columns, when
        none did).
    """
    rows = []
    names = ("p5", "p25", "p50", "p75", "p95")
    for (step, group), (dur, done) in durations.items():
        days = dur[done]
        if not len(days):
            continue
        q = np.percentile(days, [5, 25, 50, 75, 95])
        rows.append({"step": step, "group": group, "n": len(days),
                     **dict(zip(names, q, strict=True))})  # fmt: skip
    return pd.DataFrame(rows, columns=["step", "group", "n", *names])


def _average_deal_draws(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Bayesian-bootstrap draws of the mean deal value (normal limit for many deals)."""
    if len(values) == 0:
        return np.zeros(DRAWS)
    if len(values) > EXACT_DEALS:
        sd = values.std(ddof=1) / np.sqrt(len(values))
        return rng.normal(values.mean(), sd, DRAWS)
    weights = rng.gamma(1.0, size=(DRAWS, len(values)))
    return (weights @ values) / weights.sum(axis=1)


def holding(draws: np.ndarray, estimate: float, prob: float) -> Interval:
    """Central ``prob`` interval of ``draws``, or the one-sided one of the same probability
    that holds ``estimate`` when the central one does not (a group with no deal won yet has
    estimate 0, below every draw), as :func:`mmm.leads.cohorts.beta_interval` does."""
    central = Interval.of(draws, prob)
    if estimate < central.lo:
        return Interval(central.mean, 0.0, float(np.quantile(draws, prob)))
    if estimate > central.hi:
        return Interval(central.mean, float(np.quantile(draws, 1 - prob)), float(draws.max()))
    return central


def revenue_intervals(
    leads: pd.DataFrame,
    labels: pd.Series,
    groups: list[str],
    as_of: pd.Timestamp,
    prob: float = DEFAULT_PROB,
    seed: int = 0,
) -> pd.DataFrame:
    """Won revenue per lead and per MQL with intervals, and the chance each group is best.

    Revenue per lead is the share of leads won (Beta(1 + won, 1 + leads - won)) times the
    average deal (Bayesian bootstrap over the won deals, over all groups' deals for a group
    that has won none yet); per MQL the same with MQLs. Like
    the tables, it counts deals won by ``as_of``: young leads may still close.

    Returns
    -------
    DataFrame
        ``group``, ``leads``, ``mqls``, ``won``, ``per_lead`` and ``per_mql`` (the point
        estimates), ``per_lead_lo``/``_hi``, ``per_mql_lo``/``_hi`` and ``p_best_per_lead`` /
        ``p_best_per_mql`` (share of draws in which the group is highest, groups other than
        ``(all)``).
    """
    rng = np.random.default_rng(seed)
    created = (leads["created"] <= as_of).to_numpy()
    mql = (leads["mql"] <= as_of).to_numpy()
    won = (leads["won"] <= as_of).to_numpy()
    value = leads["deal_value"].to_numpy(float)
    rows, lead_draws, mql_draws = [], {}, {}
    all_deals = np.nan_to_num(value[won])
    for group, mask in group_masks(labels, groups).items():
        n, m = int((created & mask).sum()), int((mql & mask).sum())
        deals = np.nan_to_num(value[won & mask])
        k = len(deals)
        revenue = float(deals.sum())
        # no deal won yet: the deal size is not known, so borrow every group's deals
        average = _average_deal_draws(deals if k else all_deals, rng)
        per_lead = rng.beta(1 + k, 1 + max(n - k, 0), DRAWS) * average
        per_mql = rng.beta(1 + k, 1 + max(m - k, 0), DRAWS) * average
        lead_i = holding(per_lead, revenue / n if n else np.nan, prob)
        mql_i = holding(per_mql, revenue / m if m else np.nan, prob)
        lead_draws[group], mql_draws[group] = per_lead, per_mql
        rows.append({"group": group, "leads": n, "mqls": m, "won": k,
                     "per_lead": revenue / n if n else np.nan,
                     "per_lead_lo": lead_i.lo, "per_lead_hi": lead_i.hi,
                     "per_mql": revenue / m if m else np.nan,
                     "per_mql_lo": mql_i.lo, "per_mql_hi": mql_i.hi})  # fmt: skip
    out = pd.DataFrame(rows)
    ranked = [g for g in groups if g != OVERALL]
    for name, draws in (("per_lead", lead_draws), ("per_mql", mql_draws)):
        best = {g: 0.0 for g in groups}
        if ranked:
            stack = np.vstack([draws[g] for g in ranked])
            wins = np.bincount(stack.argmax(axis=0), minlength=len(ranked)) / DRAWS
            best.update(dict(zip(ranked, wins, strict=True)))
        best[OVERALL] = np.nan
        out[f"p_best_{name}"] = out["group"].map(best)
    return out


def top_groups(stages: pd.DataFrame, limit: int = 8) -> list[str]:
    """The groups with the most leads (at most ``limit``), ``(all)`` excluded."""
    table = stages[stages["group"] != OVERALL].sort_values(
        ["lead", "group"], ascending=[False, True]
    )
    return [str(g) for g in table["group"].head(limit)]
