"""Plain-language findings for the top of the funnel report, each with the uncertainty that
qualifies it. This module decides what is worth saying; the template only prints it.

A finding is ``{"headline": str, "detail": str}``.
"""

from __future__ import annotations

import math

import pandas as pd

from mmm.leads.funnel import OVERALL
from mmm.report.fmt import certainty, number, percent

DASH = "\u2013"
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


def ordinal(rank: int) -> str:
    """``1 -> 'first'``, ..., ``9 -> '9th'``."""
    if 1 <= rank <= len(ORDINALS):
        return ORDINALS[rank - 1]
    return f"{rank}th"


def span(lo: float, hi: float, fmt=number) -> str:
    """``lo–hi`` with the report's number format."""
    return f"{fmt(lo)}{DASH}{fmt(hi)}"


def volume_versus_revenue(ranking: pd.DataFrame, revenue: pd.DataFrame) -> dict | None:
    """The group with the most MQLs and where it ranks on won revenue."""
    if ranking.empty or ranking["mqls"].sum() == 0:
        return None
    top = ranking.sort_values(["mqls", "group"], ascending=[False, True]).iloc[0]
    best = ranking.sort_values(["won_revenue", "group"], ascending=[False, True]).iloc[0]
    per = revenue.set_index("group")
    mine, theirs = per.loc[top["group"]], per.loc[best["group"]]
    if int(top["rank_by_revenue"]) == 1:
        return {
            "headline": f"{top['group']} brings the most MQLs ({percent(top['mql_share'])}) "
            f"and the most won revenue ({percent(top['revenue_share'])}).",
            "detail": f"Won revenue per MQL: {number(mine['per_mql'])} "
            f"({span(mine['per_mql_lo'], mine['per_mql_hi'])}).",
        }
    overlap = mine["per_mql_hi"] >= theirs["per_mql_lo"]
    return {
        "headline": f"{top['group']} brings the most MQLs ({percent(top['mql_share'])}) but "
        f"ranks {ordinal(int(top['rank_by_revenue']))} on won revenue "
        f"({percent(top['revenue_share'])}).",
        "detail": f"Its MQLs are worth {number(mine['per_mql'])} of won revenue each "
        f"({span(mine['per_mql_lo'], mine['per_mql_hi'])}) against "
        f"{number(theirs['per_mql'])} ({span(theirs['per_mql_lo'], theirs['per_mql_hi'])}) for "
        f"{best['group']}, the top revenue source"
        + (
            "; the intervals overlap, so the gap may be chance."
            if overlap
            else "; the intervals do not overlap."
        ),
    }


def best_revenue_per_lead(revenue: pd.DataFrame) -> dict | None:
    """The group whose leads bring the most won revenue, with the chance it really is best."""
    groups = revenue[revenue["group"] != OVERALL].dropna(subset=["per_lead"])
    if len(groups) < 2 or groups["per_lead"].max() <= 0:
        return None
    best = groups.sort_values(["per_lead", "group"], ascending=[False, True]).iloc[0]
    p = float(best["p_best_per_lead"])
    return {
        "headline": f"Leads from {best['group']} bring the most won revenue: "
        f"{number(best['per_lead'])} per lead ({span(best['per_lead_lo'], best['per_lead_hi'])}).",
        "detail": f"How sure are we it is the best source? {certainty(p).capitalize()}: it ranks "
        f"first in {percent(p, 0)} of draws. Revenue counts deals won so far, so young leads "
        "may still add to it.",
    }


def narrowest_step(conversions: pd.DataFrame, horizon: float) -> dict | None:
    """The overall step with the lowest cohort-correct rate."""
    overall = conversions[(conversions["group"] == OVERALL) & conversions["rate"].notna()]
    if overall.empty:
        return None
    r = overall.sort_values("rate").iloc[0]
    a, b = r["step"].split("->")
    return {
        "headline": f"The narrowest step is {a} to {b}: {percent(r['rate'])} "
        f"({span(r['lo'], r['hi'], percent)}) move on within {horizon:g} days.",
        "detail": f"Naive count: {percent(r['naive'])}; the cohort-correct rate does not count "
        "leads too young to have moved on as failures.",
    }


def widest_gap(conversions: pd.DataFrame, groups: list[str]) -> dict | None:
    """The step whose rate differs most between sources, and whether the data can tell."""
    sub = conversions[conversions["group"].isin(groups) & conversions["rate"].notna()]
    if sub["group"].nunique() < 2:
        return None
    spread = sub.groupby("step")["rate"].agg(lambda s: s.max() - s.min())
    if not spread.max() > 0:  # every source at the same rate (say none converted yet)
        return None
    step = str(spread.idxmax())
    rows = sub[sub["step"] == step].sort_values("rate")
    low, high = rows.iloc[0], rows.iloc[-1]
    a, b = step.split("->")
    apart = high["lo"] > low["hi"]
    return {
        "headline": f"From {a} to {b}, {high['group']} converts best "
        f"({percent(high['rate'])}, {span(high['lo'], high['hi'], percent)}) and "
        f"{low['group']} worst ({percent(low['rate'])}, {span(low['lo'], low['hi'], percent)}).",
        "detail": "The intervals do not overlap: a real difference."
        if apart
        else "The intervals overlap: the data cannot yet tell these sources apart.",
    }


def censoring(cohorts: pd.DataFrame, min_leads: int = 30) -> dict | None:
    """The latest cohort (of at least ``min_leads``) whose naive rate most understates its
    completion-adjusted rate."""
    if cohorts.empty:
        return None
    big = cohorts[(cohorts["entered"] >= min_leads) & (cohorts["maturity"] < 0.9)]
    latest = big.groupby("step", sort=False).tail(1).dropna(subset=["adjusted"])
    if latest.empty:
        return None
    gap = latest["adjusted"] - latest["naive"]
    r = latest.loc[gap.idxmax()]
    if not gap.max() > 0:
        return None
    a, b = r["step"].split("->")
    return {
        "headline": f"Recent cohorts look worse than they are: of the {number(r['entered'])} "
        f"who reached {a} in {r['cohort']}, {percent(r['naive'])} have reached {b} so far, "
        f"but {percent(r['adjusted'])} ({span(r['lo'], r['hi'], percent)}) are expected to.",
        "detail": f"They have had time for {percent(r['maturity'], 0)} of their conversions; "
        "judge new campaigns by the adjusted rate (section 5).",
    }


def slowest_step(velocity: pd.DataFrame) -> dict | None:
    """The overall step that takes longest among leads that make it."""
    overall = velocity[velocity["group"] == OVERALL]
    if overall.empty:
        return None
    r = overall.sort_values("p50").iloc[-1]
    a, b = r["step"].split("->")
    return {
        "headline": f"Leads wait longest between {a} and {b}: median {r['p50']:.0f} days.",
        "detail": f"Half take between {r['p25']:.0f} and {r['p75']:.0f} days; one in twenty "
        f"more than {r['p95']:.0f} (converted leads only).",
    }


def accounts(summary: dict, k: int) -> dict | None:
    """MQAs and the revenue they brought."""
    if not summary or not summary.get("accounts"):
        return None
    total = summary["won_revenue"]
    share = summary["won_revenue_from_mqas"] / total if total else math.nan
    return {
        "headline": f"{summary['mqas']:,} of {summary['accounts']:,} accounts are marketing-"
        f"qualified ({k} or more engaged contacts); they brought {percent(share)} of won revenue.",
        "detail": f"Marketing reaches {summary['mean_reach']:.1f} contacts per account on average.",
    }


def influence(table: pd.DataFrame | None) -> dict | None:
    """The campaign on which first and last touch disagree most (in won revenue)."""
    if table is None or table.empty:
        return None
    gap = (table["first_touch"] - table["last_touch"]).abs()
    r = table.loc[gap.idxmax()]
    if not gap.max() > 0:
        return None
    more = "first" if r["first_touch"] > r["last_touch"] else "last"
    return {
        "headline": f"First and last touch disagree most on {r['campaign']}: "
        f"{number(r['first_touch'])} versus {number(r['last_touch'])} of won revenue.",
        "detail": f"{more.capitalize()} touch favours it; multi-touch (linear) credit, "
        f"{number(r['linear'])}, sits between. Touch credit shows influence, not incrementality.",
    }


def funnel_findings(
    *,
    ranking: pd.DataFrame,
    revenue: pd.DataFrame,
    conversions: pd.DataFrame,
    cohorts: pd.DataFrame,
    velocity: pd.DataFrame,
    groups: list[str],
    horizon: float,
    account_summary: dict | None = None,
    mqa_k: int = 3,
    influence_table: pd.DataFrame | None = None,
) -> list[dict]:
    """Every finding that applies, most important first."""
    found = [
        volume_versus_revenue(ranking, revenue),
        best_revenue_per_lead(revenue),
        widest_gap(conversions, groups),
        narrowest_step(conversions, horizon),
        censoring(cohorts),
        slowest_step(velocity),
        accounts(account_summary or {}, mqa_k),
        influence(influence_table),
    ]
    return [f for f in found if f is not None and not _has_nan(f)]


def _has_nan(finding: dict) -> bool:
    return any("n/a" in str(v) for v in finding.values())
