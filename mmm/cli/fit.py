"""``mmm fit CONFIG``: estimate the model and save it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mmm.cli._common import console, err_console, user_errors
from mmm.cli.tables import channel_summary_table
from mmm.interrupts import exit_code, terminate_as_interrupt

if TYPE_CHECKING:
    from mmm.model.config import Config


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
    """Fit the model described by CONFIG and save it to models/<name>/ (or --output).

    Ctrl-C or SIGTERM stops the fit within seconds (exit 130 / 143) and saves nothing.
    """
    target = output
    with terminate_as_interrupt():
        try:
            cfg = load_config_with_overrides(config, draws, tune, chains, seed)
            target = output or Path("models") / cfg.name
            summary = _fit_and_save(cfg, target, progress)
        except KeyboardInterrupt as stop:
            where = f"{target} unchanged" if target is not None else "nothing saved"
            err_console.print(
                f"interrupted; {where}", markup=False, highlight=False, soft_wrap=True
            )
            raise typer.Exit(exit_code(stop)) from None

    console.print(channel_summary_table(summary))
    diag = summary["diagnostics"]
    console.print(
        f"R-hat max {diag['rhat_max']:.3f}, bulk ESS min {diag['ess_bulk_min']:.0f}, "
        f"divergences {diag['divergences']}; compile {diag['compile_seconds']:.1f} s, "
        f"sampling {diag['sample_seconds']:.1f} s; R² {summary['fit']['r2']:.3f}, "
        f"MAPE {100 * summary['fit']['mape']:.1f}%"
    )
    if holdout := summary["fit"].get("holdout"):
        console.print(
            f"holdout ({holdout['periods']} periods): R² {holdout['r2']:.3f}, "
            f"MAPE {100 * holdout['mape']:.1f}%, 90% interval coverage "
            f"{100 * holdout['coverage_90']:.0f}%, CRPS {holdout['crps']:.4g}"
        )
    for warning in summary["warnings"]:
        err_console.print(f"[bold yellow]WARNING:[/] {warning}", highlight=False)
    console.print(f"Saved to [bold]{target}[/]")


def load_config_with_overrides(
    config: Path, draws: int | None, tune: int | None, chains: int | None, seed: int | None
) -> Config:
    """The configuration with the command line's sampler overrides applied."""
    from mmm.model.config import load_config

    cfg = load_config(config)
    overrides = {
        k: v for k, v in {"draws": draws, "tune": tune, "chains": chains, "seed": seed}.items()
        if v is not None
    }  # fmt: skip
    if overrides:
        cfg = cfg.model_copy(update={"sampler": cfg.sampler.model_copy(update=overrides)})
    return cfg


def _fit_and_save(cfg: Config, target: Path, progress: bool | None) -> dict:
    """Load the data, fit, save to ``target``; returns the summary."""
    from mmm.analysis.summary import summary_dict
    from mmm.model.data import load_dataset
    from mmm.model.fit import load_lift_records
    from mmm.model.store import check_writable_target, save_model
    from mmm.validation.holdout import fit_with_holdout

    check_writable_target(target)  # before sampling, not after minutes of it
    dataset = load_dataset(cfg)
    lift_records = load_lift_records(cfg)
    geos = f"{dataset.n_geos} geos x " if dataset.is_panel else ""
    console.print(
        f"[bold]{cfg.name}[/]: {geos}{dataset.n_periods} {dataset.frequency} periods "
        f"({dataset.dates[0].date()} to {dataset.dates[-1].date()}), "
        f"{len(cfg.channels)} channels, {len(cfg.controls)} controls, "
        f"{len(lift_records)} lift tests; "
        f"{cfg.sampler.chains} chains x {cfg.sampler.draws} draws ({cfg.sampler.backend})"
    )
    for channel, split in dataset.splits.items():
        console.print(f"national channel {channel} split across geos by {split.basis}")
    for note in dataset.notes:
        err_console.print(f"[bold yellow]NOTE:[/] {note}", highlight=False)
    show_progress = sys.stderr.isatty() if progress is None else progress
    if cfg.validation.holdout_periods:
        console.print(
            f"holding out the last {cfg.validation.holdout_periods} periods: the model is "
            "fitted on the earlier ones and predicts these"
        )
    fitted, holdout = fit_with_holdout(
        cfg, dataset, lift_records, progress=show_progress, on_stage=_stage
    )
    _stage("summarizing and saving")
    summary = summary_dict(fitted)
    if holdout is not None:
        summary["fit"]["holdout"] = {k: round(v, 4) for k, v in holdout.items()}
    save_model(fitted, target, summary)
    return summary


def _stage(message: str) -> None:
    console.print(f"[dim]... {message}[/]")
