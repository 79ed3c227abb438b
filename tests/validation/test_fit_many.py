"""``mmm fit CONFIG...``: several models fitted on a local Dask cluster."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from mmm.cli import app
from mmm.model.simulate import simulate, simulation_config
from mmm.model.store import FILES

runner = CliRunner()


def write_market(root, name: str, seed: int):
    sim = simulate(seed=seed, weeks=60, n_channels=2)
    sim.write(root / f"{name}.csv")
    raw = simulation_config(sim, f"{name}.csv", name=name, draws=100, tune=100)
    path = root / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def test_several_configs_are_fitted_on_dask_into_their_folders(tmp_path, monkeypatch, seed):
    configs = [write_market(tmp_path, name, seed + i) for i, name in enumerate(("north", "south"))]
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        app, ["fit", *map(str, configs), "--workers", "2"], env={"COLUMNS": "120"}
    )
    assert result.exit_code == 0, result.output
    assert "fitting 2 models on Dask" in result.output
    for name in ("north", "south"):
        folder = tmp_path / "models" / name
        assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)
        assert json.loads((folder / "summary.json").read_text())["model"] == name
        assert name in result.output
    assert not list((tmp_path / "models").glob(".*")), "no staging folder is left behind"


def test_a_bad_config_among_several_stops_before_any_fit(tmp_path, monkeypatch, seed):
    good = write_market(tmp_path, "north", seed)
    bad = write_market(tmp_path, "south", seed + 1)
    (tmp_path / "south.csv").write_text("date,sales\n2024-01-01,1\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["fit", str(good), str(bad), "--sequential"])
    assert result.exit_code == 2
    assert "south.csv" in result.output
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())


def test_output_names_one_folder_only(tmp_path):
    result = runner.invoke(app, ["fit", "a.yaml", "b.yaml", "--output", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "--output names one model folder" in result.output
