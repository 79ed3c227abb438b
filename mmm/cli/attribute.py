"""``mmm attribute``: multi-touch attribution of paths or an event log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mmm.attribution import MODEL_NAMES
from mmm.cli._common import console, user_errors
from mmm.errors import MmmError

if TYPE_CHECKING:
    from mmm.attribution import Attribution, PathData


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


def _print(results: list[Attribution], show_transitions: bool, wide: bool) -> None:
    from mmm.cli import attribute_tables as at

    tables = []
    if len(results) > 1:
        tables.append(at.comparison_table(results))
    if wide or len(results) == 1:
        tables += [at.model_table(r) for r in results]
    elif any(r.removal_effects is not None for r in results):
        tables += [at.model_table(r) for r in results if r.removal_effects is not None]
    for result in results:
        if show_transitions and result.transition_matrix is not None:
            tables.append(at.transitions_table(result))
        if result.by_position is not None:
            tables.append(at.positions_table(result))
    for table in tables:
        console.print()
        console.print(table)


def _write_report(
    data: PathData, done: dict[str, Attribution], given: dict[str, Any], source: Path, output: Path
) -> Path:
    """Run every model not run yet (Markov with its transition matrix) and write the report."""
    from mmm.attribution import attribute
    from mmm.report.attribution_report import render_attribution_report
    from mmm.report.page import write_page

    results = []
    for key in MODEL_NAMES:
        result = done.get(key)
        if key == "markov" and (result is None or result.transition_matrix is None):
            result = attribute(data, key, **_options(key, **{**given, "transitions": True}))
        elif result is None:
            result = attribute(data, key, **_options(key, **given))
        results.append(result)
    return write_page(render_attribution_report(data, results, source), output)


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
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Also write a self-contained HTML report (every model side by side) here.",
        ),
    ] = None,
    wide: Annotated[
        bool, typer.Option("--wide", help="Print every model's own table as well.")
    ] = False,
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
    keys = [name.replace("-", "_").lower() for name in names]
    data = read_input(
        input,
        lookback_days=lookback_days,
        collapse_repeats=collapse_repeats,
        # one pass over an event log also keeps the touch times that time decay and the
        # report's time to conversion read, instead of each querying the log again
        touch_times=report is not None or "time_decay" in keys,
    )
    given = dict(
        order=order,
        transitions=transitions or report is not None,  # the report's heat map needs them
        half_life=half_life,
        first=first,
        last=last,
        direct=direct,
        ordered=ordered,
        worth=worth,
        samples=samples,
        seed=seed,
    )
    results = [attribute(data, key, **_options(key, **given)) for key in keys]
    if report is not None:
        report = _write_report(data, dict(zip(keys, results, strict=True)), given, input, report)
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
        if not transitions:  # computed for the report only
            for item in payload["results"]:
                item.pop("transition_matrix", None)
        if report is not None:
            payload["report"] = str(report)
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
    _print(results, transitions, wide)
    if report is not None:
        size = report.stat().st_size / 1e6
        console.print(f"Wrote [bold]{report}[/] ({size:.1f} MB)", soft_wrap=True)
