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


def plan_table(summary: dict) -> StackedTable:
    """Table of :func:`mmm.planning.plans.plan_summary` output, a total row last.

    Columns: current spend, the reference at the budget (when it differs from current), the
    plan, its change, which bound holds it, ``vs data`` (only when a channel leaves the spend
    range seen in the data), contribution, ROI and mROI with intervals.
    """
    rows = summary["channels"]
    totals = summary["totals"]
    warned = {w["channel"]: w for w in summary.get("warnings", [])}
    scaled = summary["reference"] != "current spend" and any(
        abs(r["reference"] - r["current"]) > 1e-6 * max(1.0, r["current"]) for r in rows.values()
    )

    def change(row: dict) -> str:
        text = format_signed(row["change"])
        pct = row.get("change_pct")
        return text if pct is None else f"{text} ({100 * pct:+.0f}%)"

    def column(header: str, cell, total: str = "", justify: str = "right") -> Column:
        return Column(header, [*(cell(n, r) for n, r in rows.items()), total], justify)

    columns = [column("current", lambda n, r: format_number(r["current"]),
                      format_number(totals["current_spend"]))]  # fmt: skip
    if scaled:
        columns.append(column("at budget", lambda n, r: format_number(r["reference"]),
                              format_number(totals["reference_spend"])))  # fmt: skip
    columns += [
        column("plan", lambda n, r: format_number(r["optimal"]), format_number(totals["spend"])),
        column("change", lambda n, r: change(r),
               format_signed(totals["spend"] - totals["reference_spend"])),
        column("bound", lambda n, r: _SHORT.get(r["status"], ""), justify="left"),
    ]  # fmt: skip
    if warned:
        columns.append(column("vs data", lambda n, r: _range_cell(warned.get(n))))
    columns += [
        column("contribution", lambda n, r: format_interval(r["contribution"]),
               format_interval(totals["kpi"])),
        column("ROI", lambda n, r: format_interval(r["roi"]), format_interval(totals["roi"])),
        column("mROI", lambda n, r: format_interval(r["mroi"])),
    ]  # fmt: skip
    legend = "original units; KPI counts the horizon and its carry-over tail; mROI = "
    legend += "d(contribution)/d(spend) at the plan"
    if warned:
        legend += "; vs data = planned spend per period over the highest (max) or lowest "
        legend += "nonzero (min) per-period spend in the data"
    return StackedTable(
        title=f"Plan ({summary['objective']}): {summary['horizon']} periods, "
        f"{summary['pattern']} pattern, {summary['draws']} draws",
        key=Column("channel", [*rows, "total"], justify="left"),
        columns=columns,
        legend=interval_legend(summary["interval"], legend + "."),
        row_styles=[*([None] * len(rows)), "bold"],
        continued="Plan (continued)",
        sections=frozenset({len(rows) - 1}),
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
