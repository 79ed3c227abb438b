"""``mmm optimize MODEL_DIR``: allocate a budget, or compare named scenarios."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from mmm.cli._common import console, user_errors
from mmm.cli.plan_tables import geo_plan_table, plan_table, print_warnings, scenario_table
from mmm.cli.tables import format_interval, format_number, format_signed

OBJECTIVE_HELP = (
    "mean | mean_minus_std:K | cvar:ALPHA | target_kpi:X | max_kpi_roi_floor:R | "
    "max_kpi_cpa_ceiling:C (see docs/planning.md)."
)


def _print_plan_notes(summary: dict) -> None:
    totals = summary["totals"]
    uplift = totals["uplift"]
    share = "" if totals["uplift_pct"] is None else f", {100 * totals['uplift_pct']:+.1f}%"
    console.print(
        f"Expected KPI uplift vs {summary['reference']}: "
        f"{format_interval(uplift, signed=True)}{share}; "
        f"P(plan beats it) = {totals['p_better']:.2f}"
    )
    if summary["reference"] == "current spend":
        console.print(
            f"Total spend {format_number(totals['spend'])} versus current "
            f"{format_number(totals['current_spend'])} "
            f"({format_signed(totals['spend'] - totals['current_spend'])}); expected KPI "
            f"{format_interval(totals['kpi'])}."
        )
    solver = summary["solver"]
    if solver:
        state = "converged" if solver["success"] else f"did NOT converge: {solver['message']}"
        console.print(
            f"SLSQP {state}: {solver['iterations']} iterations, {solver['evaluations']} "
            f"evaluations, {solver['seconds']:.2f} s."
        )
    print_warnings(console, summary["warnings"])


def _print_split_note(split: dict) -> None:
    """One line saying how a panel's channel budgets were spread over the geos."""
    console.print(
        f"Geo split held: {split['basis']} ({len(split['geos'])} geos; per geo in --json "
        "'geo_split'). --by-geo plans each geo and channel."
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
    by_geo: Annotated[
        bool,
        typer.Option(
            "--by-geo",
            help="Geo panels: allocate across geo x channel cells, named GEO/CHANNEL in "
            "--bounds and --fixed (default: channels, each with its recent geo split held).",
        ),
    ] = False,
) -> None:
    """Find the allocation of a budget that maximizes the expected KPI (or another objective)."""
    from mmm.model.store import load_model
    from mmm.planning.optimizer import optimize
    from mmm.planning.plans import geo_plan_summary, plan_summary
    from mmm.planning.response import ResponseModel
    from mmm.planning.scenarios import run_scenarios

    fitted = load_model(model_dir)
    prob = float(fitted.config.interval if interval is None else interval)
    if scenarios is not None:
        result = run_scenarios(fitted, scenarios, prob, by_geo=by_geo or None)
        if json_output:
            typer.echo(json.dumps(result, indent=2))
        else:
            console.print(scenario_table(result))
            for scenario in result["scenarios"]:
                print_warnings(console, scenario["warnings"], f"scenario '{scenario['name']}': ")
            if "geo_split" in result:
                _print_split_note(result["geo_split"])
        return
    response = ResponseModel.from_fitted(
        fitted, horizon, pattern.strip().lower(), draws, by_geo=by_geo
    )
    plan = optimize(response, budget, bounds, fixed or None, objective)
    split = getattr(response, "split_summary", None)
    if by_geo:
        summary = geo_plan_summary(plan, prob)
    else:
        summary = plan_summary(plan, prob)
        if split is not None:
            summary["geo_split"] = split(plan.spend)
    if json_output:
        typer.echo(json.dumps(summary, indent=2))
        return
    console.print(geo_plan_table(summary) if by_geo else plan_table(summary))
    _print_plan_notes(summary)
    if split is not None:
        _print_split_note(summary["geo_split"])
