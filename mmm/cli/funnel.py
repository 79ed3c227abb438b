"""``mmm funnel``: lead funnel by source channel from a CRM export."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

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


def _print_funnel(rep: FunnelReport, wide: bool) -> None:
    from mmm.cli import funnel_tables as ft

    console.print(f"[bold]Funnel by {rep.by}[/] as of {rep.as_of.date()}; rates: {rep.method}")
    tables = [
        ft.stages_table(rep.stages),
        ft.conversion_table(rep.conversions, rep.prob, rep.method, wide),
        ft.days_table(rep.conversions),
        ft.sales_table(rep.sales, wide),
        ft.ranking_table(rep.ranking),
        ft.cohorts_table(rep.cohorts, rep.prob, wide),
    ]
    for table in tables:
        console.print(table)
        console.print()


def _print_accounts(acc: AccountReport, prob: float, wide: bool) -> None:
    from mmm.cli import funnel_tables as ft

    s = acc.summary
    console.print(
        f"[bold]Accounts[/]: {s['accounts']:,} with contacts, {s['mqas']:,} marketing-qualified "
        f"(>= {acc.k} contacts at {acc.engaged_stage}); mean reach {s['mean_reach']:.1f} contacts, "
        f"mean engaged {s['mean_engaged_contacts']:.1f}; won revenue from MQAs "
        f"{_num(s['won_revenue_from_mqas'])} of {_num(s['won_revenue'])}"
    )
    console.print(ft.account_funnel_table(acc.funnel, prob))
    console.print()
    console.print(ft.top_accounts_table(acc.accounts, 25 if wide else 10))
    console.print()


def _print_influence(inf: pd.DataFrame, wide: bool) -> None:
    from mmm.cli import funnel_tables as ft

    console.print(ft.influence_table(inf, None if wide else 15))


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
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Also write a self-contained HTML report to this file."),
    ] = None,
    wide: Annotated[
        bool, typer.Option("--wide", help="Every column and row in the tables (naive rates, ...).")
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
    if report is not None:
        from mmm.report.funnel_report import render_funnel_report
        from mmm.report.page import write_page

        page = render_funnel_report(
            leads, rep, rules=rules, horizon=horizon, accounts=acc, influence=inf, source=crm_file
        )
        report = write_page(page, report)
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
        if report is not None:
            out["report"] = str(report)
        print_json(out)
        return
    _print_funnel(rep, wide)
    if leads.attrs.get("implied_stage_dates"):
        console.print(
            f"note: {leads.attrs['implied_stage_dates']} skipped stage dates were set to "
            "the next stage's date"
        )
    if acc is not None:
        _print_accounts(acc, rep.prob, wide)
    if inf is not None:
        _print_influence(inf, wide)
    if weekly_out:
        console.print(f"weekly aggregates written to {weekly_out}")
    if report is not None:
        size = report.stat().st_size / 1e6
        console.print(f"Wrote [bold]{report}[/] ({size:.1f} MB)", soft_wrap=True)
