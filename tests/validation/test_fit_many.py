"""``mmm fit CONFIG...``: several models fitted on a local Dask cluster."""

from __future__ import annotations

import json

import numpy as np
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


def test_distributed_chains_join_into_one_posterior(seed):
    """The chains sampled as tasks equal one-chain fits seeded seed + c, each run in a fresh
    worker process: all of them load the compiled model from the disk cache (which the first
    fit here fills), see docs/validation.md on compiled versus cache-loaded code."""
    from mmm.model.config import parse_config
    from mmm.model.data import dataset_from_frame
    from mmm.model.fit import fit, one_chain
    from mmm.runner import run_tasks

    sim = simulate(seed=seed, weeks=60, n_channels=2)
    raw = simulation_config(sim, "x.csv", draws=100, tune=100, chains=2)
    dataset = dataset_from_frame(sim.frame, parse_config(raw))
    fit(parse_config(raw), dataset, progress=False)  # fills the disk cache if it was empty
    raw["sampler"]["distribute_chains"] = True
    stages = []
    fitted = fit(parse_config(raw), dataset, progress=False, on_stage=stages.append)
    assert stages == ["sampling 2 chains as Dask tasks"]
    posterior = fitted.posterior
    assert posterior.sizes["chain"] == 2 and posterior.sizes["draw"] == 100
    assert fitted.idata["sample_stats"].to_dataset().sizes["chain"] == 2
    assert np.isfinite(fitted.diagnostics.rhat_max)

    alone = []
    for chain in range(2):
        sampler = raw["sampler"] | {"chains": 1, "seed": 1 + chain, "distribute_chains": False}
        alone.append((parse_config(raw | {"sampler": sampler}), dataset, ()))
    for chain, result in enumerate(run_tasks(one_chain, alone, workers=1, progress=False)):
        np.testing.assert_array_equal(
            result[0]["posterior"]["beta"].isel(chain=0).to_numpy(),
            posterior["beta"].isel(chain=chain).to_numpy(),
        )
