"""Holdout: the forecast of held-out periods against a hand computation, and ``mmm fit``'s block."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from mmm.cli import app
from mmm.errors import ConfigError
from mmm.model.config import parse_config
from mmm.model.data import dataset_from_frame
from mmm.model.simulate import simulate, simulation_config
from mmm.validation.holdout import fit_with_holdout, forecast, training_window
from mmm.validation.metrics import predictive_scores

HOLDOUT = 13


@pytest.fixture(scope="module")
def holdout_fit():
    """A small national model fitted with the last 13 of 65 weeks held out (2 x 100 draws)."""
    sim = simulate(seed=5, weeks=65, n_channels=3)
    raw = simulation_config(sim, "unused.csv", name="holdout", draws=100, tune=100)
    config = parse_config(raw | {"validation": {"holdout_periods": HOLDOUT}})
    dataset = dataset_from_frame(sim.frame, config)
    fitted, scores = fit_with_holdout(config, dataset, progress=False)
    return dataset, fitted, scores


def hand_forecast(fitted, dataset, n_train):
    """Expected KPI of every period per draw, written out from the model's equations."""
    config, scales = fitted.config, fitted.scales
    n_periods, lags = dataset.n_periods, config.channels[0].adstock.max_lag
    spend = dataset.spend / scales.spend
    alpha = fitted.draws("geometric_alpha")  # (S, M)
    lam = fitted.draws("logistic_lam")
    beta = fitted.draws("beta")
    weights = alpha[:, :, None] ** np.arange(lags)
    weights /= weights.sum(axis=2, keepdims=True)
    adstocked = np.zeros((len(alpha), n_periods, spend.shape[1]))
    for t in range(n_periods):
        for lag in range(min(lags, t + 1)):
            adstocked[:, t] += weights[:, :, lag] * spend[t - lag]
    response = np.tanh(lam[:, None, :] * adstocked / 2)

    def centred(feature):  # by the training periods' mean
        return feature - feature[:n_train].mean(axis=0)

    days = (dataset.dates - np.datetime64("1970-01-01")).days.to_numpy()
    angles = [2 * np.pi * k * days / 365.25 for k in (1, 2)]
    fourier = np.column_stack([f(a) for a in angles for f in (np.sin, np.cos)])
    trend = np.arange(n_periods) / (n_train - 1)
    controls = dataset.geo_controls[0] / scales.controls
    mu = fitted.draws("level")[:, None] + np.einsum(
        "stm,sm->st", response - response[:, :n_train].mean(axis=1, keepdims=True), beta
    )
    mu += fitted.draws("trend")[:, None] * centred(trend)
    mu += fitted.draws("seasonality") @ centred(fourier).T
    mu += fitted.draws("control_coef") @ centred(controls).T
    return mu * scales.target


def test_forecast_matches_the_model_equations_written_out(holdout_fit):
    dataset, fitted, _ = holdout_fit
    n_train = dataset.n_periods - HOLDOUT
    assert fitted.dataset.n_periods == n_train
    predicted = forecast(fitted, dataset)
    expected = hand_forecast(fitted, dataset, n_train)
    np.testing.assert_allclose(predicted.mu, expected[:, n_train:], rtol=1e-8)
    assert list(predicted.dates) == list(dataset.dates[n_train:])


def test_holdout_scores_are_those_of_the_hand_forecast(holdout_fit):
    dataset, fitted, scores = holdout_fit
    n_train = dataset.n_periods - HOLDOUT
    mu = hand_forecast(fitted, dataset, n_train)[:, n_train:]
    replicated = forecast(fitted, dataset).replicated
    actual = dataset.target[n_train:]
    expected = predictive_scores(actual, mu, replicated)
    assert scores == pytest.approx(expected, rel=1e-8)
    resid = actual - mu.mean(axis=0)
    assert scores["r2"] == pytest.approx(1 - resid @ resid / ((actual - actual.mean()) ** 2).sum())
    # the predictive draws add the model's noise: their spread around mu is sigma
    noise_sd = (replicated - mu).std() / fitted.scales.target
    assert noise_sd == pytest.approx(np.sqrt((fitted.draws("sigma") ** 2).mean()), rel=0.05)


def test_a_later_period_does_not_change_the_forecast_of_earlier_ones(holdout_fit):
    dataset, fitted, _ = holdout_fit
    n_train = dataset.n_periods - HOLDOUT
    shorter = forecast(fitted, dataset.first_periods(n_train + 4)).mu
    np.testing.assert_allclose(shorter, forecast(fitted, dataset).mu[:, :4], rtol=1e-12)


def test_a_holdout_leaving_too_few_periods_is_refused(seed):
    sim = simulate(seed=seed, weeks=40, n_channels=3)
    config = parse_config(simulation_config(sim, "unused.csv"))
    dataset = dataset_from_frame(sim.frame, config)
    with pytest.raises(ConfigError, match=r"hold out at most \d+ periods"):
        training_window(dataset, config, 30)


def test_fit_cli_writes_and_prints_the_holdout_block(tmp_path, seed):
    sim = simulate(seed=seed, weeks=60, n_channels=2)
    sim.write(tmp_path / "data.csv")
    raw = simulation_config(sim, "data.csv", name="held") | {"validation": {"holdout_periods": 8}}
    config = tmp_path / "held.yaml"
    config.write_text(yaml.safe_dump(raw, sort_keys=False))
    out = tmp_path / "model"
    args = ["fit", str(config), "-o", str(out), "--draws", "100", "--tune", "100", "--no-progress"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "holding out the last 8 periods" in result.output
    holdout = json.loads((out / "summary.json").read_text())["fit"]["holdout"]
    assert holdout["periods"] == 8
    assert set(holdout) == {"periods", "r2", "mape", "coverage_90", "crps"}
    assert f"holdout (8 periods): R² {holdout['r2']:.3f}" in result.output
    data = (out / "data.csv").read_text().splitlines()
    assert len(data) == 1 + 52, "the saved model holds the periods it was fitted on"
