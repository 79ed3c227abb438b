"""``mmm fit CONFIG...``: estimate models and save them (several at once on Dask)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mmm.cli._common import console, err_console, user_errors
from mmm.cli.layout import Column, StackedTable
from mmm.cli.tables import channel_summary_table
from mmm.errors import MmmError
from mmm.interrupts import exit_code, terminate_as_interrupt
from mmm.runner import use_scheduler

if TYPE_CHECKING:
    from mmm.experiments.records import LiftRecord
    from mmm.model.config import Config
    from mmm.model.data import Dataset

SCHEDULER_HELP = (
    "Dask scheduler to run the fits on (tcp://HOST:PORT) [default: $MMM_DASK_SCHEDULER, "
    "else a local cluster]."
)


@user_errors
def fit_command(
    configs: Annotated[
        list[Path], typer.Argument(metavar="CONFIG...", help="Model configurations (YAML).")
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Model folder to write [default: models/<name>; one config]."
        ),
    ] = None,
    draws: Annotated[int | None, typer.Option(help="Override sampler.draws.")] = None,
    tune: Annotated[int | None, typer.Option(help="Override sampler.tune.")] = None,
    chains: Annotated[int | None, typer.Option(help="Override sampler.chains.")] = None,
    seed: Annotated[int | None, typer.Option(help="Override sampler.seed.")] = None,
    progress: Annotated[
        bool | None,
        typer.Option("--progress/--no-progress", help="Progress bars [default: on a TTY]."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help=f"Several configs, or sampler.distribute_chains: {SCHEDULER_HELP}"),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="Several configs: local cluster's worker processes [default: cores]."
        ),
    ] = None,
    sequential: Annotated[
        bool, typer.Option("--sequential", help="Several configs: fit them here, one by one.")
    ] = False,
) -> None:
    """Fit each CONFIG and save it to models/<name>/ (or --output for a single config).

    Several configs (markets, brands, variants) are fitted in parallel on Dask: worker
    processes on this machine by default, a running cluster with --scheduler. Ctrl-C or
    SIGTERM stops the fit within seconds (exit 130 / 143) and saves nothing.
    """
    if len(configs) > 1 and output is not None:
        raise MmmError("--output names one model folder; with several configs leave it out")
    show_progress = sys.stderr.isatty() if progress is None else progress
    target = output
    with terminate_as_interrupt():
        try:
            cfgs = [load_config_with_overrides(c, draws, tune, chains, seed) for c in configs]
            if len(cfgs) > 1:
                _fit_several(cfgs, scheduler, workers, sequential, show_progress)
                return
            target = output or Path("models") / cfgs[0].name
            with use_scheduler(scheduler):  # for sampler.distribute_chains
                summary = _fit_one(cfgs[0], target, show_progress)
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
    if cfgs[0].sampler.compile_backend == "auto" and _sampled_without_own_code(diag):
        _compile_in_background(target)


def _sampled_without_own_code(diagnostics: dict) -> bool:
    """Whether the fit sampled with JAX or with its every-transform stand-in's Numba code."""
    from mmm.model.fit import EVERY_TRANSFORM

    stand_in = diagnostics.get("model_graph") == EVERY_TRANSFORM
    return diagnostics.get("compile_backend") == "jax" or stand_in


def _compile_in_background(target: Path) -> None:
    """After a first fit of a structure (sampled with JAX or a stand-in), compile its Numba
    code for the next fits in a detached process (:mod:`mmm.model.warm`), unless
    $MMM_BACKGROUND_COMPILE is 0."""
    from mmm.model.warm import ENV_SWITCH, background_compile_enabled, start_background_compile

    if not background_compile_enabled():
        return
    pid = start_background_compile(target)
    console.print(
        f"[dim]compiling this model structure's Numba code in the background (pid {pid}) so "
        f"that the next fits of it sample faster; {ENV_SWITCH}=0 turns this off[/]"
    )


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


def _fit_one(cfg: Config, target: Path, progress: bool) -> dict:
    """Fit one config here, telling each step; returns the summary."""
    from mmm.fits import fit_and_save

    def describe(dataset: Dataset, lift_records: list[LiftRecord]) -> None:
        geos = f"{dataset.n_geos} geos x " if dataset.is_panel else ""
        console.print(
            f"[bold]{cfg.name}[/]: {geos}{dataset.n_periods} {dataset.frequency} periods "
            f"({dataset.dates[0].date()} to {dataset.dates[-1].date()}), "
            f"{len(cfg.channels)} channels, {len(cfg.controls)} controls, "
            f"{len(dataset.event_names)} events and holidays, "
            f"{len(lift_records)} lift tests; "
            f"{cfg.sampler.chains} chains x {cfg.sampler.draws} draws ({cfg.sampler.backend})"
        )
        for channel, split in dataset.splits.items():
            console.print(f"national channel {channel} split across geos by {split.basis}")
        for note in dataset.notes:
            err_console.print(f"[bold yellow]NOTE:[/] {note}", highlight=False)
        if cfg.validation.holdout_periods:
            console.print(
                f"holding out the last {cfg.validation.holdout_periods} periods: the model is "
                "fitted on the earlier ones and predicts these"
            )

    return fit_and_save(cfg, target, progress, on_stage=_stage, on_data=describe)


def _fit_several(
    cfgs: list[Config], scheduler: str | None, workers: int | None, sequential: bool, progress: bool
) -> None:
    """Fit several configs on Dask and print one line per model."""
    from mmm.fits import fit_many

    targets = [Path("models") / cfg.name for cfg in cfgs]
    where = "in this process" if sequential else "on Dask"
    console.print(f"fitting {len(cfgs)} models {where}")
    summaries = fit_many(
        cfgs, targets, scheduler=scheduler, workers=workers, sequential=sequential,
        progress=progress,
    )  # fmt: skip
    diags = [s["diagnostics"] for s in summaries]
    console.print(
        StackedTable(
            title="Models",
            key=Column("model", [cfg.name for cfg in cfgs], justify="left"),
            columns=[
                Column("R-hat max", [f"{d['rhat_max']:.3f}" for d in diags]),
                Column("ESS min", [f"{d['ess_bulk_min']:.0f}" for d in diags]),
                Column("div.", [str(d["divergences"]) for d in diags]),
                Column("R²", [f"{s['fit']['r2']:.3f}" for s in summaries]),
                Column("saved to", [str(t) for t in targets], justify="left"),
            ],
        )
    )
    for cfg, summary in zip(cfgs, summaries, strict=True):
        for warning in summary["warnings"]:
            err_console.print(f"[bold yellow]WARNING:[/] {cfg.name}: {warning}", highlight=False)


def _stage(message: str) -> None:
    console.print(f"[dim]... {message}[/]")
