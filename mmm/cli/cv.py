"""``mmm cv CONFIG``: time-slice cross-validation, the folds' fits spread over Dask."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mmm.cli._common import console, err_console, user_errors
from mmm.cli.fit import SCHEDULER_HELP, load_config_with_overrides
from mmm.cli.layout import Column, StackedTable
from mmm.cli.tables import format_interval, format_number, interval_legend
from mmm.interrupts import exit_code, terminate_as_interrupt

if TYPE_CHECKING:
    from mmm.validation.cv import CvResult


@user_errors
def cv_command(
    config: Annotated[Path, typer.Argument(help="Model configuration (YAML).")],
    folds: Annotated[int, typer.Option(min=1, help="Number of folds.")] = 5,
    horizon: Annotated[int, typer.Option(min=1, help="Periods each fold predicts.")] = 13,
    min_train: Annotated[
        int | None,
        typer.Option(min=1, help="Training periods of the first fold [default: 2/3 of the data]."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    html: Annotated[
        Path | None,
        typer.Option(
            help="Write the forecast and ROI-by-fold page here [default: <name>-cv.html]."
        ),
    ] = None,
    scheduler: Annotated[str | None, typer.Option(help=SCHEDULER_HELP)] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes of the local cluster [default: cores]."),
    ] = None,
    sequential: Annotated[
        bool, typer.Option("--sequential", help="Fit the folds in this process, one by one.")
    ] = False,
    draws: Annotated[int | None, typer.Option(help="Override sampler.draws.")] = None,
    tune: Annotated[int | None, typer.Option(help="Override sampler.tune.")] = None,
    chains: Annotated[int | None, typer.Option(help="Override sampler.chains.")] = None,
    seed: Annotated[int | None, typer.Option(help="Override sampler.seed.")] = None,
) -> None:
    """Fit CONFIG on rolling training windows and score each fold's next HORIZON periods.

    Fold k fits the periods up to its training end and predicts the next --horizon; the
    training ends run evenly from --min-train to the last period minus the horizon. Prints
    each fold's out-of-sample R², MAPE, CRPS and 90% interval coverage, the overall figures
    and each channel's ROI per fold (a channel whose ROI moves beyond its own interval across
    folds is flagged), and writes an HTML page of the forecasts and ROIs.
    """
    from mmm.model.data import load_dataset
    from mmm.model.fit import load_lift_records
    from mmm.report.cv_report import write_cv_report
    from mmm.validation.cv import cross_validate

    with terminate_as_interrupt():
        try:
            cfg = load_config_with_overrides(config, draws, tune, chains, seed)
            dataset = load_dataset(cfg)
            where = "in this process" if sequential else "on Dask"
            err_console.print(
                f"[bold]{cfg.name}[/]: {folds} folds x {horizon} periods ahead, fitted {where}",
                highlight=False,
            )
            result = cross_validate(
                cfg,
                dataset,
                folds,
                horizon,
                min_train,
                load_lift_records(cfg),
                scheduler=scheduler,
                workers=workers,
                sequential=sequential,
                progress=err_console.is_terminal,
            )
        except KeyboardInterrupt as stop:
            err_console.print("interrupted; no results", highlight=False)
            raise typer.Exit(exit_code(stop)) from None
    page = html or Path(f"{cfg.name}-cv.html")
    write_cv_report(result, page, cfg.name, dataset.dates, dataset.target, str(config))
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    console.print(fold_table(result))
    console.print(roi_table(result, cfg.interval))
    for channel in result.unstable_channels():
        err_console.print(
            f"[bold yellow]WARNING:[/] {channel}'s ROI moves beyond its own interval across "
            "folds: the data window changes it more than its interval admits",
            highlight=False,
        )
    for fold in result.folds:
        if fold.diagnostics["rhat_max"] > 1.01 or fold.diagnostics["divergences"]:
            err_console.print(
                f"[bold yellow]WARNING:[/] the fold ending {fold.train_end} did not converge "
                f"cleanly (R-hat {fold.diagnostics['rhat_max']:.3f}, "
                f"{fold.diagnostics['divergences']} divergences)",
                highlight=False,
            )
    console.print(f"Wrote [bold]{page}[/]")


def fold_table(result: CvResult) -> StackedTable:
    """Each fold's out-of-sample scores and the overall ones."""
    rows = [f.to_dict() for f in result.folds] + [{"train_end": "all folds"} | result.overall()]
    return StackedTable(
        title=f"Out-of-sample, {result.horizon} periods ahead",
        key=Column("training end", [r["train_end"] for r in rows], justify="left"),
        columns=[
            Column("R²", [f"{r['r2']:.3f}" for r in rows]),
            Column("MAPE", [f"{100 * r['mape']:.1f}%" for r in rows]),
            Column("CRPS", [format_number(r["crps"]) for r in rows]),
            Column("90% cov.", [f"{100 * r['coverage_90']:.0f}%" for r in rows]),
        ],
        legend="CRPS: mean absolute error of the predictive distribution, KPI units (lower is "
        "better). 90% cov.: share of actual values inside the 90% predictive interval.",
        sections=frozenset({len(rows) - 2}),
    )


def roi_table(result: CvResult, prob: float) -> StackedTable:
    """Each channel's ROI fold by fold (unstable channels marked)."""
    unstable = set(result.unstable_channels())
    channels = list(result.folds[0].roi)
    return StackedTable(
        title="ROI by fold (training end)",
        key=Column("channel", [c + (" *" if c in unstable else "") for c in channels], "left"),
        columns=[
            Column(f.train_end, [format_interval(f.roi[c]) for c in channels]) for f in result.folds
        ],
        legend=interval_legend(prob, "* unstable: one fold's mean is outside another's interval."),
    )
