"""``mmm attribute``: multi-touch attribution of paths or an event log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from mmm.attribution import MODEL_NAMES
from mmm.cli._common import console, user_errors
from mmm.errors import MmmError

if TYPE_CHECKING:
    from mmm.attribution import Attribution


def _options(model: str, **given: Any) -> dict[str, Any]:
    """Pick the CLI options that apply to ``model``."""
    per_model = {
        "markov": {"order": given["order"], "transition_matrix": given["transitions"]},
        "time_decay": {"half_life": given["half_life"]},
        "position_based": {"first": given["first"], "last": given["last"]},
        "last_non_direct": {"direct": tuple(given["direct"])},
        "shapley": {
            "ordered": given["ordered"],
            "worth": given["worth"],
            "n_samples": given["samples"],
            "seed": given["seed"],
        },
    }
    return per_model.get(model, {})


def _print(result: Attribution, show_transitions: bool) -> None:
    settings = ", ".join(f"{k}={v}" for k, v in result.details.items())
    table = Table(title=f"{result.model}" + (f" ({settings})" if settings else ""))
    has_se = "conversions_se" in result.table and result.table["conversions_se"].gt(0).any()
    columns = ["channel", "conversions"] + (["± se"] if has_se else []) + ["value", "share"]
    if result.removal_effects is not None:
        columns.append("removal effect")
    for column in columns:
        table.add_column(column, justify="left" if column == "channel" else "right")
    effects = (
        result.removal_effects.set_index("channel")["removal_effect"]
        if result.removal_effects is not None
        else None
    )
    for row in result.table.itertuples(index=False):
        cells = [str(row.channel), f"{row.conversions:,.2f}"]
        if has_se:
            cells.append(f"{row.conversions_se:,.2f}")
        cells += [f"{row.value:,.2f}", f"{row.share:.1%}"]
        if effects is not None:
            cells.append(f"{effects[row.channel]:.4f}")
        table.add_row(*cells)
    console.print(table)
    if show_transitions and result.transition_matrix is not None:
        matrix = Table(title="transition probabilities")
        for column in ("from", "to", "probability"):
            matrix.add_column(column)
        for row in result.transition_matrix.itertuples(index=False):
            matrix.add_row(str(row[0]), str(row[1]), f"{row[2]:.4f}")
        console.print(matrix)
    if result.by_position is not None:
        positions = Table(title="ordered Shapley: conversions by touch position")
        for column in ("channel", "position", "conversions", "value"):
            positions.add_column(column, justify="left" if column == "channel" else "right")
        for row in result.by_position.itertuples(index=False):
            positions.add_row(
                str(row.channel), str(row.position), f"{row.conversions:,.2f}", f"{row.value:,.2f}"
            )
        console.print(positions)


@user_errors
def attribute_command(
    input: Annotated[
        Path,
        typer.Argument(
            help="Aggregated paths (path, conversions[, value, nulls]) or an "
            "event log (user_id, timestamp, channel, conversion, value); CSV "
            "or Parquet."
        ),
    ],
    model: Annotated[
        list[str],
        typer.Option(
            "--model",
            "-m",
            help=f"Model(s), repeatable or comma-separated, or 'all': {', '.join(MODEL_NAMES)}.",
        ),
    ] = ["markov"],  # noqa: B006 (typer needs a list default)
    order: Annotated[int, typer.Option(help="Markov order (1 to 4).")] = 1,
    transitions: Annotated[
        bool, typer.Option("--transitions", help="Show / include the Markov transition matrix.")
    ] = False,
    half_life: Annotated[
        float,
        typer.Option(help="Time decay half-life: days for an event log, touches for paths."),
    ] = 7.0,
    first: Annotated[float, typer.Option(help="Position based: share of the first touch.")] = 0.4,
    last: Annotated[float, typer.Option(help="Position based: share of the last touch.")] = 0.4,
    direct: Annotated[
        list[str], typer.Option(help="Last non-direct: channel(s) counted as direct.")
    ] = ["direct"],  # noqa: B006
    ordered: Annotated[
        bool, typer.Option("--ordered", help="Shapley: ordered variant (credit by position).")
    ] = False,
    worth: Annotated[
        str, typer.Option(help="Shapley worth: 'conversions' or 'conversion_rate'.")
    ] = "conversions",
    samples: Annotated[int, typer.Option(help="Shapley: orderings sampled beyond 15.")] = 2000,
    seed: Annotated[int, typer.Option(help="Seed of the Shapley sampler.")] = 0,
    lookback_days: Annotated[
        float, typer.Option(help="Event log: lookback window before the conversion, days.")
    ] = 30.0,
    collapse_repeats: Annotated[
        bool, typer.Option("--collapse-repeats", help="Event log: merge repeated touches.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Attribute conversions to channels (rule-based, Markov or Shapley)."""
    from mmm.attribution import attribute, model_function, read_input

    names = [n.strip() for item in model for n in item.split(",") if n.strip()]
    if names == ["all"]:
        names = list(MODEL_NAMES)
    if not names:
        raise MmmError("give at least one --model", key="model")
    for name in names:
        model_function(name)  # fail on a typo before reading the data
    data = read_input(input, lookback_days=lookback_days, collapse_repeats=collapse_repeats)
    given = dict(
        order=order,
        transitions=transitions,
        half_life=half_life,
        first=first,
        last=last,
        direct=direct,
        ordered=ordered,
        worth=worth,
        samples=samples,
        seed=seed,
    )
    results = [
        attribute(data, name, **_options(name.replace("-", "_").lower(), **given)) for name in names
    ]
    summary = {
        "input": str(input),
        "paths": len(data.table),
        "conversions": data.total_conversions,
        "value": data.total_value,
        "nulls": float(data.table["nulls"].sum()),
        "unattributed_conversions": data.unattributed_conversions,
    }
    if as_json:
        payload = {**summary, "results": [r.to_dict() for r in results]}
        typer.echo(json.dumps(payload, indent=2, default=str))
        return
    console.print(
        f"{summary['paths']:,} distinct paths, {summary['conversions']:,.0f} conversions, "
        f"{summary['nulls']:,.0f} non-converting journeys, value {summary['value']:,.2f}"
    )
    if data.unattributed_conversions:
        console.print(
            f"{data.unattributed_conversions:,.0f} conversions had no touch in their journey "
            "(lookback window) and are not attributed"
        )
    for result in results:
        _print(result, transitions)
