"""Compact numbers and intervals for terminal tables, and the fit's channel table.

Numbers use three significant digits and a suffix (``45.6k``, ``2.47M``, ``1.2T``); an interval
is ``mean (lo–hi)`` on one line, the suffix written once when both ends share it
(``2.47M (1.46–3.56M)``). Tables are :class:`mmm.cli.layout.StackedTable`, which never wrap a
cell and stack columns into further tables in a narrow terminal.
"""

from __future__ import annotations

from collections.abc import Mapping

from mmm.cli.layout import Column, StackedTable
from mmm.numbers import compact

#: The dash between the ends of an interval.
DASH = "\u2013"


def format_number(value: float | None) -> str:
    """Compact human-readable number: 1.23M, 45.6k, 0.123, 4.5T ('n/a' for None or NaN).

    See :func:`mmm.numbers.compact`, shared with the planner's messages and the reports.
    """
    return compact(value)


def format_signed(value: float) -> str:
    """A number with its sign: +1.2M, -45k, +0."""
    return ("+" if value >= 0 else "-") + format_number(abs(value))


def format_interval(stat: Mapping[str, float | None] | None, signed: bool = False) -> str:
    """``mean (lo–hi)`` from a ``{"mean", "lo", "hi"}`` mapping ('n/a' when missing).

    Parameters
    ----------
    stat : mapping
    signed : bool
        Write the mean with its sign (for changes).
    """
    if not stat or any(stat.get(k) is None for k in ("mean", "lo", "hi")):
        return "n/a"
    mean = format_signed(stat["mean"]) if signed else format_number(stat["mean"])
    lo, hi = format_number(stat["lo"]), format_number(stat["hi"])
    if hi[-1:] in {"k", "M", "B", "T"} and lo[-1:] == hi[-1:] and stat["lo"] >= 0:
        lo = lo[:-1]  # one suffix for both ends (not across a sign: -12k-30k reads wrong)
    return f"{mean} ({lo}{DASH}{hi})"


def format_share(stat: Mapping[str, float]) -> str:
    """A share interval in percent: ``12.3% (8.1–16.2%)``."""
    lo, hi = 100 * stat["lo"], 100 * stat["hi"]
    return f"{100 * stat['mean']:.1f}% ({lo:.1f}{DASH}{hi:.1f}%)"


def interval_legend(prob: float, extra: str = "") -> str:
    """The legend line under a table of intervals."""
    pct = round(100 * prob)
    text = f"Cells read mean (lo{DASH}hi): posterior mean and central {pct}% interval"
    return f"{text}; {extra}" if extra else f"{text}."


def channel_summary_table(summary: dict) -> StackedTable:
    """Spend, contribution, ROI and mROI per channel from a ``summary.json`` mapping."""
    rows = summary["channels"]
    columns = [
        Column("spend", [format_number(r["spend"]) for r in rows.values()]),
        Column("contribution", [format_interval(r["contribution"]) for r in rows.values()]),
        Column("ROI", [format_interval(r["roi"]) for r in rows.values()]),
    ]
    if any("mroi" in r for r in rows.values()):
        columns.append(Column("mROI", [format_interval(r.get("mroi")) for r in rows.values()]))
    return StackedTable(
        title="Channels",
        key=Column("channel", list(rows), justify="left"),
        columns=columns,
        continued="Channels (continued)",
        legend=interval_legend(
            summary["interval"],
            "original units. ROI = contribution / spend; mROI = extra "
            "contribution per extra unit of spend (+1%).",
        ),
    )
