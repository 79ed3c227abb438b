"""The funnel report: ``mmm funnel CRM_FILE --report funnel.html`` (see docs/report.md).

One self-contained HTML page in the shell of the MMM report (:mod:`mmm.report.page`): findings
first, then the funnel per source, Kaplan-Meier conversion curves, stage velocity, cohort
maturity, MQL volume versus won revenue, revenue per lead and per MQL, the account view and
campaign influence. Numbers come from :mod:`mmm.leads` and :mod:`mmm.report.funnel_context`,
figures from :mod:`mmm.report.funnel_plots`, sentences from :mod:`mmm.report.funnel_findings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd

from mmm.leads.accounts import AccountReport
from mmm.leads.channels import Rule
from mmm.leads.funnel import OVERALL, FunnelReport, group_labels
from mmm.leads.schema import FUNNEL
from mmm.report import funnel_context, funnel_plots, palette
from mmm.report.funnel_findings import funnel_findings
from mmm.report.page import (
    STYLE,
    environment,
    page_figure,
    page_meta,
    without_lazy_jax,
)

TEMPLATE = "funnel.html.j2"
#: Section anchors and titles, in page order.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("findings", "Findings"),
    ("funnel", "Funnel by source"),
    ("curves", "Conversion curves"),
    ("velocity", "Stage velocity"),
    ("cohorts", "Cohort maturity"),
    ("revenue", "Volume versus revenue"),
    ("accounts", "Account view"),
    ("influence", "Campaign influence"),
)
#: Figure ids, always present (account and influence figures when their data is).
FIGURES = ("funnel", "curves", "velocity", "cohorts", "ranking", "revenue")
#: Sources drawn in the per-source figures (the ones with most leads).
MAX_GROUPS = 8


def group_colors(groups: list[str]) -> dict[str, str]:
    """Source colours: the shared channel palette (colour by name); ``(all)`` in ink."""
    named = [g for g in groups if g != OVERALL]
    return {OVERALL: palette.ACTUAL, **palette.channel_colors(named)}


def _records(df: pd.DataFrame | None) -> list[dict[str, Any]]:
    if df is None:
        return []
    return df.astype(object).where(df.notna(), None).to_dict(orient="records")


def build_figures(
    rep: FunnelReport,
    data: dict[str, Any],
    colors: dict[str, str],
    horizon: float,
    accounts: AccountReport | None,
    influence: pd.DataFrame | None,
) -> dict[str, dict[str, Any] | None]:
    """Every figure of the funnel report, encoded for the page."""
    steps, pct = list(funnel_context.STEPS), round(100 * rep.prob)
    shown = [OVERALL, *data["groups"]]
    out: dict[str, dict[str, Any] | None] = {}
    with matplotlib.rc_context(STYLE), without_lazy_jax():
        out["funnel"] = page_figure(
            "funnel",
            funnel_plots.funnel_panels(rep.stages, rep.conversions, shown, colors, FUNNEL),
            "funnel per source",
            f"Bars: leads that reached each stage, relative to the leads of the source. Beside "
            f"each step: its cohort-correct rate ({rep.method}) and {pct}% interval.",
        )
        out["curves"] = page_figure(
            "curves",
            funnel_plots.conversion_curves(data["curves"], steps, colors, horizon),
            "Kaplan-Meier conversion curves by source",
            f"Share of leads that reached the next stage by days since entering a stage "
            f"(Kaplan-Meier: young leads count only for the days they have lived); bands: "
            f"pointwise {pct}% intervals.",
        )
        out["velocity"] = None
        if len(data["velocity"]):
            out["velocity"] = page_figure(
                "velocity",
                funnel_plots.velocity_boxes(data["velocity"], steps, colors),
                "stage velocity distributions",
                "Days from one stage to the next among leads that made the move: box from the "
                "25th to the 75th percentile with the median, whiskers from the 5th to the 95th.",
            )
        out["cohorts"] = page_figure(
            "cohorts",
            funnel_plots.cohort_maturity(rep.cohorts, steps, rep.prob),
            "cohort maturity: naive versus completion-adjusted rates",
            "Per month of entering a stage (all leads): the naive rate counts young leads as "
            "failures and drops for recent months; the completion-adjusted rate corrects for the "
            "share of conversions each cohort has had time to show (grey bars).",
        )
        out["ranking"] = page_figure(
            "ranking",
            funnel_plots.volume_versus_revenue(rep.ranking, colors),
            "MQL volume versus won revenue",
            "A source whose revenue bar is shorter than its MQL bar brings volume that "
            "converts to less revenue than average.",
        )
        out["revenue"] = page_figure(
            "revenue",
            funnel_plots.revenue_forest(data["revenue"], colors, rep.prob),
            "won revenue per lead and per MQL",
            f"Dot: won revenue divided by leads (MQLs); line: {pct}% interval (Beta share won "
            "times a Bayesian bootstrap of the deal size). Deals won so far only.",
        )
        out["accounts"] = None
        if accounts is not None and len(accounts.accounts):
            out["accounts"] = page_figure(
                "accounts",
                funnel_plots.account_view(
                    accounts.funnel, accounts.accounts, accounts.k, rep.prob
                ),  # fmt: skip
                "account view",
                f"Left: account funnel (an account reaches a stage with its first contact "
                f"there; MQA = {accounts.k} engaged contacts). Middle and right: engaged and "
                "reached contacts per account.",
            )
        out["influence"] = None
        if influence is not None and len(influence):
            out["influence"] = page_figure(
                "influence",
                funnel_plots.influence_bars(influence),
                "campaign influence: first, last and multi-touch credit",
                "Won revenue credited to each campaign under three rules; each rule shares out "
                "the same total. Large differences mean the rule, not the data, decides.",
            )
    return out


def render_funnel_report(
    leads: pd.DataFrame,
    rep: FunnelReport,
    *,
    rules: tuple[Rule, ...] | None = None,
    horizon: float = 180.0,
    accounts: AccountReport | None = None,
    influence: pd.DataFrame | None = None,
    source: str | Path | None = None,
    seed: int = 0,
) -> str:
    """The funnel report as one HTML string.

    Parameters
    ----------
    leads : DataFrame
        The canonical lead table the report ``rep`` was computed from.
    rep : FunnelReport
        From :func:`mmm.leads.funnel.funnel_report`.
    rules : tuple of Rule, optional
        The channel rules used for ``--by channel``.
    horizon : float
        Days within which a conversion counts (as for ``rep``).
    accounts : AccountReport, optional
        From :func:`mmm.leads.accounts.account_view`.
    influence : DataFrame, optional
        From :func:`mmm.leads.influence.campaign_influence`.
    source : str or Path, optional
        The CRM file, shown in the header.
    seed : int
        Seed of the revenue interval draws.
    """
    labels = group_labels(leads, rep.by, rules)
    all_groups = [str(g) for g in rep.stages["group"]]
    groups = funnel_context.top_groups(rep.stages, MAX_GROUPS)
    colors = group_colors(all_groups)
    durations = funnel_context.step_durations(leads, labels, [OVERALL, *groups], rep.as_of)
    data = {
        "groups": groups,
        "curves": funnel_context.conversion_curves(durations, horizon, rep.prob),
        "velocity": funnel_context.velocity_stats(durations),
        "revenue": funnel_context.revenue_intervals(
            leads, labels, all_groups, rep.as_of, rep.prob, seed
        ),
    }
    findings = funnel_findings(
        ranking=rep.ranking,
        revenue=data["revenue"],
        conversions=rep.conversions,
        cohorts=rep.cohorts,
        velocity=data["velocity"],
        groups=groups,
        horizon=horizon,
        account_summary=accounts.summary if accounts is not None else None,
        mqa_k=accounts.k if accounts is not None else 3,
        influence_table=influence,
    )
    figures = build_figures(rep, data, colors, horizon, accounts, influence)
    revenue = data["revenue"].drop(columns=["per_lead", "per_mql", "won"])
    sales = rep.sales.merge(revenue, on="group")
    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            meta=page_meta(Path(source).name if source else "leads", source),
            sections=SECTIONS,
            colors=colors,
            rep=rep,
            pct=round(100 * rep.prob),
            horizon=horizon,
            n_groups=len(all_groups) - 1,
            shown_groups=groups,
            findings=findings,
            stages=_records(rep.stages),
            stage_names=FUNNEL,
            sales=_records(sales),
            ranking=_records(rep.ranking),
            accounts=accounts,
            account_funnel=_records(accounts.funnel if accounts is not None else None),
            influence=_records(influence.head(15) if influence is not None else None),
            implied=int(leads.attrs.get("implied_stage_dates", 0)),
            figures=figures,
        )
    )
