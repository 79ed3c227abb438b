"""Terminal tables of ``mmm funnel``: every one a :class:`mmm.cli.layout.StackedTable`.

No cell wraps or is cut in an 80-column terminal: numbers are compact (``20.5k``), rates and
their intervals sit on one line (``49.3% (46.4–52.3%)``), stage names are short (``sql→opp``)
and columns that do not fit go into a further table below. The default shows the columns a
marketer reads first; ``wide=True`` (``--wide``) adds the rest (naive rates, counts, velocity).
"""

from __future__ import annotations

import math

import pandas as pd

from mmm.cli.layout import Column, StackedTable
from mmm.cli.tables import DASH, format_number, format_share

#: Short stage names for headers.
SHORT_STAGES = {"opportunity": "opp", "pipeline": "pipe"}


def short_step(step: str) -> str:
    """``'sql->opportunity'`` -> ``'sql→opp'``."""
    a, b = step.split("->")
    return f"{SHORT_STAGES.get(a, a)}\u2192{SHORT_STAGES.get(b, b)}"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def num(value, digits: int = 0) -> str:
    """Compact number ('–' when missing); ``digits`` > 0 keeps decimals below 1000."""
    if _missing(value):
        return "\u2013"
    if digits and abs(value) < 1000:
        return f"{value:.{digits}f}"
    return format_number(float(value))


def pct(value, digits: int = 1) -> str:
    """A rate in percent ('–' when missing)."""
    return "\u2013" if _missing(value) else f"{100 * value:.{digits}f}%"


def rate_cell(rate, lo, hi) -> str:
    """``49.3% (46.4–52.3%)`` ('–' when the rate is missing)."""
    if any(_missing(v) for v in (rate, lo, hi)):
        return pct(rate)
    return format_share({"mean": rate, "lo": lo, "hi": hi})


def stages_table(stages: pd.DataFrame) -> StackedTable:
    """Leads that reached each stage, per group."""
    columns = [
        Column(SHORT_STAGES.get(c, c), [num(v) for v in stages[c]])
        for c in stages.columns
        if c != "group"
    ]
    return StackedTable(
        title="Leads reaching each stage",
        key=Column("group", [str(g) for g in stages["group"]], justify="left"),
        columns=columns,
        continued="Leads reaching each stage (continued)",
    )


def _by_step(conversions: pd.DataFrame, cell) -> tuple[list[str], list[Column]]:
    groups = list(dict.fromkeys(str(g) for g in conversions["group"]))
    steps = list(dict.fromkeys(conversions["step"]))
    table = conversions.set_index(["group", "step"])
    columns = [Column(short_step(s), [cell(table.loc[(g, s)]) for g in groups]) for s in steps]
    return groups, columns


def conversion_table(
    conversions: pd.DataFrame, prob: float, method: str, wide: bool
) -> StackedTable:
    """Cohort-correct stage-to-stage rates with intervals (and naive rates when ``wide``)."""
    groups, columns = _by_step(conversions, lambda r: rate_cell(r["rate"], r["lo"], r["hi"]))
    if wide:
        _, naive = _by_step(conversions, lambda r: pct(r["naive"]))
        columns += [Column(f"naive {c.header}", c.cells) for c in naive]
    legend = (
        f"Cells read rate (lo{DASH}hi): cohort-correct rate ({method}) and central "
        f"{round(100 * prob)}% interval."
    )
    if not wide:
        legend += " Naive rates: --wide."
    return StackedTable(
        title="Stage-to-stage conversion",
        key=Column("group", groups, justify="left"),
        columns=columns,
        continued="Stage-to-stage conversion (continued)",
        legend=legend,
    )


def days_table(conversions: pd.DataFrame) -> StackedTable:
    """Days between stages among converted leads: median (p25–p75)."""

    def cell(r) -> str:
        if _missing(r["median_days"]):
            return "\u2013"
        return f"{r['median_days']:.0f} ({r['p25_days']:.0f}{DASH}{r['p75_days']:.0f})"

    groups, columns = _by_step(conversions, cell)
    return StackedTable(
        title="Days between stages",
        key=Column("group", groups, justify="left"),
        columns=columns,
        continued="Days between stages (continued)",
        legend=f"Cells read median (p25{DASH}p75) days, converted leads only.",
    )


def sales_table(sales: pd.DataFrame, wide: bool) -> StackedTable:
    """Won revenue, win rate, deal size, cycle and revenue per lead / MQL per group."""
    spec = [
        ("revenue", "won_revenue", num),
        ("win rate", "win_rate", pct),
        ("avg deal", "avg_deal", num),
        ("cycle d", "cycle_days", lambda v: num(v, 1)),
        ("rev/lead", "revenue_per_lead", lambda v: num(v, 2)),
        ("rev/MQL", "revenue_per_mql", lambda v: num(v, 2)),
    ]
    if wide:
        spec += [
            ("opps", "opportunities", num),
            ("open opps", "open_opportunities", num),
            ("won", "won", num),
            ("naive win", "win_rate_naive", pct),
            ("velocity/d", "velocity_per_day", num),
        ]
    legend = "revenue: won revenue; win rate: cohort-correct opp→won; cycle d: days opp→won."
    if not wide:
        legend += " Counts and velocity: --wide."
    return StackedTable(
        title="Sales",
        key=Column("group", [str(g) for g in sales["group"]], justify="left"),
        columns=[Column(h, [fmt(v) for v in sales[c]]) for h, c, fmt in spec],
        continued="Sales (continued)",
        legend=legend,
    )


def ranking_table(ranking: pd.DataFrame) -> StackedTable:
    """Groups ranked by MQL volume next to their rank by won revenue."""
    return StackedTable(
        title="Ranking by MQL volume vs by won revenue",
        key=Column("group", [str(g) for g in ranking["group"]], justify="left"),
        columns=[
            Column("MQLs", [num(v) for v in ranking["mqls"]]),
            Column("rank", [str(v) for v in ranking["rank_by_mqls"]]),
            Column("revenue", [num(v) for v in ranking["won_revenue"]]),
            Column("rank", [str(v) for v in ranking["rank_by_revenue"]]),
            Column("gap", [f"{v:+d}" if v else "0" for v in ranking["rank_gap"]]),
        ],
        continued="Ranking (continued)",
        legend="gap: rank by MQLs minus rank by revenue (negative: volume without revenue).",
    )


def cohorts_table(cohorts: pd.DataFrame, prob: float, wide: bool) -> StackedTable:
    """Naive versus completion-adjusted rate of recent cohorts (every cohort when ``wide``)."""
    rows = cohorts if wide else cohorts.groupby("step", sort=False).tail(3)
    title = "Cohorts" if wide else "Recent cohorts"
    return StackedTable(
        title=f"{title} (all leads): naive vs completion-adjusted rate",
        key=Column(
            "step, cohort",
            [f"{short_step(s)} {c}" for s, c in zip(rows["step"], rows["cohort"], strict=True)],
            justify="left",
        ),
        columns=[
            Column("entered", [num(v) for v in rows["entered"]]),
            Column("naive", [pct(v) for v in rows["naive"]]),
            Column(
                "adjusted",
                [rate_cell(*v) for v in rows[["adjusted", "lo", "hi"]].itertuples(index=False)],
            ),
            Column("maturity", [pct(v, 0) for v in rows["maturity"]]),
        ],
        continued="Cohorts (continued)",
        legend=f"adjusted: rate (lo{DASH}hi), central {round(100 * prob)}% interval; maturity: "
        "share of eventual conversions the cohort has had time to show.",
    )


def account_funnel_table(funnel: pd.DataFrame, prob: float) -> StackedTable:
    """Account-level stage-to-stage rates."""
    return StackedTable(
        title="Account funnel",
        key=Column("step", [short_step(s) for s in funnel["step"]], justify="left"),
        columns=[
            Column("entered", [num(v) for v in funnel["entered"]]),
            Column("converted", [num(v) for v in funnel["converted"]]),
            Column(
                "rate",
                [rate_cell(*v) for v in funnel[["rate", "lo", "hi"]].itertuples(index=False)],
            ),
            Column("naive", [pct(v) for v in funnel["naive"]]),
        ],
        legend=f"rate (lo{DASH}hi): cohort-correct, central {round(100 * prob)}% interval.",
    )


def top_accounts_table(accounts: pd.DataFrame, limit: int) -> StackedTable:
    """The accounts with the most engaged contacts."""
    top = accounts.head(limit)
    return StackedTable(
        title="Top accounts by engaged contacts",
        key=Column("account", [str(a) for a in top["account_id"]], justify="left"),
        columns=[
            Column("reach", [str(v) for v in top["reach"]]),
            Column("engaged", [str(v) for v in top["engaged_contacts"]]),
            Column("MQA", ["yes" if v else "no" for v in top["is_mqa"]]),
            Column("furthest", [SHORT_STAGES.get(v, v) for v in top["furthest_stage"]], "left"),
            Column("revenue", [num(v) for v in top["won_revenue"]]),
        ],
    )


def influence_table(influence: pd.DataFrame, limit: int | None) -> StackedTable:
    """First-touch, last-touch and linear credit of won revenue per campaign."""
    rows = influence if limit is None else influence.head(limit)

    def rel(v) -> str:
        return "\u2013" if _missing(v) else f"{v:+.0%}"

    legend = "Won revenue credited by each rule; first/last vs linear: relative over-credit."
    if limit is not None and len(influence) > limit:
        legend += f" {len(influence) - limit} more campaigns: --wide."
    return StackedTable(
        title="Campaign influence on won revenue",
        key=Column("campaign", [str(c) for c in rows["campaign"]], justify="left"),
        columns=[
            Column("deals", [num(v) for v in rows["deals"]]),
            Column("first", [num(v) for v in rows["first_touch"]]),
            Column("last", [num(v) for v in rows["last_touch"]]),
            Column("linear", [num(v) for v in rows["linear"]]),
            Column("first/lin", [rel(v) for v in rows["first_vs_linear"]]),
            Column("last/lin", [rel(v) for v in rows["last_vs_linear"]]),
        ],
        continued="Campaign influence (continued)",
        legend=legend,
    )
