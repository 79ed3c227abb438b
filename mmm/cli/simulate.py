"""``mmm simulate``: write a dataset with known truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mmm.cli._common import console, user_errors
from mmm.cli.tables import format_number
from mmm.errors import MmmError


@user_errors
def simulate_command(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="CSV to write; the truth goes beside it.")
    ] = Path("data/example.csv"),
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    weeks: Annotated[int, typer.Option(min=10, help="Number of weekly periods.")] = 156,
    channels: Annotated[int, typer.Option(min=1, max=48, help="Number of channels.")] = 5,
    noise: Annotated[
        float, typer.Option(min=0.0, help="Noise sd as a fraction of the mean KPI.")
    ] = 0.05,
    controls: Annotated[bool, typer.Option(help="Add a 'promo' control.")] = True,
    trend: Annotated[bool, typer.Option(help="Add a linear trend.")] = True,
    seasonality: Annotated[bool, typer.Option(help="Add yearly seasonality.")] = True,
    spend_correlation: Annotated[
        float, typer.Option(min=0.0, max=0.99, help="Shared factor in channel spends, [0, 1).")
    ] = 0.0,
    geos: Annotated[
        int | None,
        typer.Option(min=1, max=2000, help="Write a geo panel with this many geos."),
    ] = None,
    national: Annotated[
        list[str] | None,
        typer.Option(help="Panel only: a channel bought nationally (repeat for more)."),
    ] = None,
) -> None:
    """Simulate weekly spend and sales with known channel effects (CSV + truth JSON)."""
    from mmm.model.simulate import simulate

    if geos is not None:
        _simulate_panel(output, seed, geos, weeks, channels, noise, tuple(national or ()))
        return
    if national:
        raise MmmError("--national needs --geos (it describes a panel)", key="--national")
    try:
        sim = simulate(
            seed=seed,
            weeks=weeks,
            n_channels=channels,
            noise=noise,
            controls=controls,
            trend=trend,
            seasonality=seasonality,
            spend_correlation=spend_correlation,
        )
    except ValueError as exc:
        raise MmmError(str(exc)) from None
    data_path, truth_path = sim.write(output)
    console.print(_truth_table("True channel effects", sim.truth))
    console.print(f"Wrote {data_path} ({weeks} weeks) and {truth_path}")


def _simulate_panel(
    output: Path,
    seed: int,
    geos: int,
    weeks: int,
    channels: int,
    noise: float,
    national: tuple[str, ...],
) -> None:
    """Write a simulated geo panel and print its national truth."""
    from mmm.model.simulate_panel import simulate_panel

    try:
        sim = simulate_panel(
            seed=seed, geos=geos, weeks=weeks, n_channels=channels, noise=noise, national=national
        )
    except ValueError as exc:
        raise MmmError(str(exc)) from None
    data_path, truth_path = sim.write(output)
    console.print(_truth_table(f"True channel effects, national ({geos} geos)", sim.truth))
    console.print(
        f"Wrote {data_path} ({geos} geos x {weeks} weeks) and {truth_path} (truth per geo too)"
    )


def _truth_table(title: str, truth: dict) -> Table:
    """The simulation's true spend, contribution, ROI and mROI per channel."""
    table = Table(title=title)
    for column in ("channel", "spend", "contribution", "ROI", "mROI"):
        table.add_column(column, justify="left" if column == "channel" else "right")
    for name, row in truth["channels"].items():
        table.add_row(
            name,
            format_number(row["spend"]),
            format_number(row["contribution"]),
            f"{row['roi']:.3f}",
            f"{row['mroi']:.3f}",
        )
    return table
