"""``mmm funnel``: lead funnel by source channel from a CRM export."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from mmm.cli._common import console, user_errors
from mmm.leads.groupings import GROUPINGS

if TYPE_CHECKING:
    import pandas as pd

    from mmm.leads.accounts import AccountReport
    from mmm.leads.funnel import FunnelReport


class Method(StrEnum):
    """Censoring handling for young leads."""

    km = "km"
    mature = "mature"


def _pct(x: float) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def _num(x: float, digits: int = 0) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.{digits}f}"


def _clean(obj):
    """NaN -> None, recursively, so the JSON is standard."""
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def print_json(obj: dict) -> None:
    """Print standard JSON (no NaN), unwrapped and unstyled."""
    text = json.dumps(_clean(obj), default=str, allow_nan=False, indent=2)
    console.print(text, soft_wrap=True, highlight=False, markup=False)


def _records(df: pd.DataFrame) -> list[dict]:
    return df.astype(object).where(df.notna(), None).to_dict(orient="records")


def _print_funnel(rep: FunnelReport) -> None:
    console.print(f"[bold]Funnel by {rep.by}[/] as of {rep.as_of.date()}; rates: {rep.method}")
    t = Table(title="Leads reaching each stage")
    for col in rep.stages.columns:
        t.add_column(col, justify="left" if col == "group" else "right")
    for row in rep.stages.itertuples(index=False):
        t.add_row(str(row[0]), *(_num(v) for v in row[1:]))
    console.print(t)
    steps = list(dict.fromkeys(rep.conversions["step"]))
    t = Table(
        title=f"Stage-to-stage conversion: cohort-correct rate [{rep.prob:.0%} interval] (naive)"
    )
    t.add_column("group")
    for s in steps:
        t.add_column(s, justify="right")
    for group, sub in rep.conversions.groupby("group", sort=False):
        cells = [
            f"{_pct(r.rate)} [{_pct(r.lo)}, {_pct(r.hi)}] ({_pct(r.naive)})"
            for r in sub.itertuples()
        ]
        t.add_row(str(group), *cells)
    console.print(t)
    t = Table(title="Days between stages: median (p25-p75), converted leads")
    t.add_column("group")
    for s in steps:
        t.add_column(s, justify="right")
    for group, sub in rep.conversions.groupby("group", sort=False):
        t.add_row(
            str(group),
            *(
                f"{_num(r.median_days)} ({_num(r.p25_days)}-{_num(r.p75_days)})"
                for r in sub.itertuples()
            ),
        )
    console.print(t)
    t = Table(title="Sales: win rate, deal size, velocity, revenue per lead")
    cols = [
        "group",
        "opportunities",
        "won",
        "win_rate",
        "avg_deal",
        "cycle_days",
        "velocity_per_day",
    ]
    cols += ["won_revenue", "revenue_per_lead", "revenue_per_mql"]
    for c in cols:
        t.add_column(c, justify="left" if c == "group" else "right")
    for r in rep.sales[cols].itertuples(index=False):
        t.add_row(
            str(r.group),
            _num(r.opportunities),
            _num(r.won),
            _pct(r.win_rate),
            _num(r.avg_deal),
            _num(r.cycle_days, 1),
            _num(r.velocity_per_day),
            _num(r.won_revenue),
            _num(r.revenue_per_lead, 2),
            _num(r.revenue_per_mql, 2),
        )
    console.print(t)
    t = Table(title="Ranking by MQL volume vs by won revenue")
    for c in ("group", "mqls", "rank_by_mqls", "won_revenue", "rank_by_revenue", "rank_gap"):
        t.add_column(c, justify="left" if c == "group" else "right")
    for r in rep.ranking.itertuples(index=False):
        gap = f"{r.rank_gap:+d}" if r.rank_gap else "0"
        t.add_row(
            str(r.group),
            _num(r.mqls),
            str(r.rank_by_mqls),
            _num(r.won_revenue),
            str(r.rank_by_revenue),
            gap,
        )
    console.print(t)
    recent = rep.cohorts.groupby("step", sort=False).tail(3)
    t = Table(title="Recent cohorts (all leads): naive vs completion-adjusted rate")
    for c in ("step", "cohort", "entered", "naive", "adjusted", "interval", "maturity"):
        t.add_column(c, justify="left" if c in ("step", "cohort") else "right")
    for r in recent.itertuples(index=False):
        t.add_row(
            r.step,
            r.cohort,
            _num(r.entered),
            _pct(r.naive),
            _pct(r.adjusted),
            f"[{_pct(r.lo)}, {_pct(r.hi)}]",
            _pct(r.maturity),
        )
    console.print(t)


def _print_accounts(acc: AccountReport) -> None:
    s = acc.summary
    console.print(
        f"[bold]Accounts[/]: {s['accounts']:,} with contacts, {s['mqas']:,} marketing-qualified "
        f"(>= {acc.k} contacts at {acc.engaged_stage}); mean reach {s['mean_reach']:.1f} contacts, "
        f"mean engaged {s['mean_engaged_contacts']:.1f}; won revenue from MQAs "
        f"{_num(s['won_revenue_from_mqas'])} of {_num(s['won_revenue'])}"
    )
    t = Table(title="Account funnel")
    for c in ("step", "entered", "converted", "rate", "interval", "naive"):
        t.add_column(c, justify="left" if c == "step" else "right")
    for r in acc.funnel.itertuples(index=False):
        t.add_row(
            r.step,
            _num(r.entered),
            _num(r.converted),
            _pct(r.rate),
            f"[{_pct(r.lo)}, {_pct(r.hi)}]",
            _pct(r.naive),
        )
    console.print(t)
    t = Table(title="Top accounts by engaged contacts")
    for c in ("account_id", "reach", "engaged_contacts", "is_mqa", "furthest_stage", "won_revenue"):
        t.add_column(c)
    for r in acc.accounts.head(10).itertuples(index=False):
        t.add_row(
            str(r.account_id),
            str(r.reach),
            str(r.engaged_contacts),
            "yes" if r.is_mqa else "no",
            r.furthest_stage,
            _num(r.won_revenue),
        )
    console.print(t)


def _print_influence(inf: pd.DataFrame, limit: int = 15) -> None:
    t = Table(title="Campaign influence on won revenue: first / last / linear touch")
    for c in (
        "campaign",
        "deals",
        "first_touch",
        "last_touch",
        "linear",
        "first vs linear",
        "last vs linear",
    ):
        t.add_column(c, justify="left" if c == "campaign" else "right")
    for r in inf.head(limit).itertuples(index=False):
        t.add_row(
            str(r.campaign),
            _num(r.deals),
            _num(r.first_touch),
            _num(r.last_touch),
            _num(r.linear),
            f"{r.first_vs_linear:+.0%}",
            f"{r.last_vs_linear:+.0%}",
        )
    console.print(t)


@user_errors
def funnel_command(
    crm_file: Annotated[
        Path, typer.Argument(help="CRM export, one row per lead (CSV or Parquet).")
    ],
    by: Annotated[
        str, typer.Option(help=f"Group leads by: {', '.join(GROUPINGS)}.")
    ] = "first_touch",
    mapping: Annotated[
        Path | None, typer.Option("--mapping", "-m", help="Column-mapping YAML.")
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option("--column", "-c", help="Map one field: FIELD=COLUMN (repeatable)."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Export date (default: latest date in the file).")
    ] = None,
    method: Annotated[
        Method, typer.Option(help="Censoring: km (Kaplan-Meier) or mature cohorts.")
    ] = Method.km,
    horizon: Annotated[float, typer.Option(help="Days within which a conversion counts.")] = 180.0,
    channel_rules: Annotated[
        Path | None, typer.Option(help="Channel rules YAML for --by channel.")
    ] = None,
    mqa_k: Annotated[int, typer.Option(help="Engaged contacts that make an account an MQA.")] = 3,
    engaged_stage: Annotated[
        str, typer.Option(help="Stage at which a contact counts as engaged.")
    ] = "mql",
    touches: Annotated[
        Path | None, typer.Option(help="Touch file: lead_id, timestamp, campaign.")
    ] = None,
    self_reported: Annotated[
        bool, typer.Option(help="Add the self-reported answer as a touch.")
    ] = False,
    weekly_out: Annotated[
        Path | None, typer.Option(help="Write weekly MQL/SQL/won revenue CSV here.")
    ] = None,
    week_start: Annotated[
        str, typer.Option(help="First day of the weekly CSV's weeks (MON ... SUN).")
    ] = "MON",
    json_output: Annotated[
        bool, typer.Option("--json", help="Print machine-readable JSON.")
    ] = False,
) -> None:
    """Funnel by source channel: stage counts, cohort-correct rates, velocity, revenue ranking."""
    from mmm.leads.accounts import account_view
    from mmm.leads.channels import load_channel_rules
    from mmm.leads.funnel import funnel_report
    from mmm.leads.influence import campaign_influence, read_touches
    from mmm.leads.schema import load_mapping, parse_overrides, read_leads
    from mmm.leads.weekly import weekly_aggregates, write_weekly

    cols = load_mapping(mapping, parse_overrides(column))
    leads = read_leads(crm_file, cols)
    rules = load_channel_rules(channel_rules) if channel_rules else None
    rep = funnel_report(leads, by, as_of=as_of, method=method.value, horizon=horizon, rules=rules)
    has_accounts = "account_id" in leads and leads["account_id"].notna().any()
    acc = (
        account_view(
            leads,
            k=mqa_k,
            engaged_stage=engaged_stage,
            as_of=rep.as_of,
            method=method.value,
            horizon=horizon,
        )
        if has_accounts
        else None
    )
    touch_table = read_touches(touches) if touches else None
    can_influence = touch_table is not None or {"first_touch", "last_touch"} & set(leads.columns)
    inf = (
        campaign_influence(leads, touch_table, as_of=rep.as_of, include_self_reported=self_reported)
        if can_influence
        else None
    )
    if weekly_out:
        weekly = weekly_aggregates(
            leads, by, as_of=rep.as_of, rules=rules, week_start=week_start.upper()
        )
        write_weekly(weekly, weekly_out)
    if json_output:
        out = rep.to_dict()
        out["implied_stage_dates"] = leads.attrs.get("implied_stage_dates", 0)
        if acc is not None:
            out["accounts"] = {
                "k": acc.k,
                "engaged_stage": acc.engaged_stage,
                "summary": acc.summary,
                "funnel": _records(acc.funnel),
            }
        out["influence"] = _records(inf) if inf is not None else None
        if weekly_out:
            out["weekly_csv"] = str(weekly_out)
        print_json(out)
        return
    _print_funnel(rep)
    if leads.attrs.get("implied_stage_dates"):
        console.print(
            f"note: {leads.attrs['implied_stage_dates']} skipped stage dates were set to "
            "the next stage's date"
        )
    if acc is not None:
        _print_accounts(acc)
    if inf is not None:
        _print_influence(inf)
    if weekly_out:
        console.print(f"weekly aggregates written to {weekly_out}")
