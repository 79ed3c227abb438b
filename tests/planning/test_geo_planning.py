"""Planning on geo panels: the cell model (geo x channel) against truth, brute force and the
posterior's own per-geo contributions; the channel view with the geo split held; the CLI."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from mmm import load
from mmm.analysis.posterior import geo_contributions
from mmm.cli import app
from mmm.cli.plan_tables import geo_plan_table
from mmm.cli.tables import format_number
from mmm.errors import MmmError
from mmm.model.simulate_panel import simulate_panel
from mmm.planning.cells import PanelNames, SplitResponse, historical_shares
from mmm.planning.optimizer import optimize
from mmm.planning.response import ResponseModel, response_from_panel_truth
from mmm.serve.planner import Planner
from mmm.serve.schemas import OptimizeRequest, PlanSettings

from .test_response import brute_force

runner = CliRunner()
STEPS = 120  # grid steps over the budget (1/120 of it each)


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def words(result) -> str:
    return " ".join(result.output.split())


# -- the cell model on a simulated panel's truth ----------------------------------------------


@pytest.fixture(scope="module")
def panel_sim():
    """Three geos x three channels over two years, with per-geo truth."""
    return simulate_panel(seed=4, geos=3, weeks=104, n_channels=3)


def geo_spend_of(sim) -> np.ndarray:
    """The simulated spend per geo (G, T, M), geos and channels in truth order."""
    frame = sim.frame
    return np.stack(
        [frame.loc[frame["geo"] == g, sim.channels].to_numpy(float) for g in sim.truth["geos"]]
    )


class CellTruth:
    """The truth's cell model and what brute force needs to evaluate it independently."""

    def __init__(self, sim, pattern: str) -> None:
        self.spend = geo_spend_of(sim)
        self.model = response_from_panel_truth(sim.truth, self.spend, 13, pattern)
        n_geos, n_periods, _ = self.spend.shape
        self.scale = self.spend.mean(axis=1).reshape(-1)
        self.history = self.spend.transpose(1, 0, 2).reshape(n_periods, -1)

    def kpi(self, spend: np.ndarray) -> np.ndarray:
        """Incremental KPI per cell from the full time series (one draw)."""
        m = self.model
        out = brute_force(m.plan, m.params, m.beta, self.scale, self.history, m.pattern, spend)
        return out[0]


@pytest.fixture(scope="module", params=["flat", "history"])
def cell_truth(request, panel_sim) -> CellTruth:
    return CellTruth(panel_sim, request.param)


def grid_search(kpi, n: int, budget: float, lower: np.ndarray, upper: np.ndarray):
    """The best point of the grid {k * budget / STEPS} over ``n`` cells' budget simplex.

    ``kpi(spend (n,))`` gives each cell's KPI at its spend. Cells are separable, so each
    cell's KPI on the grid is tabulated once and the best split of the steps is found exactly
    by dynamic programming over the cells. Grid values outside a cell's bounds are excluded.
    """
    values = np.arange(STEPS + 1) * budget / STEPS
    table = np.array([kpi(np.full(n, v)) for v in values])  # (STEPS + 1, n)
    inside = (values[:, None] >= lower - 1e-9) & (values[:, None] <= upper + 1e-9)
    table = np.where(inside, table, -np.inf)
    best = table[:, 0].copy()
    picks = []
    for c in range(1, n):
        # new[j] = max over i of best[j - i] + table[i, c]
        options = np.full((STEPS + 1, STEPS + 1), -np.inf)
        for i in range(STEPS + 1):
            options[i:, i] = best[: STEPS + 1 - i] + table[i, c]
        picks.append(options.argmax(axis=1))
        best = options.max(axis=1)
    steps = np.zeros(n, dtype=int)
    j = STEPS
    for c in range(n - 1, 0, -1):
        steps[c] = picks[c - 1][j]
        j -= steps[c]
    steps[0] = j
    return float(best[STEPS]), steps * budget / STEPS


def test_panel_truth_cells_reproduce_the_simulated_geo_contributions(panel_sim):
    # As nationally: over the whole history the plan's increment is the simulator's
    # contribution plus the tail after the data, so at least it and not far above it.
    spend = geo_spend_of(panel_sim)
    model = response_from_panel_truth(panel_sim.truth, spend, spend.shape[1], "history")
    assert isinstance(model.channels, PanelNames) and model.channels[1] == "geo_01/search"
    contribution = model.evaluate(model.current)[0][0]
    truth = np.array(
        [
            panel_sim.truth["geos"][g][c]["contribution"]
            for g in panel_sim.truth["geos"]
            for c in panel_sim.channels
        ]
    )
    assert np.all(contribution >= truth * (1 - 1e-4))  # the CSV rounds spend to cents
    assert np.all(contribution <= truth * 1.05)


def test_cell_optimum_matches_grid_search(cell_truth):
    model = cell_truth.model
    budget = float(model.current.sum())
    n = len(model.channels)
    plan = optimize(model, budget)
    optimizer_kpi = float(cell_truth.kpi(plan.spend).sum())
    grid_kpi, grid_alloc = grid_search(cell_truth.kpi, n, budget, np.zeros(n), np.full(n, budget))
    # the cell model's KPI is the brute-force KPI (two implementations of one model)
    assert plan.kpi[0] == pytest.approx(optimizer_kpi, rel=1e-10)
    assert optimizer_kpi >= grid_kpi * (1 - 1e-9)  # never worse than the best grid point
    assert optimizer_kpi / grid_kpi - 1 < 0.01
    assert np.max(np.abs(plan.spend - grid_alloc)) <= 3 * budget / STEPS
    gap = optimizer_kpi / grid_kpi - 1
    print(f"cells: grid-vs-optimizer KPI gap ({model.pattern_kind}): {gap:.2e}")
    # geos differ in ROI, so the optimum moves money between geos, not only channels
    by_geo = plan.spend.reshape(3, 3).sum(axis=1)
    assert np.max(np.abs(by_geo - model.current.reshape(3, 3).sum(axis=1))) > 0.02 * budget


def test_cell_optimum_with_a_geo_bound_and_a_fixed_cell_matches_grid_search(cell_truth):
    model = cell_truth.model
    budget = float(model.current.sum())
    fixed_amount = 0.5 * float(model.current[4])
    plan = optimize(
        model, budget, bounds={"geo_02/tv": "0.8x:1.2x"}, fixed=[f"geo_02/search={fixed_amount}"]
    )
    assert plan.spend[4] == fixed_amount and plan.status(4) == "fixed"
    assert plan.lower[3] == pytest.approx(0.8 * model.current[3])
    assert plan.lower[3] - 1e-9 <= plan.spend[3] <= plan.upper[3] + 1e-9
    assert plan.spend.sum() == pytest.approx(budget, rel=1e-12)
    # the grid over the other cells, the fixed cell's amount taken out of the budget
    free = [i for i in range(len(model.channels)) if i != 4]

    def free_kpi(spend_free: np.ndarray) -> np.ndarray:
        spend = np.full(len(model.channels), fixed_amount)
        spend[free] = spend_free
        return cell_truth.kpi(spend)[free]

    lower = np.zeros(len(free))
    upper = np.full(len(free), np.inf)
    lower[3], upper[3] = plan.lower[3], plan.upper[3]  # geo_02/tv is free cell 3
    grid_kpi, _ = grid_search(free_kpi, len(free), budget - fixed_amount, lower, upper)
    optimizer_kpi = float(free_kpi(plan.spend[free]).sum())
    assert optimizer_kpi >= grid_kpi * (1 - 1e-9)
    assert optimizer_kpi / grid_kpi - 1 < 0.01


def test_historical_shares_fall_back_to_all_data_then_even():
    spend = np.zeros((2, 6, 3))
    spend[:, :3, 0] = [[1.0], [3.0]]  # channel 0: spent early only (1:3)
    spend[:, 3:, 0] = 0.0
    spend[0, :, 1] = 2.0  # channel 1: only geo 0 ever
    spend[1, 3:, 1] = 6.0  # ... until geo 1 joins in the recent periods (2:8 recently)
    shares = historical_shares(spend[:, 3:], spend)
    np.testing.assert_allclose(shares[:, 0], [0.25, 0.75])  # whole data: nothing recent
    np.testing.assert_allclose(shares[:, 1], [0.25, 0.75])  # recent: 6 vs 18
    np.testing.assert_allclose(shares[:, 2], [0.5, 0.5])  # never spent: even


# -- the fitted panel ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def panel(panel_model_folder):
    return load(panel_model_folder)


def test_split_response_is_the_sum_of_cells_at_the_historical_shares(panel):
    horizon, draws = 8, 60
    split = ResponseModel.from_fitted(panel, horizon, "history", draws)
    cells = ResponseModel.from_fitted(panel, horizon, "history", draws, by_geo=True)
    assert isinstance(split, SplitResponse) and split.channels == panel.dataset.channels
    recent = panel.dataset.geo_spend[:, -horizon:].sum(axis=1)  # (G, M)
    shares = recent / recent.sum(axis=0)
    np.testing.assert_allclose(split.shares, shares, rtol=1e-12)
    np.testing.assert_allclose(split.current, panel.dataset.spend[-horizon:].sum(axis=0))
    n_geos, n_channels = shares.shape
    spend = split.current * np.array([0.4, 1.7, 1.1])
    contribution, marginal = split.evaluate(spend)
    by_cell = cells.evaluate((shares * spend).reshape(-1), gradient=False)[0]
    expected = by_cell.reshape(draws, n_geos, n_channels).sum(axis=1)
    np.testing.assert_allclose(contribution, expected, rtol=1e-12)
    for m in range(n_channels):  # the chain rule over the fixed shares
        step = np.zeros(n_channels)
        step[m] = 1e-4 * spend[m]
        up = split.evaluate(spend + step, gradient=False)[0][:, m]
        down = split.evaluate(spend - step, gradient=False)[0][:, m]
        np.testing.assert_allclose(marginal[:, m], (up - down) / (2 * step[m]), rtol=1e-5)


@pytest.mark.parametrize("pattern", ["flat", "history"])
def test_cell_contribution_equals_the_posterior_geo_contributions(panel, pattern):
    # The plan's increment recomputed with the analysis code: each geo's contribution over the
    # data followed by the horizon (plan, then the carry-over tail) minus that with no plan.
    horizon = 8
    cells = ResponseModel.from_fitted(panel, horizon, pattern, by_geo=True)
    contribution, _ = cells.evaluate(cells.current)
    spend = panel.dataset.geo_spend
    n_geos, n_periods, n_channels = spend.shape
    recent = spend[:, -horizon:]
    planned = (
        recent if pattern == "history" else np.repeat(recent.mean(1, keepdims=True), horizon, 1)
    )
    tail = np.zeros((n_geos, panel.plan.n_lags - 1, n_channels))
    with_plan = np.concatenate([spend, planned, tail], axis=1)
    without = np.concatenate([spend, np.zeros_like(planned), tail], axis=1)
    for g in range(n_geos):
        gain = geo_contributions(panel, g, with_plan) - geo_contributions(panel, g, without)
        expected = gain[:, n_periods:].sum(axis=1)  # (S, M)
        got = contribution[:, g * n_channels : (g + 1) * n_channels]
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())


def test_by_geo_needs_a_panel(quick_model_dir):
    with pytest.raises(MmmError, match="planning by geo needs a geo panel"):
        ResponseModel.from_fitted(load(quick_model_dir), by_geo=True)
    result = invoke("optimize", quick_model_dir, "--by-geo")
    assert result.exit_code == 2 and "needs a geo panel" in words(result)


def test_cell_range_warnings_use_each_cells_own_data(panel):
    cells = ResponseModel.from_fitted(panel, 13, by_geo=True)
    plan = optimize(cells, 4.0 * float(cells.current.sum()))
    assert plan.warnings
    spend = panel.dataset.geo_spend
    for warning in plan.warnings:
        geo, channel = cells.channels.cell(warning["channel"])
        g, m = panel.dataset.geos.index(geo), panel.dataset.channels.index(channel)
        assert warning["message"].startswith(f"{geo}/{channel}: ")
        if warning["side"] == "above":
            assert warning["observed"] == spend[g, :, m].max()
            i = cells.channels.index(warning["channel"])
            assert warning["planned"] == pytest.approx(plan.spend[i] / 13)


# -- the CLI and the planner app on the panel --------------------------------------------------


def test_cli_plans_channels_with_the_geo_split_held(panel_model_folder, panel):
    result = invoke("optimize", panel_model_folder, "--budget", "2e6")
    assert result.exit_code == 0, result.output
    assert "Geo split held" in words(result) and "--by-geo" in words(result)
    data = json.loads(invoke("optimize", panel_model_folder, "--budget", "2e6", "--json").output)
    assert set(data["channels"]) == set(panel.dataset.channels)
    split = data["geo_split"]
    assert split["geos"] == list(panel.dataset.geos)
    recent = panel.dataset.geo_spend[:, -13:].sum(axis=1)
    for m, channel in enumerate(panel.dataset.channels):
        shares = np.array([split["shares"][channel][g] for g in split["geos"]])
        np.testing.assert_allclose(shares, recent[:, m] / recent[:, m].sum(), rtol=1e-12)
        amounts = sum(split["spend"][channel].values())
        assert amounts == pytest.approx(data["channels"][channel]["optimal"], rel=1e-12)


def test_cli_by_geo_with_a_geo_bound_and_a_fixed_cell(panel_model_folder, check_unwrapped):
    args = [
        "optimize", panel_model_folder, "--by-geo", "--budget", "2e6",
        "--bounds", "geo_02/search=1e5:2e5", "--fixed", "geo_01/tv=1e4",
    ]  # fmt: skip
    data = json.loads(invoke(*args, "--json").output)
    cells = data["cells"]
    assert data["by_geo"] is True and len(cells) == 15 and data["geos"][0] == "geo_01"
    assert cells["geo_01/tv"]["optimal"] == 1e4 and cells["geo_01/tv"]["status"] == "fixed"
    assert cells["geo_02/search"] == cells["geo_02/search"] | {"geo": "geo_02", "channel": "search"}
    assert 1e5 - 1e-6 <= cells["geo_02/search"]["optimal"] <= 2e5 + 1e-6
    assert sum(c["optimal"] for c in cells.values()) == pytest.approx(2e6, rel=1e-12)
    for channel, row in data["channels"].items():
        own = [c for c in cells.values() if c["channel"] == channel]
        assert row["optimal"] == pytest.approx(sum(c["optimal"] for c in own), rel=1e-12)
        assert row["current"] == pytest.approx(sum(c["current"] for c in own), rel=1e-12)
    for geo, row in data["geo_totals"].items():
        own = [c for c in cells.values() if c["geo"] == geo]
        assert row["optimal"] == pytest.approx(sum(c["optimal"] for c in own), rel=1e-12)

    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "Plan by geo" in result.output and "P(plan beats it)" in words(result)
    console = Console(file=io.StringIO(), width=80, color_system=None, legacy_windows=False)
    console.print(geo_plan_table(data))
    text = console.file.getvalue()
    tv = data["channels"]["tv"]
    check_unwrapped(
        text,
        {
            "geo_01/tv": [format_number(1e4), "fixed"],
            "geo_02 total": [format_number(data["geo_totals"]["geo_02"]["optimal"])],
            "tv total": [format_number(tv["optimal"])],
            "total": [format_number(2e6)],
        },
    )
    # grouped by geo: every cell of geo_01 comes before geo_02's first
    lines = [line.split("\u2502")[0].strip() for line in text.splitlines()]
    assert lines.index("geo_01 total") < lines.index("geo_02/tv")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--by-geo", "--fixed", "geo_01/tvv"], "unknown channel 'tvv' in cell 'geo_01/tvv'"),
        (["--by-geo", "--bounds", "north/tv=1:2"], "unknown geo in cell 'north/tv'; the geos"),
        (["--by-geo", "--fixed", "tv"], "'tv' is a channel; planning by geo names cells"),
        (["--fixed", "geo_01/tv"], "needs planning by geo: mmm optimize --by-geo"),
    ],
)
def test_cli_bad_cell_names(panel_model_folder, args, message):
    result = invoke("optimize", panel_model_folder, *args)
    assert result.exit_code == 2
    assert message in words(result)


def write_scenarios(tmp_path, content: dict):
    path = tmp_path / "scenarios.yaml"
    path.write_text(yaml.safe_dump(content, sort_keys=False))
    return path


def test_scenarios_on_a_panel(panel_model_folder, panel, tmp_path):
    channel_level = {
        "draws": 60,
        "scenarios": [
            {"name": "now", "allocation": "current"},
            {"name": "tv_up", "allocation": {"tv": "1.5x"}},
            {"name": "best", "optimize": {"objective": "mean"}},
        ],
    }
    path = write_scenarios(tmp_path, channel_level)
    result = invoke("optimize", panel_model_folder, "--scenarios", path)
    assert result.exit_code == 0, result.output
    assert "Geo split held" in words(result)
    data = json.loads(invoke("optimize", panel_model_folder, "--scenarios", path, "--json").output)
    shares = data["geo_split"]["shares"]["tv"]
    tv_up = next(s for s in data["scenarios"] if s["name"] == "tv_up")
    for geo, share in shares.items():
        assert tv_up["geo_spend"]["tv"][geo] == pytest.approx(share * tv_up["spend"]["tv"])
    assert data["by_geo"] is False and data["geos"] == list(panel.dataset.geos)

    by_geo = {
        "draws": 60,
        "by_geo": True,
        "scenarios": [
            {"name": "now", "allocation": "current"},
            {"name": "north_tv", "allocation": {"geo_01/tv": "2x"}},
            {"name": "best", "optimize": {"fixed": ["geo_02/social"]}},
        ],
    }
    path = write_scenarios(tmp_path, by_geo)
    data = json.loads(invoke("optimize", panel_model_folder, "--scenarios", path, "--json").output)
    assert data["by_geo"] is True and len(data["channels"]) == 15
    north = next(s for s in data["scenarios"] if s["name"] == "north_tv")
    assert north["spend"]["geo_01/tv"] == pytest.approx(2 * data["current_spend"]["geo_01/tv"])
    best = next(s for s in data["scenarios"] if s["name"] == "best")
    assert best["plan"]["cells"]["geo_02/social"]["status"] == "fixed"
    assert set(best["plan"]["channels"]) == set(panel.dataset.channels)

    by_geo["scenarios"][1]["allocation"] = {"geo_09/tv": 1}
    result = invoke(
        "optimize", panel_model_folder, "--scenarios", write_scenarios(tmp_path, by_geo)
    )
    assert result.exit_code == 2
    assert "scenarios.1.allocation.geo_09/tv" in words(result)
    assert "unknown geo in cell 'geo_09/tv'" in words(result)


def test_planner_app_plans_channels_on_a_panel(panel_model_folder, panel):
    planner = Planner([panel_model_folder])
    info = planner.model_info(PlanSettings())
    assert info["geos"] == list(panel.dataset.geos)
    assert set(info["channels"]) == set(panel.dataset.channels)
    answer = planner.optimize(OptimizeRequest(budget=2e6, draws=50))
    assert sum(answer["allocation"].values()) == pytest.approx(2e6, rel=1e-12)
    with pytest.raises(MmmError, match="the planner page plans channels"):
        planner.import_yaml("by_geo: true\nscenarios: [{name: a, allocation: current}]\n")
