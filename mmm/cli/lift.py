"""``mmm lift``: incrementality of a holdout or geo test, and lift records for calibration."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from mmm.cli._common import console, user_errors
from mmm.errors import DataError, MmmError

if TYPE_CHECKING:
    from mmm.experiments.lift import GeoLift, HoldoutLift
    from mmm.experiments.records import LiftRecord

GROUPS = {"treatment": "treatment", "test": "treatment", "control": "control", "holdout": "control"}


def _read(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise MmmError("file not found", source=str(path))
    if path.suffix.lower() in {".parquet", ".pq"}:
        return pd.read_parquet(path)
    return pd.read_csv(path)


def _holdout_groups(frame: pd.DataFrame, source: str) -> dict[str, dict[str, float]]:
    for column in ("group", "users", "conversions"):
        if column not in frame.columns:
            raise DataError(
                f"missing column '{column}' (a holdout file has group, users, conversions "
                "and optionally value, value_sd)",
                source=source,
                key=column,
            )
    groups: dict[str, dict[str, float]] = {}
    for i, row in enumerate(frame.to_dict(orient="records"), start=2):
        name = GROUPS.get(str(row["group"]).strip().lower())
        if name is None:
            raise DataError(
                f"group must be 'treatment' or 'control', got {row['group']!r}",
                source=source,
                key="group",
                row=i,
            )
        if name in groups:
            raise DataError(f"second '{name}' row", source=source, key="group", row=i)
        values = {}
        for column in ("users", "conversions", "value", "value_sd"):
            if column not in row or pd.isna(row[column]):
                continue
            number = pd.to_numeric(row[column], errors="coerce")
            if pd.isna(number) or number < 0:
                raise DataError(
                    f"expected a non-negative number, got {row[column]!r}",
                    source=source,
                    key=column,
                    row=i,
                )
            values[column] = float(number)
        if "users" not in values or "conversions" not in values:
            raise DataError("users and conversions are required", source=source, row=i)
        groups[name] = values
    if set(groups) != {"treatment", "control"}:
        raise DataError(
            "need one 'treatment' row and one 'control' row", source=source, key="group"
        )
    return groups


def _interval_row(table: Table, label: str, s: dict[str, float] | None, fmt: str) -> None:
    if s is not None:
        table.add_row(label, format(s["mean"], fmt), format(s["lo"], fmt), format(s["hi"], fmt))


def _print_holdout(result: HoldoutLift) -> None:
    table = Table(title=f"holdout lift ({result.prob:.0%} credible intervals)")
    for column in ("", "mean", "lo", "hi"):
        table.add_column(column, justify="left" if not column else "right")
    _interval_row(table, "absolute lift (rate)", result.absolute, ".5f")
    _interval_row(table, "relative lift", result.relative, ".2%")
    _interval_row(table, "incremental conversions", result.incremental_conversions, ",.1f")
    _interval_row(table, "incremental value", result.incremental_value, ",.2f")
    console.print(table)
    console.print(
        f"rates: treatment {result.treatment_rate:.5f}, control {result.control_rate:.5f}; "
        f"P(lift > 0) = {result.prob_positive:.3f}; minimum detectable effect "
        f"{result.mde_absolute:.5f} ({result.mde_relative:.1%} relative)"
    )


def _print_geo(result: GeoLift) -> None:
    table = Table(title=f"geo lift {result.start}..{result.end} ({result.prob:.0%} intervals)")
    for column in ("", "mean", "lo", "hi"):
        table.add_column(column, justify="left" if not column else "right")
    _interval_row(table, "incremental KPI", result.incremental, ",.2f")
    _interval_row(table, "relative lift", result.relative, ".2%")
    _interval_row(table, "placebo (pre-period)", result.placebo, ",.2f")
    console.print(table)
    verdict = "passed" if result.placebo_passed else "FAILED (interval excludes 0)"
    console.print(
        f"pre-period fit R^2 {result.pre_fit_r2:.3f}; placebo window "
        f"{result.placebo_window[0]}..{result.placebo_window[1]}: {verdict}"
    )


@user_errors
def lift_command(
    input: Annotated[
        Path,
        typer.Argument(
            help="Holdout: rows group (treatment/control), users, conversions[, value, "
            "value_sd]. Geo: a date column and one KPI column per geo."
        ),
    ],
    method: Annotated[
        str, typer.Option(help="'holdout', 'geo' or 'auto' (holdout when a 'group' column exists).")
    ] = "auto",
    channel: Annotated[str | None, typer.Option(help="Channel name for the lift record.")] = None,
    start: Annotated[str | None, typer.Option(help="Test start date (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option(help="Test end date (inclusive).")] = None,
    treated: Annotated[
        list[str] | None, typer.Option(help="Geo: treated column(s), repeatable.")
    ] = None,
    control: Annotated[
        list[str] | None, typer.Option(help="Geo: control column(s); default all others.")
    ] = None,
    date_column: Annotated[str, typer.Option(help="Geo: the date column.")] = "date",
    spend: Annotated[
        float | None, typer.Option(help="Holdout: total spend on the treated users in the window.")
    ] = None,
    x: Annotated[float | None, typer.Option(help="Geo: spend per period before the test.")] = None,
    delta_x: Annotated[
        float | None, typer.Option(help="Geo: spend change per period during the test.")
    ] = None,
    period_days: Annotated[int, typer.Option(help="Days per model period (7 = weekly).")] = 7,
    kpi: Annotated[str, typer.Option(help="Holdout: 'conversions' or 'value' as the KPI.")] = (
        "conversions"
    ),
    level: Annotated[
        float, typer.Option(help="Central credible-interval probability (0 to 1).")
    ] = 0.9,
    draws: Annotated[int, typer.Option(help="Geo: posterior draws per chain.")] = 500,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    records: Annotated[
        Path | None, typer.Option(help="Write the lift record to this CSV (for calibration).")
    ] = None,
    append: Annotated[bool, typer.Option("--append", help="Append to --records.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Estimate incrementality from a holdout or geo test and write calibration records."""
    from mmm.analysis.intervals import check_prob
    from mmm.experiments import geo_lift, holdout_lift, write_records

    prob = check_prob(level, key="level")
    frame = _read(input)
    source = str(input)
    if method == "auto":
        method = "holdout" if "group" in frame.columns else "geo"
    if method not in ("holdout", "geo"):
        raise MmmError(f"method must be 'holdout', 'geo' or 'auto', got '{method}'", key="method")
    start_d = _date(start, "start")
    end_d = _date(end, "end")
    record: LiftRecord | None = None
    payload: dict[str, Any]
    if method == "holdout":
        g = _holdout_groups(frame, source)
        t, c = g["treatment"], g["control"]
        result_h = holdout_lift(
            int(t["users"]),
            t["conversions"],
            int(c["users"]),
            c["conversions"],
            treatment_value=t.get("value"),
            control_value=c.get("value"),
            treatment_value_sd=t.get("value_sd"),
            control_value_sd=c.get("value_sd"),
            prob=prob,
            seed=seed,
        )
        if channel is not None:
            if start_d is None or end_d is None or spend is None:
                raise MmmError("a holdout record needs --start, --end and --spend", key="channel")
            record = result_h.record(channel, start_d, end_d, spend, period_days, kpi)
        payload = _payload("holdout", result_h)
        if not as_json:
            _print_holdout(result_h)
    else:
        if start_d is None:
            raise MmmError("a geo test needs --start", key="start")
        result_g = geo_lift(
            frame,
            treated=list(treated or []),
            start=start_d,
            end=end_d,
            controls=list(control) if control else None,
            date_column=date_column,
            prob=prob,
            draws=draws,
            seed=seed,
            source=source,
        )
        if channel is not None:
            if x is None or delta_x is None:
                raise MmmError("a geo record needs --x and --delta-x (spend per period)", key="x")
            record = result_g.record(channel, x, delta_x)
        payload = _payload("geo", result_g)
        payload["series"] = result_g.series.to_dict(orient="records")
        if not as_json:
            _print_geo(result_g)
    if record is not None:
        payload["record"] = record.to_row()
        if records is not None:
            write_records([record], records, append=append)
    if as_json:
        typer.echo(json.dumps(payload, indent=2, default=str))
        return
    if record is not None:
        row = record.to_row()
        console.print("lift record: " + ", ".join(f"{k}={v}" for k, v in row.items()))
        if records is not None:
            console.print(f"written to {records}")


def _payload(method: str, result: HoldoutLift | GeoLift) -> dict[str, Any]:
    """The JSON form of a result; the interval probability is stored as ``"interval"``."""
    fields = dict(result.__dict__)
    return {"method": method, "interval": fields.pop("prob"), **fields}


def _date(text: str | None, key: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise MmmError(f"expected a date YYYY-MM-DD, got {text!r}", key=key) from None
