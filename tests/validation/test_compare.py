"""Model comparison: LOO prefers the true transform, refuses other data, and ``mmm compare``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from scipy import stats
from typer.testing import CliRunner

from mmm.cli import app
from mmm.errors import MmmError
from mmm.model.config import parse_config
from mmm.model.data import dataset_from_frame
from mmm.model.fit import fit
from mmm.model.simulate import simulate, simulation_config
from mmm.model.store import save_model
from mmm.validation.compare import compare_models, pointwise_log_likelihood

runner = CliRunner()


@pytest.fixture(scope="module")
def two_models(tmp_path_factory):
    """The true model class and one without carry-over, fitted on data with carry-over."""
    root = tmp_path_factory.mktemp("compare")
    sim = simulate(seed=20261123, weeks=104, n_channels=3, noise=0.02)
    sim.write(root / "data.csv")
    raw = simulation_config(sim, "data.csv", name="true", draws=300, tune=300)
    wrong = json.loads(json.dumps(raw)) | {"name": "no_carryover"}
    wrong["defaults"]["adstock"]["max_lag"] = 1
    configs = {}
    for spec in (raw, wrong):
        path = root / f"{spec['name']}.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
        configs[spec["name"]] = path
    dataset = dataset_from_frame(sim.frame, parse_config(raw))
    fitted = {name: fit(parse_config(spec), dataset, progress=False)
              for name, spec in (("true", raw), ("no_carryover", wrong))}  # fmt: skip
    folders = {name: save_model(model, root / "models" / name) for name, model in fitted.items()}
    return root, configs, fitted, folders


def test_pointwise_log_likelihood_is_the_normal_density_around_mu(two_models):
    from mmm.analysis.posterior import predicted_mean

    fitted = two_models[2]["true"]
    log_lik = pointwise_log_likelihood(fitted)
    posterior = fitted.posterior
    assert log_lik.shape == (posterior.sizes["chain"], posterior.sizes["draw"], 104)
    mu = predicted_mean(fitted)
    sigma = fitted.draws("sigma") * fitted.scales.target
    expected = stats.norm.logpdf(fitted.dataset.target, mu, sigma[:, None])
    np.testing.assert_allclose(log_lik.reshape(-1, 104), expected, rtol=1e-10)


def test_loo_ranks_the_true_transform_above_one_without_carryover(two_models):
    fitted = two_models[2]
    result = compare_models([fitted["no_carryover"], fitted["true"]], ["no_carryover", "true"])
    assert result["best"] == "true"
    wrong = result["models"]["no_carryover"]
    assert wrong["rank"] == 2
    assert wrong["elpd_diff"] > 2 * wrong["diff_se"] > 0
    assert result["verdict"].startswith("true predicts left-out periods best")


def test_models_of_other_data_are_refused(two_models, seed):
    other = simulate(seed=seed, weeks=104, n_channels=3)
    config = parse_config(simulation_config(other, "x.csv", draws=50, tune=50))
    elsewhere = fit(config, dataset_from_frame(other.frame, config), progress=False)
    with pytest.raises(MmmError, match="fitted on other data than true"):
        compare_models([two_models[2]["true"], elsewhere], ["true", "other"])
    with pytest.raises(MmmError, match="at least two models"):
        compare_models([elsewhere], ["other"])


def test_compare_cli_prints_json_with_loo_and_roi(two_models):
    folders = two_models[3]
    args = ["compare", str(folders["true"]), str(folders["no_carryover"]), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    assert output["best"] == "true"
    row = output["models"]["no_carryover"]
    assert {"elpd", "se", "p_loo", "bad_pareto_k"} <= set(row["loo"])
    assert set(row["roi"]) == {"tv", "search", "social"}
    assert row["holdout"] is None


def test_compare_cli_fits_configs_first(two_models, tmp_path, monkeypatch):
    configs = two_models[1]
    monkeypatch.chdir(tmp_path)  # --fit writes models/<name> under the working folder
    args = ["compare", "--fit", str(configs["true"]), str(configs["no_carryover"]), "--sequential"]
    result = runner.invoke(app, args, env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "Models ranked by PSIS-LOO" in result.output and "ROI by model" in result.output
    assert "Verdict: true predicts left-out periods best" in result.output
    assert (tmp_path / "models" / "true" / "summary.json").is_file()


def test_compare_cli_refuses_the_same_folder_twice(two_models):
    folder = str(two_models[3]["true"])
    result = runner.invoke(app, ["compare", folder, folder])
    assert result.exit_code == 2
    assert "is named twice" in result.output


def test_a_panel_is_compared_over_every_geo_and_period(panel_model_folder):
    from mmm.model.store import load_model

    model = load_model(panel_model_folder)
    log_lik = pointwise_log_likelihood(model)
    assert log_lik.shape[-1] == model.dataset.n_geos * model.dataset.n_periods
    result = compare_models([model, model], ["a", "b"])
    assert result["models"]["b"]["elpd_diff"] == 0
    assert "equally well" in result["verdict"]
