"""Figures of the funnel report (``mmm funnel --report``), in the house style of
:mod:`mmm.report.plots`: matplotlib without pyplot, group colours from :mod:`mmm.report.palette`.

Every function takes plain DataFrames (from :mod:`mmm.leads` and
:mod:`mmm.report.funnel_context`) and returns a :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from mmm.report import palette
from mmm.report.fmt import number, percent
from mmm.report.plots import NUMBER, forest, new_figure, panel_grid


def funnel_panels(
    stages: pd.DataFrame,
    conversions: pd.DataFrame,
    groups: Sequence[str],
    colors: Mapping[str, str],
    stage_names: Sequence[str],
) -> Figure:
    """One funnel per group: centred bars of stage counts, step rates with intervals beside.

    ``stages`` has one row per group and a column per stage; ``conversions`` one row per
    group and step with ``rate``, ``lo``, ``hi``.
    """
    fig, axes = panel_grid(len(groups), ncols=2, height=2.5)
    for ax, group in zip(axes.flat, groups, strict=False):
        counts = stages.set_index("group").loc[group, list(stage_names)].to_numpy(float)
        y = np.arange(len(stage_names))[::-1]
        width = counts / counts[0] if counts[0] else counts
        ax.barh(y, width, left=(1 - width) / 2, color=colors[group], alpha=0.85, height=0.72)
        for yi, c in zip(y, counts, strict=True):
            ax.text(0.5, yi, number(c), ha="center", va="center", fontsize=8,
                    color="black", fontweight="bold")  # fmt: skip
        rows = conversions[conversions["group"] == group]
        for yi, r in zip(y[1:], rows.itertuples(), strict=False):
            ax.text(1.02, yi + 0.5, f"{percent(r.rate)} ({percent(r.lo)}–{percent(r.hi)})",
                    va="center", fontsize=7.5, color="#333333")  # fmt: skip
        ax.set_yticks(y, list(stage_names))
        ax.set_xlim(0, 1.55)
        ax.set_xticks([])
        ax.grid(False)
        ax.spines["bottom"].set_visible(False)
        ax.set_title(group)
    fig.suptitle(
        "Funnel by source: leads reaching each stage, cohort-correct step rate (interval)",
        fontweight="bold",
        fontsize=10.5,
    )
    return fig


def conversion_curves(
    curves: pd.DataFrame, steps: Sequence[str], colors: Mapping[str, str], horizon: float
) -> Figure:
    """Kaplan-Meier share converted by days in the stage, one panel per step, one line per
    group with its pointwise interval."""
    fig, axes = panel_grid(len(steps), ncols=3, height=2.6)
    for i, (ax, step) in enumerate(zip(axes.flat, steps, strict=False)):
        sub = curves[curves["step"] == step]
        for group, g in sub.groupby("group", sort=False):
            color = colors[str(group)]
            ax.fill_between(g["day"], g["lo"], g["hi"], color=color, alpha=0.15, lw=0)
            ax.step(g["day"], g["rate"], where="post", color=color, lw=1.5, label=str(group))
        ax.set_title(step.replace("->", " → "))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlim(0, horizon)
        ax.set_xlabel("days since entering the stage")
        if i == 0:
            ax.set_ylabel("share moved on (Kaplan-Meier)")
            ax.legend(loc="upper left", fontsize=7)
    return fig


def velocity_boxes(
    velocity: pd.DataFrame, steps: Sequence[str], colors: Mapping[str, str]
) -> Figure:
    """Days between stages among converted leads: a box (p25-p75, median) and whiskers
    (p5-p95) per group, one panel per step."""
    fig, axes = panel_grid(len(steps), ncols=3, height=2.8)
    for ax, step in zip(axes.flat, steps, strict=False):
        sub = velocity[velocity["step"] == step]
        boxes = [
            {"label": str(r.group), "med": r.p50, "q1": r.p25, "q3": r.p75,
             "whislo": r.p5, "whishi": r.p95, "fliers": []}
            for r in sub.itertuples()
        ]  # fmt: skip
        if boxes:
            art = ax.bxp(boxes, orientation="horizontal", patch_artist=True, showfliers=False)
            for patch, r in zip(art["boxes"], sub.itertuples(), strict=True):
                patch.set_facecolor(colors[str(r.group)])
                patch.set_alpha(0.8)
            for median in art["medians"]:
                median.set_color("black")
            ax.invert_yaxis()
        ax.set_title(step.replace("->", " → "))
        ax.set_xlabel("days (converted leads)")
        ax.grid(axis="y", visible=False)
    return fig


def cohort_maturity(cohorts: pd.DataFrame, steps: Sequence[str], prob: float) -> Figure:
    """Naive versus completion-adjusted rate per monthly cohort, one panel per step; the
    shaded bars show how mature each cohort is (share of its conversions it has had time for)."""
    fig, axes = panel_grid(len(steps), ncols=3, height=2.8)
    pct = round(100 * prob)
    for i, (ax, step) in enumerate(zip(axes.flat, steps, strict=False)):
        sub = cohorts[cohorts["step"] == step]
        x = np.arange(len(sub))
        ax.bar(x, sub["maturity"], color=palette.GRID, width=0.8, label="maturity")
        ax.fill_between(x, sub["lo"], sub["hi"], color=palette.BAND, alpha=0.45, lw=0,
                        label=f"adjusted, {pct}% interval")  # fmt: skip
        ax.plot(x, sub["adjusted"], "o-", color=palette.PREDICTED, ms=3, lw=1.4,
                label="completion-adjusted")  # fmt: skip
        ax.plot(x, sub["naive"], "s--", color=palette.ACTUAL, ms=3, lw=1.0, label="naive")
        ticks = x[:: max(1, len(x) // 6)]
        ax.set_xticks(ticks, [sub["cohort"].iloc[t] for t in ticks], rotation=30, fontsize=7)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_title(step.replace("->", " → "))
        if i == 0:
            ax.set_ylabel("rate")
            ax.legend(loc="upper left", fontsize=7)
    return fig


def volume_versus_revenue(ranking: pd.DataFrame, colors: Mapping[str, str]) -> Figure:
    """Share of MQLs beside share of won revenue per group, ordered by MQL volume."""
    groups = [str(g) for g in ranking["group"]]
    y = np.arange(len(groups))[::-1]
    fig, axes = new_figure((10.0, 0.9 + 0.45 * len(groups)))
    ax = axes[0, 0]
    cols = [colors[g] for g in groups]
    ax.barh(y + 0.19, ranking["mql_share"], height=0.36, color=cols, alpha=0.35,
            label="share of MQLs")  # fmt: skip
    ax.barh(
        y - 0.19, ranking["revenue_share"], height=0.36, color=cols, label="share of won revenue"
    )
    # no MQL or no won revenue yet: the shares are NaN, drawn as no bar
    shares = np.nan_to_num(ranking[["mql_share", "revenue_share"]].to_numpy(float), nan=0.0)
    for yi, r, ends in zip(y, ranking.itertuples(), shares.max(axis=1), strict=True):
        ax.annotate(f"#{r.rank_by_mqls} by MQLs, #{r.rank_by_revenue} by revenue",
                    (ends, yi), xytext=(6, 0),
                    textcoords="offset points", va="center", fontsize=7.5)  # fmt: skip
    ax.set_yticks(y, groups)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlim(0, 1.3 * float(shares.max()) if shares.size and shares.max() > 0 else 1.0)
    ax.set_title("MQL volume versus won revenue")
    ax.set_xlabel("share of all groups")
    ax.legend(loc="lower right")
    ax.grid(axis="y", visible=False)
    return fig


def revenue_forest(revenue: pd.DataFrame, colors: Mapping[str, str], prob: float) -> Figure:
    """Won revenue per lead and per MQL: point estimate and interval per group."""
    pct = round(100 * prob)
    groups = [str(g) for g in revenue["group"]]
    per_lead = revenue[["per_lead", "per_lead_lo", "per_lead_hi"]].to_numpy(float)
    per_mql = revenue[["per_mql", "per_mql_lo", "per_mql_hi"]].to_numpy(float)
    fig, axes = new_figure((10.0, 0.9 + 0.45 * len(groups)), 1, 2, sharey=True)
    forest(axes[0, 0], groups, per_lead, colors, f"Won revenue per lead ({pct}% interval)",
           "revenue per lead")  # fmt: skip
    forest(axes[0, 1], groups, per_mql, colors, f"Won revenue per MQL ({pct}% interval)",
           "revenue per MQL")  # fmt: skip
    for ax in axes.flat:
        ax.xaxis.set_major_formatter(NUMBER)
    return fig


def account_view(funnel: pd.DataFrame, accounts: pd.DataFrame, k: int, prob: float) -> Figure:
    """Account funnel rates with intervals, engaged contacts per account, and reach."""
    fig, axes = new_figure((10.0, 3.2), 1, 3)
    steps = [s.replace("->", " → ") for s in funnel["step"]]
    rates = funnel[["rate", "lo", "hi"]].to_numpy(float)
    forest(axes[0, 0], steps, rates, {s: palette.PREDICTED for s in steps},
           f"Account funnel ({round(100 * prob)}% interval)", "cohort-correct rate")  # fmt: skip
    axes[0, 0].xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    for ax, column, title in (
        (axes[0, 1], "engaged_contacts", "Engaged contacts per account"),
        (axes[0, 2], "reach", "Contacts reached per account"),
    ):
        values = accounts[column].to_numpy(int)
        top = int(np.percentile(values, 99)) if len(values) else 1
        counts = np.bincount(np.clip(values, 0, top + 1), minlength=top + 2)
        ax.bar(np.arange(len(counts)), counts, color=palette.BAND, width=0.85)
        ax.set_title(title)
        ax.set_xlabel("contacts" + (f" ({top + 1} = {top + 1} or more)" if top > 0 else ""))
        ax.yaxis.set_major_formatter(NUMBER)
        ax.grid(axis="x", visible=False)
    axes[0, 1].axvline(k - 0.5, color=palette.ACTUAL, ls="--", lw=1, label=f"MQA: {k} or more")
    axes[0, 1].legend(loc="upper right")
    axes[0, 1].set_ylabel("accounts")
    return fig


def influence_bars(influence: pd.DataFrame, limit: int = 12) -> Figure:
    """Won revenue credited to each campaign by first touch, last touch and linear."""
    top = influence.head(limit)
    names = [str(c) for c in top["campaign"]]
    y = np.arange(len(names))[::-1]
    fig, axes = new_figure((10.0, 1.0 + 0.5 * len(names)))
    ax = axes[0, 0]
    series = (("first_touch", "first touch", palette.BAND),
              ("linear", "multi-touch (linear)", palette.PREDICTED),
              ("last_touch", "last touch", palette.ACTUAL))  # fmt: skip
    for j, (column, label, color) in enumerate(series):
        ax.barh(y + (1 - j) * 0.26, top[column], height=0.25, color=color, label=label)
    ax.set_yticks(y, names)
    ax.xaxis.set_major_formatter(NUMBER)
    ax.set_xlabel("won revenue credited")
    ax.set_title(f"Campaign influence on won revenue (top {len(names)} by multi-touch credit)")
    ax.legend(loc="lower right")
    ax.grid(axis="y", visible=False)
    return fig
