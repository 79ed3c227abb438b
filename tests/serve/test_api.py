"""The planner's JSON API on a real server: answers equal the library's and the CLI's; bad
input gets a 4xx naming the field; concurrent clients get correct answers."""

from __future__ import annotations

import csv
import io
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mmm.cli import app
from mmm.model.store import load_model
from mmm.planning.plans import evaluate_plan, plan_summary
from mmm.planning.response import ResponseModel

from .conftest import call

runner = CliRunner()


def cli_json(*args: str) -> dict:
    result = runner.invoke(app, ["optimize", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_model_lists_models_channels_and_current_spend(server, serve_models):
    status, info = call(f"{server}/api/model")
    assert status == 200
    assert info["models"] == ["north", "south"] and info["model"] == "north"
    response = ResponseModel.from_fitted(load_model(serve_models[0]))
    assert list(info["channels"]) == list(response.channels)
    for i, channel in enumerate(response.channels):
        row = info["channels"][channel]
        assert row["current"] == pytest.approx(response.current[i], rel=1e-12)
        assert sum(row["current_per_period"]) == pytest.approx(row["current"], rel=1e-9)
        assert 0 < row["period_min"] <= row["period_max"]
    assert info["horizon"] == 13 and info["draws"] == response.n_draws

    status, south = call(f"{server}/api/model?model=south&horizon=8&pattern=history")
    assert status == 200 and south["model"] == "south" and len(south["channels"]) == 3
    assert south["horizon"] == 8 and south["pattern"] == "history"


def test_evaluate_is_the_library_answer(server, serve_models):
    fitted = load_model(serve_models[0])
    response = ResponseModel.from_fitted(fitted, 10, "history")
    channels = response.channels
    allocation = {channels[0]: 2.0 * response.current[0], channels[2]: 0.0}
    status, out = call(
        f"{server}/api/evaluate",
        {"allocation": allocation, "horizon": 10, "pattern": "history"},
    )
    assert status == 200, out
    spend = response.current.copy()  # channels left out stay at current spend
    spend[0], spend[2] = allocation[channels[0]], 0.0
    expected = plan_summary(evaluate_plan(response, spend), fitted.config.interval)
    assert out["kpi"] == expected["totals"]["kpi"]
    assert out["uplift"] == expected["totals"]["uplift"]
    for channel in channels:
        got, want = out["channels"][channel], expected["channels"][channel]
        assert got["spend"] == want["optimal"]
        assert got["contribution"] == want["contribution"]
        assert got["roi"] == want["roi"] and got["mroi"] == want["mroi"]
    assert out["kpi"]["lo"] < out["kpi"]["mean"] < out["kpi"]["hi"]
    assert out["channels"][channels[2]]["roi"]["mean"] is None  # no spend, no ROI


def test_more_spend_on_a_channel_raises_its_contribution(server):
    _, info = call(f"{server}/api/model")
    channel, row = next(iter(info["channels"].items()))
    _, base = call(f"{server}/api/evaluate", {"allocation": {}})
    _, more = call(f"{server}/api/evaluate", {"allocation": {channel: 1.5 * row["current"]}})
    assert (
        more["channels"][channel]["contribution"]["mean"]
        > (base["channels"][channel]["contribution"]["mean"])
    )
    assert more["kpi"]["mean"] > base["kpi"]["mean"] and more["uplift"]["mean"] > 0
    assert base["uplift"] == {"mean": 0.0, "lo": 0.0, "hi": 0.0}


@pytest.mark.parametrize(
    ("body", "args"),
    [
        ({}, []),
        (
            {"budget": 9e5, "objective": "mean_minus_std:1", "bounds": {"tv": "0.5x:1.5x"},
             "fixed": ["social"]},
            ["--budget", "9e5", "--objective", "mean_minus_std:1", "--bounds", "tv=0.5x:1.5x",
             "--fixed", "social"],
        ),
        (
            {"budget": 8e5, "objective": "cvar:0.1", "horizon": 8, "pattern": "history",
             "bounds": {"search": [10000, None]}},
            ["--budget", "8e5", "--objective", "cvar:0.1", "--horizon", "8", "--pattern",
             "history", "--bounds", "search=10000:"],
        ),
    ],
    ids=["defaults", "risk-averse-bounds-fixed", "cvar-history"],
)  # fmt: skip
def test_optimize_gives_the_answer_of_mmm_optimize(server, serve_models, body, args):
    status, out = call(f"{server}/api/optimize", body)
    assert status == 200, out
    cli = cli_json(str(serve_models[0]), *args)
    assert out["allocation"] == {c: row["optimal"] for c, row in cli["channels"].items()}
    assert out["totals"]["kpi"] == cli["totals"]["kpi"]
    assert out["objective"] == cli["objective"] and out["budget"] == cli["budget"]
    assert sum(out["allocation"].values()) == pytest.approx(out["budget"], rel=1e-9)


BAD_INPUT = [
    ("evaluate", {"allocation": {"tv": -5}}, 400, "allocation.tv", "must be >= 0"),
    ("evaluate", {"allocation": {"tv": "abc"}}, 422, "allocation.tv", "valid number"),
    ("evaluate", {"allocation": {"tv": "1000"}}, 422, "allocation.tv", "valid number"),
    ("evaluate", {"allocation": {"tv": None}}, 422, "allocation.tv", "valid number"),
    ("evaluate", {"allocation": {"radio": 10}}, 400, "allocation.radio", "unknown channel"),
    ("evaluate", {"allocation": {"tv": 1e30}}, 400, "allocation.tv", "more than 1,000x"),
    ("evaluate", {"allocation": [1, 2]}, 422, "allocation", "valid dictionary"),
    ("evaluate", {"horizon": 0}, 422, "horizon", "greater than or equal to 1"),
    ("evaluate", {"horizon": 500}, 400, "horizon", "between 1 and the 104"),
    ("evaluate", {"pattern": "burst"}, 422, "pattern", "'flat' or 'history'"),
    ("evaluate", {"model": "west"}, 400, "model", "unknown model 'west'"),
    ("evaluate", {"alocation": {}}, 422, "alocation", "unknown field"),
    ("curves", {"allocation": {"tv": -1}}, 400, "allocation.tv", "must be >= 0"),
    ("optimize", {"budget": -3}, 400, "budget", "must be > 0"),
    ("optimize", {"budget": "lots"}, 422, "budget", "valid number"),
    ("optimize", {"budget": 1000, "bounds": {"tv": [5000, None]}}, 400, "budget",
     "cannot satisfy the bounds"),
    ("optimize", {"bounds": {"tv": ["2x", "1x"]}}, 400, "bounds.tv", "above"),
    ("optimize", {"bounds": {"radio": [0, 1]}}, 400, "bounds.radio", "unknown channel"),
    ("optimize", {"fixed": {"radio": 5}}, 400, "fixed.radio", "unknown channel"),
    ("optimize", {"fixed": ["tv"], "bounds": {"tv": [1, 2]}}, 400, "fixed", "both fixed"),
    ("optimize", {"objective": "cvar:2"}, 400, "objective", "out of range"),
    ("optimize", {"objective": "maximize"}, 400, "objective", "unknown objective"),
    ("compare", {"scenarios": []}, 400, "scenarios", "at least 1 item"),
    ("compare", {"scenarios": [{"name": "a", "allocation": {"tv": -1}}]}, 400,
     "scenarios.0.allocation.tv", "must be >= 0"),
    ("scenarios/import", {"text": "scenarios: [oops"}, 400, None, "not valid YAML"),
    ("scenarios/import", {"text": "scenarios:\n  - {name: a}\n"}, 400, "scenarios.0",
     "exactly one of"),
]  # fmt: skip


@pytest.mark.parametrize(("route", "body", "code", "field", "message"), BAD_INPUT)
def test_bad_input_gets_a_4xx_naming_the_field(server, route, body, code, field, message):
    status, out = call(f"{server}/api/{route}", body)
    assert status == code, out
    assert out["field"] == field and message in out["error"], out


def test_malformed_json_is_a_422_and_the_server_carries_on(server):
    status, out = call(f"{server}/api/evaluate", raw=b"{not json")
    assert status == 422 and out["field"] == "body" and "JSON" in out["error"]
    status, _ = call(f"{server}/api/model")
    assert status == 200


def test_bad_query_parameters_on_model(server):
    status, out = call(f"{server}/api/model?horizon=zero")
    assert status == 422 and out["field"] == "horizon"
    status, out = call(f"{server}/api/model?model=west")
    assert status == 400 and "unknown model" in out["error"]


def test_curves_reach_past_the_plan_with_intervals(server):
    _, info = call(f"{server}/api/model")
    channel = next(iter(info["channels"]))
    planned = 5 * info["channels"][channel]["current"]
    status, out = call(f"{server}/api/curves", {"allocation": {channel: planned}, "points": 21})
    assert status == 200
    curve = out["channels"][channel]
    assert len(curve["spend"]) == 21 and curve["spend"][0] == 0.0
    assert curve["spend"][-1] == pytest.approx(1.25 * planned)
    assert curve["mean"][0] == 0.0 and np.all(np.diff(curve["mean"]) > 0)
    bands = zip(curve["lo"], curve["mean"], curve["hi"], strict=True)
    assert all(lo <= m <= hi for lo, m, hi in bands)


SCENARIOS = {
    "horizon": 13,
    "pattern": "flat",
    "reference": "now",
    "scenarios": [
        {"name": "now", "allocation": "current"},
        {"name": "tv_up", "allocation": {"tv": 40000.0, "search": 90000.0}},
        {"name": "best", "optimize": {"budget": 8e5, "objective": "mean_minus_std:0.5"}},
    ],
}


def test_compare_export_and_mmm_optimize_scenarios_agree(server, serve_models, tmp_path: Path):
    status, result = call(f"{server}/api/compare", SCENARIOS)
    assert status == 200, result
    names = [s["name"] for s in result["scenarios"]]
    assert names == ["now", "tv_up", "best"] and result["reference"] == "now"
    for a in result["scenarios"]:
        for b in result["scenarios"]:
            if a is not b:  # paired draws: at most one of the two beats the other in a draw
                assert a["p_beats"][b["name"]] + b["p_beats"][a["name"]] <= 1.0
        assert a["p_beats"]["now"] == a["p_beats_reference"]

    status, text = call(f"{server}/api/scenarios.yaml", SCENARIOS)
    assert status == 200 and text.startswith("# mmm optimize")
    path = tmp_path / "scenarios.yaml"
    path.write_text(text)
    cli = runner.invoke(app, ["optimize", str(serve_models[0]), "--scenarios", str(path), "--json"])
    assert cli.exit_code == 0, cli.output
    from_cli = json.loads(cli.output)
    for ours, theirs in zip(result["scenarios"], from_cli["scenarios"], strict=True):
        assert ours["name"] == theirs["name"]
        assert ours["kpi"] == theirs["kpi"] and ours["p_beats"] == theirs["p_beats"]

    status, back = call(f"{server}/api/scenarios/import", {"text": text})
    assert status == 200 and back["scenarios"][1] == SCENARIOS["scenarios"][1]
    assert back["reference"] == "now" and back["horizon"] == 13

    status, table = call(f"{server}/api/scenarios.csv", SCENARIOS)
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(table)))
    totals = {r["scenario"]: r for r in rows if r["channel"] == "TOTAL"}
    assert list(totals) == names and len(rows) == 3 * (len(result["channels"]) + 1)
    for scenario in result["scenarios"]:
        row = totals[scenario["name"]]
        assert float(row["kpi_mean"]) == pytest.approx(scenario["kpi"]["mean"], rel=1e-12)
        assert float(row["spend"]) == pytest.approx(scenario["total_spend"], rel=1e-12)


def test_twenty_concurrent_clients_get_their_own_answers(server):
    _, info = call(f"{server}/api/model")
    channel, row = next(iter(info["channels"].items()))
    bodies = [{"allocation": {channel: row["current"] * (0.1 * k)}} for k in range(20)]
    serial = [call(f"{server}/api/evaluate", body)[1] for body in bodies]
    with ThreadPoolExecutor(20) as pool:
        parallel = list(pool.map(lambda b: call(f"{server}/api/evaluate", b)[1], bodies))
    assert parallel == serial
    means = [out["kpi"]["mean"] for out in parallel]
    assert means == sorted(means) and len(set(means)) == 20
