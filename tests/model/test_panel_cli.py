"""Geo panels through the CLI: `mmm simulate --geos`, `mmm fit`, `mmm summary --by geo`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import mmm
from mmm.cli import app
from mmm.model.simulate_panel import panel_config

runner = CliRunner()


def test_simulate_geos_writes_a_long_panel_with_truth_per_geo(tmp_path):
    out = tmp_path / "panel.csv"
    args = ["simulate", "--geos", "4", "--weeks", "20", "--channels", "3", "--national", "tv"]
    result = runner.invoke(app, [*args, "-o", str(out)], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert "4 geos x 20 weeks" in result.output
    frame = pd.read_csv(out)
    assert len(frame) == 4 * 20
    assert list(frame.columns[:4]) == ["geo", "date", "population", "sales"]
    # a national channel holds the same national value in every geo of a period
    assert frame.groupby("date")["tv"].nunique().eq(1).all()
    assert frame.groupby("date")["search"].nunique().gt(1).any()
    truth = json.loads(out.with_name("panel.truth.json").read_text())
    assert sorted(truth["geos"]) == ["geo_01", "geo_02", "geo_03", "geo_04"]
    national = sum(truth["geos"][g]["search"]["contribution"] for g in truth["geos"])
    assert national == pytest.approx(truth["channels"]["search"]["contribution"])


def test_simulate_national_flag_needs_geos(tmp_path):
    result = runner.invoke(app, ["simulate", "--national", "tv", "-o", str(tmp_path / "x.csv")])
    assert result.exit_code == 2
    assert "--national needs --geos" in result.output


def test_fit_cli_on_a_panel_states_the_split_and_saves_per_geo_results(tmp_path):
    out = tmp_path / "panel.csv"
    sim_args = ["simulate", "--geos", "4", "--weeks", "52", "--channels", "2", "--seed", "5"]
    assert runner.invoke(app, [*sim_args, "--national", "tv", "-o", str(out)]).exit_code == 0
    from mmm.model.simulate import Simulation

    sim = Simulation(pd.read_csv(out), json.loads(out.with_name("panel.truth.json").read_text()))
    config = panel_config(sim, "panel.csv", name="cli_panel")
    (tmp_path / "panel.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    folder = tmp_path / "models" / "cli_panel"
    args = ["fit", str(tmp_path / "panel.yaml"), "-o", str(folder)]
    result = runner.invoke(app, [*args, "--draws", "100", "--tune", "100", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "4 geos x 52 weekly periods" in result.output
    assert "national channel tv split across geos by population" in result.output
    summary = json.loads((folder / "summary.json").read_text())
    assert set(summary["geos"]) == {"geo_01", "geo_02", "geo_03", "geo_04"}
    assert summary["geo_splits"]["tv"]["basis"] == "population"
    shares = summary["geo_splits"]["tv"]["shares"]
    population = sim.frame.groupby("geo")["population"].first()
    assert shares["geo_02"] == pytest.approx(population["geo_02"] / population.sum(), rel=1e-5)
    model = mmm.load(folder)
    assert model.draws("beta").shape == (200, 4, 2)  # (draws, geo, channel)


@pytest.fixture(scope="module")
def panel_summary(panel_model_folder: Path) -> dict:
    result = runner.invoke(app, ["summary", str(panel_model_folder), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_summary_json_national_channels_are_the_sum_over_geos(panel_summary):
    for channel, row in panel_summary["channels"].items():
        geo_spend = sum(g["channels"][channel]["spend"] for g in panel_summary["geos"].values())
        assert row["spend"] == pytest.approx(geo_spend)
        geo_mean = sum(
            g["channels"][channel]["contribution"]["mean"] for g in panel_summary["geos"].values()
        )
        assert row["contribution"]["mean"] == pytest.approx(geo_mean, rel=1e-9)


def test_summary_json_geo_cells_have_intervals_in_order(panel_summary):
    cells = [c for g in panel_summary["geos"].values() for c in g["channels"].values()]
    assert len(cells) == 5 * 3
    for cell in cells:
        for name in ("contribution", "roi", "mroi"):
            stat = cell[name]
            assert stat["lo"] <= stat["mean"] <= stat["hi"], (name, stat)
    for block in panel_summary["geos"].values():
        assert set(block["fit"]) == {"r2", "mape"}


def test_summary_by_geo_table_lists_every_cell(panel_model_folder, panel_summary, check_unwrapped):
    from mmm.cli.tables import format_interval

    result = runner.invoke(
        app, ["summary", str(panel_model_folder), "--by", "geo"], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    rows = {
        f"{geo} / {channel}": [format_interval(cell["roi"])]
        for geo, block in panel_summary["geos"].items()
        for channel, cell in block["channels"].items()
    }
    check_unwrapped(result.output, rows)


def test_summary_by_geo_refuses_a_national_model_and_unknown_breakdowns(
    panel_model_folder, saved_model
):
    result = runner.invoke(app, ["summary", str(panel_model_folder), "--by", "region"])
    assert result.exit_code == 2
    assert "unknown --by 'region'; the only breakdown is 'geo'" in result.output
    result = runner.invoke(app, ["summary", str(saved_model.folder), "--by", "geo"])
    assert result.exit_code == 2
    assert "--by geo needs a panel model (data.geo_column); this model is national" in (
        result.output
    )


def test_load_gives_per_geo_xarray_with_a_geo_dimension(panel_model_folder):
    from mmm.analysis import geo_response_curves, geo_table

    model = mmm.load(panel_model_folder)
    table = geo_table(model)
    assert table["roi"].dims == ("geo", "channel", "stat")
    assert list(table.geo.values) == list(model.dataset.geos)
    spend = model.dataset.geo_spend.sum(axis=1)
    np.testing.assert_allclose(table["spend"].to_numpy(), spend)
    curves = geo_response_curves(model, n_points=5, max_draws=50)
    assert curves["contribution_mean"].dims == ("geo", "channel", "multiplier")
    at_zero = curves["contribution_mean"].sel(multiplier=0.0).to_numpy()
    np.testing.assert_allclose(at_zero, 0.0, atol=1e-9)
    # at the observed spend the curve is the contribution (same 50 draws as the curves use)
    at_one = curves["contribution_mean"].sel(multiplier=1.0).to_numpy()
    same_draws = geo_table(model.thinned(50))["contribution"].sel(stat="mean")
    np.testing.assert_allclose(at_one, same_draws, rtol=1e-9)


def test_the_shipped_geo_example_config_reads_the_data_its_comment_makes(tmp_path):
    from mmm.model.config import load_config
    from mmm.model.data import load_dataset

    source = Path(__file__).parents[2] / "configs" / "geo_example.yaml"
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "geo_example.yaml").write_text(source.read_text())
    data = tmp_path / "data" / "geo_example.csv"
    args = ["simulate", "--geos", "20", "--national", "tv", "--output", str(data)]
    assert runner.invoke(app, args).exit_code == 0
    config = load_config(tmp_path / "configs" / "geo_example.yaml")
    dataset = load_dataset(config)
    assert (dataset.n_geos, dataset.n_periods, len(dataset.channels)) == (20, 156, 5)
    assert dataset.splits["tv"].basis == "population"
    assert dataset.splits["tv"].shares.sum() == pytest.approx(1.0)
