"""``mmm summary MODEL_DIR``: ROI, marginal ROI and contribution shares per channel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from mmm.cli._common import console, user_errors
from mmm.cli.layout import Column, StackedTable
from mmm.cli.tables import format_interval, format_number, format_share, interval_legend
from mmm.errors import MmmError


def summary_table(summary: dict) -> StackedTable:
    """Table of :func:`mmm.analysis.summary.summary_dict` output (stacks in a narrow terminal)."""
    period = summary["period"]
    rows = list(summary["channels"].values())
    cells = {
        "spend": [format_number(r["spend"]) for r in rows],
        "contribution": [format_interval(r["contribution"]) for r in rows],
        "ROI": [format_interval(r["roi"]) for r in rows],
        "mROI (+1%)": [format_interval(r["mroi"]) for r in rows],
        "media share": [format_share(r["share_of_media"]) for r in rows],
        "KPI share": [format_share(r["share_of_kpi"]) for r in rows],
    }
    return StackedTable(
        title=f"{summary['model']}: {period['start']} to {period['end']}",
        key=Column("channel", list(summary["channels"]), justify="left"),
        columns=[Column(name, values) for name, values in cells.items()],
        continued=f"{summary['model']} (continued)",
        legend=interval_legend(
            summary["interval"],
            "original units. ROI = contribution / spend over the period; mROI = extra "
            "contribution from +1% spend in every period / that extra spend; shares of the "
            "media contribution and of the KPI.",
        ),
    )


def geo_summary_table(summary: dict) -> StackedTable:
    """Per geo and channel ROI, mROI and contribution of a panel's summary (``--by geo``)."""
    keys, cells = [], {"spend": [], "contribution": [], "ROI": [], "mROI (+1%)": []}
    for geo, block in summary["geos"].items():
        for channel, row in block["channels"].items():
            keys.append(f"{geo} / {channel}")
            cells["spend"].append(format_number(row["spend"]))
            cells["contribution"].append(format_interval(row["contribution"]))
            cells["ROI"].append(format_interval(row["roi"]))
            cells["mROI (+1%)"].append(format_interval(row["mroi"]))
    period = summary["period"]
    return StackedTable(
        title=f"{summary['model']} by geo: {period['start']} to {period['end']}",
        key=Column("geo / channel", keys, justify="left"),
        columns=[Column(name, values) for name, values in cells.items()],
        continued=f"{summary['model']} by geo (continued)",
        legend=interval_legend(
            summary["interval"], "original units; n/a where a geo never spent on the channel."
        ),
    )


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
    by: Annotated[
        str | None,
        typer.Option("--by", help="'geo': per geo and channel (panel models)."),
    ] = None,
) -> None:
    """Print each channel's ROI, marginal ROI and share of contribution, with intervals."""
    from mmm.analysis.summary import summary_dict
    from mmm.model.store import load_model

    if by not in (None, "geo"):
        raise MmmError(f"unknown --by '{by}'; the only breakdown is 'geo'", key="--by")
    fitted = load_model(model_dir)
    if by == "geo" and not fitted.dataset.is_panel:
        raise MmmError(
            "--by geo needs a panel model (data.geo_column); this model is national",
            key="--by",
        )
    summary = summary_dict(fitted, interval)
    if json_output:
        typer.echo(json.dumps(summary, indent=2))
        return
    console.print(geo_summary_table(summary) if by == "geo" else summary_table(summary))
