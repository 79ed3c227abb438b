"""``mmm fit CONFIG``: estimate the model and save it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mmm.cli._common import console, err_console, user_errors
from mmm.cli.tables import channel_summary_table

INTERRUPTED_EXIT_CODE = 130


@user_errors
def fit_command(
    config: Annotated[Path, typer.Argument(help="Model configuration (YAML).")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Model folder to write [default: models/<name>]."),
    ] = None,
    draws: Annotated[int | None, typer.Option(help="Override sampler.draws.")] = None,
    tune: Annotated[int | None, typer.Option(help="Override sampler.tune.")] = None,
    chains: Annotated[int | None, typer.Option(help="Override sampler.chains.")] = None,
    seed: Annotated[int | None, typer.Option(help="Override sampler.seed.")] = None,
    progress: Annotated[
        bool | None,
        typer.Option("--progress/--no-progress", help="Sampler progress bar [default: on a TTY]."),
    ] = None,
) -> None:
    """Fit the model described by CONFIG and save it to models/<name>/ (or --output)."""
    from mmm.analysis.summary import summary_dict
    from mmm.model.config import load_config
    from mmm.model.data import load_dataset
    from mmm.model.fit import fit, load_lift_records
    from mmm.model.store import save_model

    cfg = load_config(config)
    overrides = {
        k: v for k, v in {"draws": draws, "tune": tune, "chains": chains, "seed": seed}.items()
        if v is not None
    }  # fmt: skip
    if overrides:
        cfg = cfg.model_copy(update={"sampler": cfg.sampler.model_copy(update=overrides)})
    dataset = load_dataset(cfg)
    lift_records = load_lift_records(cfg)
    target = output or Path("models") / cfg.name
    console.print(
        f"[bold]{cfg.name}[/]: {dataset.n_periods} {dataset.frequency} periods "
        f"({dataset.dates[0].date()} to {dataset.dates[-1].date()}), "
        f"{len(cfg.channels)} channels, {len(cfg.controls)} controls, "
        f"{len(lift_records)} lift tests; "
        f"{cfg.sampler.chains} chains x {cfg.sampler.draws} draws ({cfg.sampler.backend})"
    )
    show_progress = sys.stderr.isatty() if progress is None else progress
    try:
        fitted = fit(cfg, dataset, lift_records, progress=show_progress, on_stage=_stage)
        _stage("summarizing and saving")
        summary = summary_dict(fitted)
        save_model(fitted, target, summary)
    except KeyboardInterrupt:
        err_console.print(
            f"[bold red]interrupted:[/] nothing was saved; {target} is unchanged.", highlight=False
        )
        raise typer.Exit(INTERRUPTED_EXIT_CODE) from None

    console.print(channel_summary_table(summary))
    diag = summary["diagnostics"]
    console.print(
        f"R-hat max {diag['rhat_max']:.3f}, bulk ESS min {diag['ess_bulk_min']:.0f}, "
        f"divergences {diag['divergences']}; compile {diag['compile_seconds']:.1f} s, "
        f"sampling {diag['sample_seconds']:.1f} s; R² {summary['fit']['r2']:.3f}, "
        f"MAPE {100 * summary['fit']['mape']:.1f}%"
    )
    for warning in summary["warnings"]:
        err_console.print(f"[bold yellow]WARNING:[/] {warning}", highlight=False)
    console.print(f"Saved to [bold]{target}[/]")


def _stage(message: str) -> None:
    console.print(f"[dim]... {message}[/]")
