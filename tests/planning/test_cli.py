"""``mmm summary`` and ``mmm optimize`` (plans and scenarios) through the CLI."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from mmm import load
from mmm.cli import app
from mmm.planning.scenarios import run_scenarios

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def words(result) -> str:
    """The output with line wrapping undone."""
    return " ".join(result.output.split())


def test_summary_table_and_json(quick_model_dir):
    result = invoke("summary", quick_model_dir)
    assert result.exit_code == 0, result.output
    assert "media share" in result.output and "mROI" in result.output
    result = invoke("summary", quick_model_dir, "--json", "--interval", "0.5")
    data = json.loads(result.output)
    assert data["interval"] == 0.5
    assert {"tv", "search", "social", "display"} == set(data["channels"])


def test_summary_missing_model(tmp_path):
    result = invoke("summary", tmp_path / "nope")
    assert result.exit_code == 2
    assert "model folder not found" in words(result)


def test_optimize_table(quick_model_dir):
    result = invoke(
        "optimize", quick_model_dir, "--budget", "8e5", "--bounds", "tv=0.5x:1.5x",
        "--fixed", "social", "--draws", "50",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "fixed" in result.output and "total" in result.output
    assert "P(plan beats it)" in words(result)


def test_optimize_json_holds_constraints(quick_model_dir):
    result = invoke(
        "optimize", quick_model_dir, "--budget", "8e5", "--bounds", "tv=0.5x:1.5x",
        "--fixed", "social=5e4", "--horizon", "8", "--pattern", "history",
        "--objective", "mean_minus_std:1", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    channels = data["channels"]
    assert sum(c["optimal"] for c in channels.values()) == pytest.approx(8e5, rel=1e-12)
    assert channels["social"]["optimal"] == 5e4 and channels["social"]["status"] == "fixed"
    tv = channels["tv"]
    assert tv["lower"] == pytest.approx(0.5 * tv["current"])
    assert tv["lower"] <= tv["optimal"] <= tv["upper"]
    assert data["horizon"] == 8 and data["pattern"] == "history"
    assert data["objective"] == "mean_minus_std:1"
    assert 0.0 <= data["totals"]["p_better"] <= 1.0
    for key in ("kpi", "reference_kpi", "uplift", "roi"):
        assert set(data["totals"][key]) == {"mean", "lo", "hi"}
    assert data["solver"]["iterations"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--budget", "100", "--bounds", "tv=1x:2x"], "cannot satisfy the bounds"),
        (["--bounds", "radio=1:2"], "unknown channel 'radio'"),
        (["--objective", "median"], "unknown objective"),
        (["--pattern", "weekly"], "unknown spend pattern"),
        (["--horizon", "500"], "horizon must be between 1 and the 104"),
    ],
)
def test_optimize_user_errors(quick_model_dir, args, message):
    result = invoke("optimize", quick_model_dir, *args)
    assert result.exit_code == 2
    assert message in words(result)


def write_scenarios(tmp_path, content: dict):
    path = tmp_path / "scenarios.yaml"
    path.write_text(yaml.safe_dump(content, sort_keys=False))
    return path


SCENARIOS = {
    "horizon": 13,
    "draws": 80,
    "scenarios": [
        {"name": "current", "allocation": "current"},
        {"name": "tv_up", "allocation": {"tv": "1.5x", "search": 2e4}},
        {"name": "best", "optimize": {"objective": "mean"}},
        {
            "name": "bounded",
            "optimize": {"budget": 5e5, "bounds": {"tv": "0.5x:1.5x"}, "fixed": ["social"]},
        },
    ],
}


def test_scenarios_side_by_side(quick_model_dir, tmp_path):
    path = write_scenarios(tmp_path, SCENARIOS)
    result = invoke("optimize", quick_model_dir, "--scenarios", path)
    assert result.exit_code == 0, result.output
    for name in ("current", "tv_up", "best", "bounded", "P(beats"):
        assert name in words(result)
    data = json.loads(invoke("optimize", quick_model_dir, "--scenarios", path, "--json").output)
    library = json.loads(json.dumps(run_scenarios(load(quick_model_dir), path)))
    for result_data in (data, library):  # timings differ between runs
        for scenario in result_data["scenarios"]:
            scenario.get("plan", {}).get("solver", {}).pop("seconds", None)
    assert data == library
    by_name = {s["name"]: s for s in data["scenarios"]}
    current = data["current_spend"]
    assert by_name["current"]["spend"] == current
    assert by_name["current"]["uplift"]["mean"] == 0.0
    assert by_name["tv_up"]["spend"]["tv"] == pytest.approx(1.5 * current["tv"])
    assert by_name["tv_up"]["spend"]["search"] == 2e4
    assert by_name["tv_up"]["spend"]["display"] == current["display"]
    assert by_name["best"]["total_spend"] == pytest.approx(sum(current.values()), rel=1e-12)
    assert by_name["best"]["kpi"]["mean"] >= by_name["current"]["kpi"]["mean"]
    assert by_name["bounded"]["total_spend"] == pytest.approx(5e5, rel=1e-12)
    assert by_name["bounded"]["spend"]["social"] == current["social"]
    assert by_name["bounded"]["plan"]["channels"]["social"]["status"] == "fixed"
    assert data["draws"] == 80 and data["reference"] == "current"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"scenarios": [{"name": "a", "allocation": "current", "budget": 1}]}, "unknown key"),
        ({"scenarios": [{"name": "a"}]}, "exactly one of 'allocation' or 'optimize'"),
        ({"scenarios": [{"name": "a", "allocation": {"radio": 1}}]}, "unknown channel"),
        (
            {"scenarios": [{"name": "a", "optimize": {"budget": 1, "bounds": {"tv": "1x:2x"}}}]},
            "scenario 'a': the budget 1 cannot satisfy",
        ),
        ({"reference": "b", "scenarios": [{"name": "a", "allocation": "current"}]}, "reference"),
    ],
)
def test_scenario_file_errors(quick_model_dir, tmp_path, content, message):
    path = write_scenarios(tmp_path, content)
    result = invoke("optimize", quick_model_dir, "--scenarios", path)
    assert result.exit_code == 2
    assert message in words(result) and "scenarios.yaml" in words(result)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"scenarios:\n  - {name: caf\xff, allocation: current}\n", "unreadable character at"),
        (b"horizon: 13\nscenarios: [oops\n", "not valid YAML (line 3, column 1)"),
    ],
    ids=["latin-1", "unclosed"],
)
def test_unreadable_scenario_file_is_one_line(quick_model_dir, tmp_path, content, message):
    path = tmp_path / "scenarios.yaml"
    path.write_bytes(content)
    result = invoke("optimize", quick_model_dir, "--scenarios", path)
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert message in result.output and str(path) in result.output
    assert "<unicode string>" not in result.output


def test_example_scenarios_file_is_valid(quick_model_dir):
    # The shipped example names the example model's channels; check its structure only.
    from pathlib import Path

    from mmm.planning.scenarios import load_scenarios

    spec = load_scenarios(Path(__file__).parents[2] / "configs" / "scenarios" / "example.yaml")
    assert [s.name for s in spec.scenarios][:3] == ["current", "tv_up_display_down", "optimized"]
