"""Refusing absurd planning inputs and flagging plans beyond the spend range of the data."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from mmm import load
from mmm.cli import app
from mmm.errors import MmmError
from mmm.model.transforms import ChannelPlan
from mmm.planning.limits import ObservedSpend, check_amount, check_budget
from mmm.planning.plans import evaluate_plan
from mmm.planning.response import ResponseModel
from mmm.planning.scenarios import run_scenarios

runner = CliRunner()
#: The quick model's data: 104 weeks; the default horizon is 13 of them.
HORIZON = 13


def invoke(*args, columns: int = 80):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": str(columns)})


def words(result) -> str:
    return " ".join(result.output.split())


@pytest.fixture(scope="module")
def quick(quick_model_dir):
    """The quick model, its weekly spend (T, M) and the yardstick numbers, by hand."""
    fitted = load(quick_model_dir)
    spend = fitted.dataset.spend
    return {
        "channels": list(fitted.dataset.channels),
        "spend": spend,
        "current": spend[-HORIZON:].sum(axis=0),
        "horizon_spend": spend.sum() / len(spend) * HORIZON,
        "max": spend.max(axis=0),
        "min": np.where(spend > 0, spend, np.inf).min(axis=0),
    }


# -- the yardstick, by hand ------------------------------------------------------------------


def test_observed_spend_from_data_by_hand():
    spend = np.array([[0.0, 10.0], [4.0, 20.0], [2.0, 0.0]])
    observed = ObservedSpend.from_data(["a", "b"], spend, 2, kpi=np.array([3.0, -6.0, 9.0]))
    np.testing.assert_array_equal(observed.period_max, [4.0, 20.0])
    np.testing.assert_array_equal(observed.period_min, [2.0, 10.0])
    assert observed.horizon_spend == pytest.approx((10 + 24 + 2) / 3 * 2)
    assert observed.horizon_kpi == pytest.approx(6.0 * 2)
    assert observed.limit() == pytest.approx(1000 * 24.0)


def test_beyond_range_above_below_and_inside():
    observed = ObservedSpend.from_data(
        ["a", "b"], np.array([[0.0, 10.0], [4.0, 20.0], [2.0, 0.0]]), 2, frequency="weekly"
    )
    flat = np.full((2, 2), 0.5)
    # a: 5 per week > 4 observed; b: 15 per week inside [10, 20].
    (above,) = observed.beyond_range(np.array([10.0, 30.0]), flat)
    assert (above["channel"], above["side"]) == ("a", "above")
    assert (above["planned"], above["observed"], above["ratio"]) == (5.0, 4.0, 1.25)
    assert above["message"] == (
        "a: 1.25x the highest weekly spend observed (5 vs 4); the response there is extrapolated"
    )
    # Cuts: 1 < 2 and 5 < 10 per week are below the lowest nonzero spend.
    below = observed.beyond_range(np.array([2.0, 10.0]), flat)
    assert [(w["channel"], w["side"], w["ratio"]) for w in below] == [
        ("a", "below", 0.5),
        ("b", "below", 0.5),
    ]
    assert "0.5x the lowest nonzero weekly spend observed (1 vs 2)" in below[0]["message"]
    # Zero spend (going dark) and the range's own ends are not extrapolation.
    assert observed.beyond_range(np.array([0.0, 40.0]), flat) == []
    assert observed.beyond_range(np.array([8.0, 20.0]), flat) == []
    # Within 5% of the range is not flagged; past it is.
    assert observed.beyond_range(np.array([8.3, 19.1]), flat) == []
    flagged = observed.beyond_range(np.array([8.5, 18.9]), flat)
    assert [(w["channel"], w["side"]) for w in flagged] == [("a", "above"), ("b", "below")]
    # A flighted pattern is judged by its busiest and quietest periods.
    flighted = np.array([[0.9, 0.5], [0.1, 0.5]])
    (peak,) = observed.beyond_range(np.array([5.0, 30.0]), flighted)
    assert (peak["channel"], peak["planned"]) == ("a", pytest.approx(4.5))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (float("nan"), "the budget nan is not a finite number"),
        (float("inf"), "the budget inf is not a finite number"),
        (-5.0, "the budget -5 must be > 0"),
        (0.0, "the budget 0 must be > 0"),
        (1e300, "the budget 1e+300 is more than 1,000x the total media spend of an average 2 "),
    ],
)
def test_check_budget_refuses(value, message):
    observed = ObservedSpend.from_data(["a"], np.array([[1.0], [3.0]]), 2)
    with pytest.raises(MmmError, match=re.escape(message)) as info:
        check_budget(value, observed)
    assert info.value.key == "budget"


def test_check_amount_limit_is_1000x_the_horizon_spend():
    observed = ObservedSpend.from_data(["a"], np.array([[1.0], [3.0]]), 2)  # 4 per horizon
    assert check_amount(4000.0, "fixed.a", observed) == 4000.0
    with pytest.raises(MmmError, match="the amount 4001 is more than 1,000x"):
        check_amount(4001.0, "fixed.a", observed)
    assert check_amount(1e300, "fixed.a") == 1e300  # no yardstick: only finite and >= 0
    with pytest.raises(MmmError, match="the amount -1 must be >= 0"):
        check_amount(-1.0, "fixed.a")


def test_overflowing_response_is_refused():
    # Without data there is no yardstick; Michaelis-Menten of an infinite input is NaN.
    plan = ChannelPlan(
        channels=("a",), adstock=("geometric",), max_lag=(2,), saturation=("michaelis_menten",)
    )
    params = {"geometric_alpha": [0.5], "michaelis_menten_k": [1.0]}
    response = ResponseModel.from_parameters(plan, params, [1.0], [1e-10], np.ones((1, 1)))
    assert response.observed is None
    assert np.isfinite(evaluate_plan(response, [5.0]).kpi).all()
    with pytest.raises(MmmError, match="the response to this plan is not a finite number"):
        evaluate_plan(response, [1e300])


# -- refusals through the CLI ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "key", "message"),
    [
        (["--budget", "1e300"], "budget", "the budget 1e+300 is more than 1,000x the total media"),
        (["--budget", "inf"], "budget", "the budget inf is not a finite number"),
        (["--budget", "nan"], "budget", "the budget nan is not a finite number"),
        (["--budget=-5"], "budget", "the budget -5 must be > 0"),
        (["--bounds", "tv=0:1e300"], "bounds.tv", "the amount '1e300' is more than 1,000x"),
        (["--bounds", "tv=0:inf"], "bounds.tv", "leave the upper side empty for no limit"),
        (["--bounds", "tv=-1:"], "bounds.tv", "the amount '-1' must be >= 0"),
        (["--fixed", "tv=nan"], "fixed.tv", "the amount 'nan' is not a finite number"),
        (["--fixed", "tv=1e9x"], "fixed.tv", "the amount '1e9x' (= "),
        (["--objective", "target_kpi:1e300"], "objective", "the KPI target 1e+300 is more than"),
        (
            ["--objective", "target_kpi:nan"],
            "objective",
            "objective 'target_kpi:nan' is out of range",
        ),
    ],
)
def test_cli_refuses_absurd_inputs(quick_model_dir, quick, args, key, message):
    result = invoke("optimize", quick_model_dir, *args)
    assert result.exit_code == 2, result.output
    text = words(result)
    assert f"error: '{key}': {message}" in text
    assert "Traceback" not in text


def test_budget_refusal_quotes_the_data(quick_model_dir, quick):
    limit = 1000 * quick["horizon_spend"]
    assert invoke("optimize", quick_model_dir, "--budget", f"{0.99 * limit:.6g}").exit_code == 0
    result = invoke("optimize", quick_model_dir, "--budget", f"{1.01 * limit:.6g}")
    assert result.exit_code == 2
    spend = quick["horizon_spend"]
    assert f"an average 13 weeks in the data ({spend / 1e3:.3g}k)" in words(result)


def write_scenarios(tmp_path, scenarios: list[dict], **top) -> str:
    path = tmp_path / "scenarios.yaml"
    path.write_text(yaml.safe_dump({**top, "scenarios": scenarios}, sort_keys=False))
    return path


@pytest.mark.parametrize(
    ("scenario", "key", "message"),
    [
        ({"allocation": {"tv": 1e300}}, "scenarios.0.allocation.tv", "is more than 1,000x"),
        ({"allocation": {"tv": -5}}, "scenarios.0.allocation.tv", "the amount '-5.0' must be >= 0"),
        ({"allocation": {"tv": "inf"}}, "scenarios.0.allocation.tv", "is not a finite number"),
        ({"optimize": {"budget": 1e300}}, "scenarios.0.optimize.budget", "is more than 1,000x"),
        ({"optimize": {"budget": float("inf")}}, "scenarios.0.optimize.budget", "finite number"),
        ({"optimize": {"fixed": {"tv": 1e300}}}, "scenarios.0.optimize.fixed.tv", "1,000x"),
        (
            {"optimize": {"objective": "target_kpi:1e300"}},
            "scenarios.0.optimize.objective",
            "the KPI target 1e+300 is more than",
        ),
    ],
)
def test_scenario_file_refuses_absurd_amounts(quick_model_dir, tmp_path, scenario, key, message):
    path = write_scenarios(tmp_path, [{"name": "x", **scenario}])
    result = invoke("optimize", quick_model_dir, "--scenarios", path)
    assert result.exit_code == 2, result.output
    assert f"scenarios.yaml, '{key}':" in words(result)
    assert message in words(result)


# -- warnings beyond the observed range --------------------------------------------------------


def test_plan_beyond_range_warns_in_json_and_table(quick_model_dir, quick):
    tv = quick["channels"].index("tv")
    budget = quick["current"].sum() + 19 * quick["current"][tv]
    args = ["optimize", quick_model_dir, "--fixed", "tv=20x", "--budget", budget, "--draws", 40]
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    warnings = {w["channel"]: w for w in json.loads(result.output)["warnings"]}
    planned = 20 * quick["current"][tv] / HORIZON  # flat pattern
    ratio = planned / quick["max"][tv]
    assert warnings["tv"]["side"] == "above"
    assert warnings["tv"]["planned"] == pytest.approx(planned)
    assert warnings["tv"]["observed"] == pytest.approx(quick["max"][tv])
    assert warnings["tv"]["ratio"] == pytest.approx(ratio)
    message = f"tv: {ratio:.3g}x the highest weekly spend observed"
    assert warnings["tv"]["message"].startswith(message)

    table = invoke(*args)
    assert table.exit_code == 0, table.output
    assert f"WARNING: {message}" in words(table)
    tv_line = next(line for line in table.output.splitlines() if line.startswith("tv "))
    assert "vs data" in table.output and f"{ratio:.2g}x max" in tv_line


def test_plan_inside_range_has_no_warning(quick_model_dir, quick):
    # Every channel held at its current spend, flighted as in the data: nothing to extrapolate.
    args = ["optimize", quick_model_dir, "--pattern", "history", "--draws", "40"]
    args += ["--fixed", ",".join(quick["channels"])]
    data = json.loads(invoke(*args, "--json").output)
    assert data["warnings"] == []
    table = invoke(*args)
    assert table.exit_code == 0, table.output
    assert "WARNING" not in table.output and "vs data" not in table.output


def test_scenarios_warn_beyond_range(quick_model_dir, quick, tmp_path):
    tv = quick["channels"].index("tv")
    path = write_scenarios(
        tmp_path,
        [
            {"name": "current", "allocation": "current"},
            {"name": "tv_big", "allocation": {"tv": "20x"}},
        ],
        pattern="history",
        draws=40,
    )
    result = run_scenarios(load(quick_model_dir), path)
    by_name = {s["name"]: s for s in result["scenarios"]}
    assert by_name["current"]["warnings"] == []
    (warning,) = by_name["tv_big"]["warnings"]
    peak = 20 * quick["spend"][-HORIZON:, tv].max()  # the history pattern's busiest week
    assert (warning["channel"], warning["side"]) == ("tv", "above")
    assert warning["planned"] == pytest.approx(peak)
    assert warning["ratio"] == pytest.approx(peak / quick["max"][tv])

    cli_json = json.loads(invoke("optimize", quick_model_dir, "--scenarios", path, "--json").output)
    assert [s["warnings"] for s in cli_json["scenarios"]] == [[], [warning]]
    table = invoke("optimize", quick_model_dir, "--scenarios", path)
    assert table.exit_code == 0, table.output
    assert f"WARNING: scenario 'tv_big': {warning['message']}" in words(table)
    assert "! = spend per period outside the range" in words(table)


def test_report_scenario_section_shows_the_warning(quick_model_dir, tmp_path):
    from mmm.report import render_report

    path = write_scenarios(
        tmp_path,
        [
            {"name": "current", "allocation": "current"},
            {"name": "tv_big", "allocation": {"tv": "20x"}},
        ],
        pattern="history",
        draws=40,
    )
    fitted = load(quick_model_dir)
    result = run_scenarios(fitted, path)
    (warning,) = result["scenarios"][1]["warnings"]
    page = render_report(fitted, scenarios=result)
    section = re.search(r'<section id="scenarios">(.*?)</section>', page, re.S).group(1)
    assert 'id="scenario-warnings"' in section
    assert f"<strong>tv_big</strong>: {warning['message']}" in section
    rows = re.findall(r"<tr( class=\"warn\")?><td><strong>(\w+)</strong>", section)
    assert rows == [("", "current"), (' class="warn"', "tv_big")]
