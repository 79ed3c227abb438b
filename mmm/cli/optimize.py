"""``mmm optimize MODEL_DIR``: allocate a budget, or compare named scenarios."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mmm.cli._common import console, user_errors
from mmm.cli.tables import format_interval, format_number

OBJECTIVE_HELP = (
    "mean | mean_minus_std:K | cvar:ALPHA | target_kpi:X | max_kpi_roi_floor:R | "
    "max_kpi_cpa_ceiling:C (see docs/planning.md)."
)


_SHORT = {"fixed": "fixed", "at lower bound": "at min", "at upper bound": "at max"}


def _signed(value: float) -> str:
    return ("+" if value >= 0 else "-") + format_number(abs(value))


def _stat(stat: dict) -> str:
    """``mean`` over ``[lo, hi]`` on two lines (keeps columns narrow)."""
    if stat["mean"] is None:
        return "n/a"
    lo, hi = format_number(stat["lo"]), format_number(stat["hi"])
    return f"{format_number(stat['mean'])}\n[{lo}, {hi}]"


def plan_table(summary: dict) -> Table:
    """Rich table of :func:`mmm.planning.plans.plan_summary` output."""
    pct = round(100 * summary["interval"])
    table = Table(
        title=f"Plan ({summary['objective']}) for {summary['horizon']} periods, "
        f"{summary['pattern']} pattern, {summary['draws']} draws "
        f"(mean and central {pct}% interval)"
    )
    scaled = summary["reference"] != "current spend" and any(
        abs(r["reference"] - r["current"]) > 1e-6 * max(1.0, r["current"])
        for r in summary["channels"].values()
    )
    columns = ["channel", "current"] + (["at budget"] if scaled else [])
    columns += ["optimal", "change", "contribution", "ROI", "mROI"]
    widest = max(len(name) for name in [*summary["channels"], "total"])
    for name in columns:
        table.add_column(
            name,
            justify="left" if name == "channel" else "right",
            no_wrap=name == "channel",
            min_width=widest if name == "channel" else None,
            overflow="fold",
        )
    for name, row in summary["channels"].items():
        status = _SHORT.get(row["status"])
        cells = [f"{name}\n({status})" if status else name, format_number(row["current"])]
        cells += [format_number(row["reference"])] if scaled else []
        change = _signed(row["change"])
        if row["change_pct"] is not None:
            change += f"\n{100 * row['change_pct']:+.0f}%"
        cells += [format_number(row["optimal"]), change, _stat(row["contribution"])]
        cells += [_stat(row["roi"]), _stat(row["mroi"])]
        table.add_row(*cells)
    totals = summary["totals"]
    cells = ["total", format_number(totals["current_spend"])]
    cells += [format_number(totals["reference_spend"])] if scaled else []
    cells += [
        format_number(totals["spend"]),
        _signed(totals["spend"] - totals["reference_spend"]),
        _stat(totals["kpi"]),
        _stat(totals["roi"]),
        "",
    ]
    table.add_row(*cells, style="bold", end_section=True)
    return table


def scenario_table(result: dict) -> Table:
    """Rich table comparing scenarios side by side (:func:`mmm.planning.scenarios.compare`)."""
    pct = round(100 * result["interval"])
    table = Table(
        title=f"Scenarios over {result['horizon']} periods ({result['pattern']} pattern, "
        f"{result['draws']} draws; mean and central {pct}% interval; "
        f"compared with '{result['reference']}')"
    )
    table.add_column("", style="bold")
    for scenario in result["scenarios"]:
        table.add_column(scenario["name"], justify="right")
    for channel in result["channels"]:
        table.add_row(
            channel,
            *(format_number(s["spend"][channel]) for s in result["scenarios"]),
            end_section=channel == result["channels"][-1],
        )
    rows = {
        "total spend": lambda s: format_number(s["total_spend"]),
        "KPI": lambda s: _stat(s["kpi"]),
        "ROI": lambda s: _stat(s["roi"]),
        "uplift": lambda s: _stat(s["uplift"]),
        "P(beats reference)": lambda s: f"{s['p_beats_reference']:.2f}",
        "objective": lambda s: s["objective"],
    }
    for label, cell in rows.items():
        table.add_row(label, *(cell(s) for s in result["scenarios"]))
    return table


def _print_plan_notes(summary: dict) -> None:
    totals = summary["totals"]
    uplift = totals["uplift"]
    share = "" if totals["uplift_pct"] is None else f" ({100 * totals['uplift_pct']:+.1f}%)"
    console.print(
        f"Expected KPI uplift vs {summary['reference']}: {_signed(uplift['mean'])}{share} "
        f"[{format_number(uplift['lo'])}, {format_number(uplift['hi'])}]; "
        f"P(plan beats it) = {totals['p_better']:.2f}"
    )
    if summary["reference"] == "current spend":
        console.print(
            f"Total spend {format_number(totals['spend'])} versus current "
            f"{format_number(totals['current_spend'])} "
            f"({_signed(totals['spend'] - totals['current_spend'])}); expected KPI "
            f"{format_interval(totals['kpi'])}."
        )
    solver = summary["solver"]
    if solver:
        state = "converged" if solver["success"] else f"did NOT converge: {solver['message']}"
        console.print(
            f"SLSQP {state}: {solver['iterations']} iterations, {solver['evaluations']} "
            f"evaluations, {solver['seconds']:.2f} s. KPI counts the horizon and its carry-over "
            "tail; mROI is d(contribution)/d(spend) at the plan."
        )


@user_errors
def optimize_command(
    model_dir: Annotated[Path, typer.Argument(help="Fitted model folder (from `mmm fit`).")],
    budget: Annotated[
        float | None,
        typer.Option(help="Total spend over the horizon (default: current spend of the horizon)."),
    ] = None,
    horizon: Annotated[
        int | None, typer.Option(min=1, help="Planned periods (default: 13 weeks / 91 days).")
    ] = None,
    bounds: Annotated[
        str | None,
        typer.Option(help="Per-channel bounds, e.g. 'tv=0.5x:1.5x,search=1e4:5e4'."),
    ] = None,
    fixed: Annotated[
        list[str] | None,
        typer.Option(help="Channel held fixed: 'radio' (at current) or 'radio=2e4'; repeatable."),
    ] = None,
    pattern: Annotated[
        str, typer.Option(help="Spend within the horizon: flat | history.")
    ] = "flat",
    objective: Annotated[str, typer.Option(help=OBJECTIVE_HELP)] = "mean",
    draws: Annotated[
        int | None, typer.Option(min=1, help="Posterior draws to use (default: all).")
    ] = None,
    scenarios: Annotated[
        Path | None, typer.Option(help="Scenario YAML: compare named plans side by side.")
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")
    ] = False,
    interval: Annotated[
        float | None,
        typer.Option(min=0.01, max=0.99, help="Interval probability (default: the model's)."),
    ] = None,
) -> None:
    """Find the allocation of a budget that maximizes the expected KPI (or another objective)."""
    from mmm.model.store import load_model
    from mmm.planning.optimizer import optimize
    from mmm.planning.plans import plan_summary
    from mmm.planning.response import ResponseModel
    from mmm.planning.scenarios import run_scenarios

    fitted = load_model(model_dir)
    prob = float(fitted.config.interval if interval is None else interval)
    if scenarios is not None:
        result = run_scenarios(fitted, scenarios, prob)
        if json_output:
            typer.echo(json.dumps(result, indent=2))
        else:
            console.print(scenario_table(result))
        return
    response = ResponseModel.from_fitted(fitted, horizon, pattern.strip().lower(), draws)
    fixed_spec = [part for item in fixed or [] for part in item.split(",") if part.strip()]
    plan = optimize(response, budget, bounds, fixed_spec or None, objective)
    summary = plan_summary(plan, prob)
    if json_output:
        typer.echo(json.dumps(summary, indent=2))
        return
    console.print(plan_table(summary))
    _print_plan_notes(summary)
