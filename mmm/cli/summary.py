"""``mmm summary MODEL_DIR``: ROI, marginal ROI and contribution shares per channel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mmm.cli._common import console, user_errors
from mmm.cli.tables import format_interval, format_number


def _pct(stat: dict[str, float]) -> str:
    return f"{100 * stat['mean']:.1f}% [{100 * stat['lo']:.1f}, {100 * stat['hi']:.1f}]"


def summary_table(summary: dict) -> Table:
    """Rich table of :func:`mmm.analysis.summary.summary_dict` output."""
    pct = round(100 * summary["interval"])
    period = summary["period"]
    table = Table(
        title=f"{summary['model']}: {period['start']} to {period['end']} "
        f"(mean and central {pct}% interval, original units)"
    )
    for name, justify in (
        ("channel", "left"), ("spend", "right"), ("contribution", "right"), ("ROI", "right"),
        ("mROI (+1%)", "right"), ("share of media", "right"), ("share of KPI", "right"),
    ):  # fmt: skip
        table.add_column(name, justify=justify, style="bold" if name == "channel" else None)
    for name, row in summary["channels"].items():
        table.add_row(
            name,
            format_number(row["spend"]),
            format_interval(row["contribution"]),
            format_interval(row["roi"]),
            format_interval(row["mroi"]),
            _pct(row["share_of_media"]),
            _pct(row["share_of_kpi"]),
        )
    return table


@user_errors
def summary_command(
    model_dir: Annotated[Path, typer.Argument(help="Fitted model folder (from `mmm fit`).")],
    json_output: Annotated[
        bool, typer.Option("--json", help="Print machine-readable JSON instead of a table.")
    ] = False,
    interval: Annotated[
        float | None,
        typer.Option(min=0.01, max=0.99, help="Interval probability (default: the model's)."),
    ] = None,
) -> None:
    """Print each channel's ROI, marginal ROI and share of contribution, with intervals."""
    from mmm.analysis.summary import summary_dict
    from mmm.model.store import load_model

    summary = summary_dict(load_model(model_dir), interval)
    if json_output:
        typer.echo(json.dumps(summary, indent=2))
        return
    console.print(summary_table(summary))
    console.print(
        "ROI = contribution / spend over the period; mROI = extra contribution from +1% spend "
        "in every period / that extra spend."
    )
