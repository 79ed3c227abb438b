"""``mmm compare MODEL_DIR...``: PSIS-LOO, holdout scores and ROI of models side by side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from mmm.cli._common import console, err_console, user_errors
from mmm.cli.fit import SCHEDULER_HELP
from mmm.cli.layout import Column, StackedTable
from mmm.cli.tables import format_interval, interval_legend
from mmm.errors import MmmError
from mmm.interrupts import exit_code, terminate_as_interrupt


@user_errors
def compare_command(
    models: Annotated[
        list[Path],
        typer.Argument(
            metavar="MODEL_DIR...", help="Model folders (with --fit: configs to fit first)."
        ),
    ],
    fit: Annotated[
        bool,
        typer.Option("--fit", help="The arguments are configs: fit them (on Dask), then compare."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
    scheduler: Annotated[str | None, typer.Option(help=f"With --fit: {SCHEDULER_HELP}")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="With --fit: local worker processes [default: cores].")
    ] = None,
    sequential: Annotated[
        bool, typer.Option("--sequential", help="With --fit: fit here, one by one.")
    ] = False,
) -> None:
    """Compare models fitted on the same data: which predicts left-out periods best.

    PSIS-LOO (ArviZ) estimates each model's expected log predictive density of a left-out
    period (elpd, higher is better) with its standard error; the difference to the best model
    comes with the standard error of the difference, and a difference within two of those is
    noise. Holdout scores (when the models were fitted with validation.holdout_periods) and
    each channel's ROI are shown side by side.
    """
    from mmm.model.store import load_model, read_summary
    from mmm.validation.compare import compare_models

    with terminate_as_interrupt():
        try:
            folders = _fit_first(models, scheduler, workers, sequential) if fit else models
            names = _labels(folders)
            fitted = [load_model(folder) for folder in folders]
            result = compare_models(fitted, names)
        except KeyboardInterrupt as stop:
            err_console.print("interrupted; nothing compared", highlight=False)
            raise typer.Exit(exit_code(stop)) from None
    summaries = {name: read_summary(folder) for name, folder in zip(names, folders, strict=True)}
    for name, summary in summaries.items():
        row = result["models"][name]
        row["holdout"] = summary["fit"].get("holdout")
        row["roi"] = {c: v["roi"] for c, v in summary["channels"].items()}
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    console.print(loo_table(result))
    console.print(roi_table(result, summaries[names[0]]["interval"]))
    console.print(f"[bold]Verdict:[/] {result['verdict']}")
    for warning in result["warnings"]:
        err_console.print(f"[bold yellow]WARNING:[/] {warning}", highlight=False)


def _fit_first(
    configs: list[Path], scheduler: str | None, workers: int | None, sequential: bool
) -> list[Path]:
    """Fit every config into models/<name> (on Dask); the folders."""
    from mmm.fits import fit_many
    from mmm.model.config import load_config

    cfgs = [load_config(c) for c in configs]
    targets = [Path("models") / cfg.name for cfg in cfgs]
    err_console.print(f"fitting {len(cfgs)} models", highlight=False)
    fit_many(
        cfgs, targets, scheduler=scheduler, workers=workers, sequential=sequential,
        progress=err_console.is_terminal,
    )  # fmt: skip
    return targets


def _labels(folders: list[Path]) -> list[str]:
    """A label per model: its folder name, or the whole path where names repeat.

    Raises
    ------
    MmmError
        When a folder is named twice.
    """
    resolved = [folder.resolve() for folder in folders]
    for i, folder in enumerate(resolved):
        if folder in resolved[:i]:
            raise MmmError(f"{folders[i]} is named twice; compare different models", key="models")
    names = [folder.name for folder in folders]
    return names if len(set(names)) == len(names) else [str(f) for f in folders]


def loo_table(result: dict) -> StackedTable:
    """Rank, LOO and holdout scores per model, best first."""
    rows = sorted(result["models"].items(), key=lambda item: item[1]["rank"])

    def holdout(row: dict, key: str, fmt: str) -> str:
        return fmt.format(row["holdout"][key]) if row.get("holdout") else "n/a"

    return StackedTable(
        title="Models ranked by PSIS-LOO",
        key=Column("model", [name for name, _ in rows], justify="left"),
        columns=[
            Column(
                "elpd (se)", [f"{r['loo']['elpd']:.1f} ({r['loo']['se']:.1f})" for _, r in rows]
            ),
            Column("Δ elpd (se)", [f"{-r['elpd_diff']:.1f} ({r['diff_se']:.1f})" for _, r in rows]),
            Column("p_loo", [f"{r['loo']['p_loo']:.1f}" for _, r in rows]),
            Column("high k", [str(r["loo"]["bad_pareto_k"]) for _, r in rows]),
            Column("holdout R²", [holdout(r, "r2", "{:.3f}") for _, r in rows]),
            Column("holdout 90% cov.", [holdout(r, "coverage_90", "{:.0%}") for _, r in rows]),
        ],
        legend="elpd: expected log predictive density of a left-out period (higher is better); "
        "Δ: difference to the best model; high k: periods whose LOO estimate is unreliable.",
    )


def roi_table(result: dict, prob: float) -> StackedTable:
    """Each channel's ROI per model (a model without the channel shows n/a)."""
    names = list(result["models"])
    channels = list(dict.fromkeys(c for r in result["models"].values() for c in r["roi"]))
    return StackedTable(
        title="ROI by model",
        key=Column("channel", channels, justify="left"),
        columns=[
            Column(name, [format_interval(result["models"][name]["roi"].get(c)) for c in channels])
            for name in names
        ],
        legend=interval_legend(prob),
    )
