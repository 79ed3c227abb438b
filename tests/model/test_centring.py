"""Per-cell centring of the panel's ROI hierarchy: the same prior for every degree of centring,
the degree from a pilot's posterior, and the pilot run in a fit."""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytest
import xarray as xr

from mmm.model.build import build_model
from mmm.model.centring import (
    CENTRING_DATA,
    MAX_CENTRING,
    MIN_SPREAD_RATIO,
    cell_centring,
    pilot_length,
)
from mmm.model.config import SamplerConfig, parse_config
from mmm.model.data import dataset_from_frame
from mmm.model.fit import fit
from mmm.model.simulate_panel import panel_config, simulate_panel


def small_panel(**panel_settings):
    """A 4-geo, 3-channel simulated panel of a year and its config."""
    simulation = simulate_panel(seed=3, geos=4, weeks=52, n_channels=3)
    raw = panel_config(simulation, "unused.csv")
    raw["panel"] = panel_settings
    # A year and 300 warm-up draws: with 30 weeks and 100, one or two divergences came and went
    # with the last bits of the compiled code (a freshly compiled graph against the cached one)
    raw["sampler"] |= {"tune": 300, "draws": 100}
    config = parse_config(raw)
    return config, dataset_from_frame(simulation.frame, config)


@pytest.mark.parametrize(
    ("tune", "draws", "expected"),
    [(1000, 1000, (200, 100)), (100, 100, (50, 50)), (500, 600, (100, 60))],
)
def test_the_pilot_is_a_fifth_of_the_warm_up_and_a_tenth_of_the_draws(tune, draws, expected):
    assert pilot_length(SamplerConfig(tune=tune, draws=draws)) == expected


def test_centring_is_the_share_of_a_cells_precision_that_its_data_carry():
    # 2 chains x 2 draws, 3 geos, both channels partial. Channel a: tau = 0.2 in every draw.
    # geo 0 of 'a': log ROI = 0 +- 0.1, variance 0.01 -> 1 - 0.01 / 0.04 = 0.75
    # geo 1 of 'a': log ROI = 0 +- 0.3, variance 0.09 > tau^2 -> clipped to 0
    # geo 2 of 'a': log ROI = 0 +- 0.04, variance 0.0016 -> 0.96, capped at MAX_CENTRING
    # channel 'b': the same log ROIs, but tau draws 0.01, 0.4, 0.02, 0.5 (5% quantile 0.0115,
    # median 0.21: not kept away from zero) -> 0 in every geo
    spread = np.array([-1.0, 1.0, -1.0, 1.0]).reshape(2, 2)
    log_roi = np.zeros((2, 2, 3, 2))
    for geo, half_width in enumerate([0.1, 0.3, 0.04]):
        log_roi[:, :, geo, :] = half_width * spread[:, :, None]
    tau = np.stack([np.full((2, 2), 0.2), np.array([[0.01, 0.4], [0.02, 0.5]])], axis=-1)
    posterior = xr.Dataset(
        {
            "roi_geo": (("chain", "draw", "geo", "roi_channel"), np.exp(log_roi)),
            "geo_effect_sd": (("chain", "draw", "channel"), tau),
        },
        coords={"roi_channel": ["a", "b"], "channel": ["a", "b"], "geo": ["n", "s", "w"]},
    )
    expected = [[0.75, 0.0], [0.0, 0.0], [MAX_CENTRING, 0.0]]
    assert MAX_CENTRING < 0.96 and MIN_SPREAD_RATIO * 0.21 > 0.0115
    np.testing.assert_allclose(cell_centring(posterior, ["a", "b"]), expected)


def test_every_degree_of_centring_gives_the_hierarchys_prior():
    """(log ROI[g, m] - log ROI[m]) / tau[m] is standard normal whatever the cell's centring."""
    config, dataset = small_panel()
    model, _ = build_model(config, dataset)
    centring = np.array([[0.0, 0.25, 1.0], [1.0, 0.5, 0.0], [0.9, 0.1, 0.6], [0.3, 1.0, 0.75]])
    with model:
        pm.set_data({CENTRING_DATA: centring})
        prior = pm.sample_prior_predictive(
            draws=4000, var_names=["roi_geo", "roi", "geo_effect_sd"], random_seed=7
        )["prior"]
    standardized = (
        np.log(prior["roi_geo"].to_numpy()) - np.log(prior["roi"].to_numpy())[:, :, None, :]
    ) / prior["geo_effect_sd"].to_numpy()[:, :, None, :]
    draws = standardized.reshape(-1, 4, 3)
    np.testing.assert_allclose(draws.mean(axis=0), 0.0, atol=0.1)
    np.testing.assert_allclose(draws.std(axis=0), 1.0, atol=0.07)


@pytest.mark.parametrize("form", ["adaptive", "non_centred"])
def test_a_panel_fit_runs_the_pilot_unless_non_centred(form):
    config, dataset = small_panel(geo_effect_form=form)
    stages = []
    fitted = fit(config, dataset, progress=False, on_stage=stages.append)
    ran_pilot = any(stage.startswith("pilot run (2 x (60 + 50)") for stage in stages)
    assert ran_pilot == (form == "adaptive")
    assert np.isfinite(fitted.posterior["roi_geo"].to_numpy()).all()
    assert fitted.diagnostics.divergences == 0
