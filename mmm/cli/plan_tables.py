"""Terminal tables of ``mmm optimize``: a plan, a scenario comparison, and their warnings.

Both are :class:`mmm.cli.layout.StackedTable`, so no cell wraps in an 80-column terminal; the
warnings (channels planned outside the spend range seen in the data) print as lines under them.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.text import Text

from mmm.cli.layout import Column, StackedTable
from mmm.cli.tables import format_interval, format_number, format_signed, interval_legend

_SHORT = {"fixed": "fixed", "at lower bound": "at min", "at upper bound": "at max"}
#: Marks a spend cell outside the data's per-period spend range.
MARK = "!"


def _range_cell(warning: dict | None) -> str:
    """'3.2x max' / '0.15x min' for a channel outside the observed range, '' inside it."""
    if warning is None:
        return ""
    side = "max" if warning["side"] == "above" else "min"
    return f"{warning['ratio']:.2g}x {side}" if warning["ratio"] < 100 else f">99x {side}"


def _change(row: dict) -> str:
    text = format_signed(row["change"])
    pct = row.get("change_pct")
    return text if pct is None else f"{text} ({100 * pct:+.0f}%)"


def _plan_columns(rows: list[dict], warnings: list[dict], scaled: bool) -> list[Column]:
    """The value columns of a plan table; ``rows`` carry a plan's per-channel keys (a key a
    row lacks, such as a total's ``status`` or ``mroi``, leaves its cell empty)."""
    warned = {w["channel"]: w for w in warnings}

    def column(header: str, key: str, cell, justify: str = "right") -> Column:
        return Column(header, [cell(r) if key in r else "" for r in rows], justify)

    columns = [column("current", "current", lambda r: format_number(r["current"]))]
    if scaled:
        columns.append(column("at budget", "reference", lambda r: format_number(r["reference"])))
    columns += [
        column("plan", "optimal", lambda r: format_number(r["optimal"])),
        column("change", "change", _change),
        column("bound", "status", lambda r: _SHORT.get(r["status"], ""), justify="left"),
    ]
    if warned:
        columns.append(column("vs data", "name", lambda r: _range_cell(warned.get(r["name"]))))
    columns += [
        column("contribution", "contribution", lambda r: format_interval(r["contribution"])),
        column("ROI", "roi", lambda r: format_interval(r["roi"])),
        column("mROI", "mroi", lambda r: format_interval(r["mroi"])),
    ]
    return columns


def _total_row(totals: dict) -> dict:
    """The plan's totals in the keys of a channel row."""
    change = totals["spend"] - totals["reference_spend"]
    if abs(change) <= 1e-9 * max(1.0, totals["spend"]):
        change = 0.0  # float dust of summing many cells, not a change
    return {
        "current": totals["current_spend"],
        "reference": totals["reference_spend"],
        "optimal": totals["spend"],
        "change": change,
        "contribution": totals["kpi"],
        "roi": totals["roi"],
    }


def _is_scaled(summary: dict, rows: dict) -> bool:
    """Whether the reference differs from the current spend (an 'at budget' column)."""
    return summary["reference"] != "current spend" and any(
        abs(r["reference"] - r["current"]) > 1e-6 * max(1.0, r["current"]) for r in rows.values()
    )


def _legend(summary: dict, extra: str = "") -> str:
    legend = "original units; KPI counts the horizon and its carry-over tail; mROI = "
    legend += "d(contribution)/d(spend) at the plan" + extra
    if summary.get("warnings"):
        legend += "; vs data = planned spend per period over the highest (max) or lowest "
        legend += "nonzero (min) per-period spend in the data"
    return interval_legend(summary["interval"], legend + ".")


def plan_table(summary: dict) -> StackedTable:
    """Table of :func:`mmm.planning.plans.plan_summary` output, a total row last.

    Columns: current spend, the reference at the budget (when it differs from current), the
    plan, its change, which bound holds it, ``vs data`` (only when a channel leaves the spend
    range seen in the data), contribution, ROI and mROI with intervals.
    """
    rows = summary["channels"]
    body = [{"name": n, **r} for n, r in rows.items()] + [_total_row(summary["totals"])]
    return StackedTable(
        title=f"Plan ({summary['objective']}): {summary['horizon']} periods, "
        f"{summary['pattern']} pattern, {summary['draws']} draws",
        key=Column("channel", [*rows, "total"], justify="left"),
        columns=_plan_columns(body, summary.get("warnings", []), _is_scaled(summary, rows)),
        legend=_legend(summary),
        row_styles=[*([None] * len(rows)), "bold"],
        continued="Plan (continued)",
        sections=frozenset({len(rows) - 1}),
    )


def geo_plan_table(summary: dict) -> StackedTable:
    """Table of :func:`mmm.planning.plans.geo_plan_summary` output, grouped by geo.

    Each geo's cells (``geo/channel``) and then its total; after the geos one total per
    channel over all geos and the grand total. Columns as :func:`plan_table`.
    """
    cells = summary["cells"]
    labels: list[str] = []
    body: list[dict] = []
    styles: list[str | None] = []
    sections = set()
    for geo in summary["geos"]:
        for name, row in cells.items():
            if row["geo"] == geo:
                labels.append(name)
                body.append({"name": name, **row})
                styles.append(None)
        labels.append(f"{geo} total")
        body.append(summary["geo_totals"][geo])
        styles.append("italic")
        sections.add(len(labels) - 1)
    for channel, row in summary["channels"].items():
        labels.append(f"{channel} total")
        body.append(row)
        styles.append("italic")
    labels.append("total")
    body.append(_total_row(summary["totals"]))
    styles.append("bold")
    sections.add(len(labels) - 2)
    extra = "; 'GEO total' sums a geo's channels, 'CHANNEL total' a channel's geos (their mROI"
    extra += " follows the plan's own split)"
    return StackedTable(
        title=f"Plan by geo ({summary['objective']}): {summary['horizon']} periods, "
        f"{summary['pattern']} pattern, {summary['draws']} draws",
        key=Column("geo/channel", labels, justify="left"),
        columns=_plan_columns(body, summary.get("warnings", []), _is_scaled(summary, cells)),
        legend=_legend(summary, extra),
        row_styles=styles,
        continued="Plan by geo (continued)",
        sections=frozenset(sections),
    )


def scenario_table(result: dict) -> StackedTable:
    """Scenarios side by side (:func:`mmm.planning.scenarios.compare` output), one per column.

    Spend cells outside the data's spend range carry :data:`MARK`.
    """
    channels = result["channels"]
    scenarios = result["scenarios"]
    labels = [*channels, "total spend", "KPI", "ROI", "uplift", "P(beats ref)", "objective"]
    columns = []
    for s in scenarios:
        warned = {w["channel"] for w in s.get("warnings", [])}
        spend = [format_number(s["spend"][c]) + (MARK if c in warned else "") for c in channels]
        columns.append(
            Column(
                s["name"],
                [
                    *spend,
                    format_number(s["total_spend"]),
                    format_interval(s["kpi"]),
                    format_interval(s["roi"]),
                    format_interval(s["uplift"], signed=True),
                    f"{s['p_beats_reference']:.2f}",
                    s["objective"],
                ],
            )
        )
    extra = (
        f"uplift and P(beats ref) are paired draw by draw against '{result['reference']}'; "
        "KPI counts the horizon and its carry-over tail"
    )
    if any(s.get("warnings") for s in scenarios):
        extra += f"; {MARK} = spend per period outside the range seen in the data (see below)"
    return StackedTable(
        title=f"Scenarios: {result['horizon']} periods, {result['pattern']} pattern, "
        f"{result['draws']} draws",
        key=Column("scenario", labels, justify="left"),
        columns=columns,
        legend=interval_legend(result["interval"], extra + "."),
        sections=frozenset({len(channels) - 1}),
        continued="Scenarios (continued)",
    )


def print_warnings(console: Console, warnings: Iterable[dict], prefix: str = "") -> None:
    """One line per range warning (``WARNING: tv: 3.2x the highest weekly spend ...``)."""
    for warning in warnings:
        console.print(Text.assemble(("WARNING: ", "bold yellow"), prefix + warning["message"]))
