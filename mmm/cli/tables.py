"""Rich tables shared by commands."""

from __future__ import annotations

from rich.table import Table


def format_number(value: float) -> str:
    """Compact human-readable number: 1.23M, 45.6k, 0.123."""
    magnitude = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if magnitude >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


def format_interval(stat: dict[str, float]) -> str:
    """``mean [lo, hi]`` from a ``{"mean", "lo", "hi"}`` mapping."""
    return (
        f"{format_number(stat['mean'])} [{format_number(stat['lo'])}, {format_number(stat['hi'])}]"
    )


def channel_summary_table(summary: dict) -> Table:
    """Spend, contribution, ROI and mROI per channel from a ``summary.json`` mapping."""
    pct = round(100 * summary["interval"])
    table = Table(title=f"Channels (mean and central {pct}% interval, original units)")
    table.add_column("channel", style="bold")
    table.add_column("spend", justify="right")
    table.add_column("contribution", justify="right")
    table.add_column("ROI", justify="right")
    table.add_column("mROI", justify="right")
    for name, row in summary["channels"].items():
        table.add_row(
            name,
            format_number(row["spend"]),
            format_interval(row["contribution"]),
            format_interval(row["roi"]),
            format_interval(row["mroi"]) if "mroi" in row else "",
        )
    return table
