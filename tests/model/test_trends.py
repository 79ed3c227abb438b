"""Flexible baselines: the piecewise and GP trend bases, their config errors, the decomposition
of a fitted flexible trend, and recovery of the channels' ROI under a curved trend."""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor
import pytest

from mmm.analysis.posterior import geo_component_draws, roi_draws
from mmm.errors import ConfigError, MmmError
from mmm.model.build import build_model
from mmm.model.config import GpTrend, PiecewiseTrend, parse_config
from mmm.model.data import dataset_from_frame
from mmm.model.fit import fit
from mmm.model.simulate import simulate, simulation_config
from mmm.model.trends import GP_EXTENSION, trend_basis, trend_model_data


def test_piecewise_basis_is_time_and_the_hinges_at_the_changepoints():
    # 3 changepoints in (0, 0.9]: 0.3, 0.6, 0.9
    basis = trend_basis(
        PiecewiseTrend(type="piecewise", changepoints=3), np.array([0, 0.5, 1, 1.5])
    )
    expected = [
        [0.0, 0.0, 0.0, 0.0],
        [0.5, 0.2, 0.0, 0.0],
        [1.0, 0.7, 0.4, 0.1],
        [1.5, 1.2, 0.9, 0.6],  # past the data: the last slope goes on
    ]
    np.testing.assert_allclose(basis, expected, atol=1e-12)


def test_gp_basis_is_pymcs_hsgp_basis_and_is_held_flat_past_the_extension():
    trend = GpTrend(type="gp", basis_functions=12)
    t = np.linspace(0.0, 1.0, 40)
    gp = pm.gp.HSGP(m=[12], L=[0.75], cov_func=pm.gp.cov.ExpQuad(1, ls=0.2))
    phi, _ = gp.prior_linearized(t[:, None] - 0.5)
    np.testing.assert_allclose(trend_basis(trend, t), np.column_stack([t, phi.eval()]), rtol=1e-10)
    # past the extension the line goes on and the GP part is held flat
    edge = trend_basis(trend, np.array([1.0 + GP_EXTENSION]))[0, 1:]
    later = trend_basis(trend, np.array([1.5, 3.0]))
    np.testing.assert_allclose(later[:, 0], [1.5, 3.0])
    np.testing.assert_allclose(later[:, 1:], np.vstack([edge, edge]))


def test_gp_weight_scales_are_the_amplitude_times_the_root_of_pymcs_spectral_density():
    trend = GpTrend(type="gp", lengthscale_weeks=26, amplitude=0.3, basis_functions=12)
    t = np.linspace(0.0, 1.0, 105)  # 104 weekly steps: the lengthscale is 0.25 in t units
    frequencies = np.pi * np.arange(1, 13) / (2 * 0.75)  # sqrt of the box's eigenvalues, L=0.75
    density = pm.gp.cov.ExpQuad(1, ls=0.25).power_spectral_density(frequencies[:, None]).eval()
    scale = trend_model_data(trend, t, period_days=7)["trend_gp_scale"]
    np.testing.assert_allclose(scale, 0.3 * np.sqrt(density), rtol=1e-12)


def test_a_gp_lengthscale_too_short_for_its_basis_is_refused_with_the_fix():
    trend = GpTrend(type="gp", lengthscale_weeks=4, basis_functions=20)
    with pytest.raises(ConfigError, match="needs basis_functions >= 51 \\(got 20\\)"):
        trend_model_data(trend, np.linspace(0, 1, 156), period_days=7)


def test_an_unknown_trend_type_is_refused_naming_the_key(small_sim):
    raw = simulation_config(small_sim, "x.csv") | {"trend": {"type": "spline"}}
    with pytest.raises(MmmError, match="trend"):
        parse_config(raw)


@pytest.mark.parametrize(
    "trend", [{"type": "piecewise", "changepoints": 4}, {"type": "gp", "lengthscale_weeks": 20}]
)
def test_a_flexible_trend_adds_up_with_the_other_terms_to_the_models_mean(small_sim, trend):
    config = parse_config(
        simulation_config(small_sim, "x.csv", draws=20, tune=30) | {"trend": trend}
    )
    dataset = dataset_from_frame(small_sim.frame, config)
    fitted = fit(config, dataset, progress=False)
    model, _ = build_model(config, dataset)
    mu = model["y"].owner.inputs[2]  # Normal(mu, sigma)'s mean, as a function of the variables
    mean_of = pytensor.function(model.free_RVs, mu, on_unused_input="ignore")
    posterior = fitted.posterior
    draw = {  # the unused transforms' parameters have no elements and are not stored
        rv.name: posterior[rv.name].isel(chain=1, draw=7).to_numpy()
        if rv.name in posterior
        else np.zeros(0)
        for rv in model.free_RVs
    }
    expected = mean_of(*(draw[rv.name] for rv in model.free_RVs)) * fitted.scales.target
    terms = geo_component_draws(fitted, 0)
    assert terms["trend"].std(axis=1).max() > 0
    index = fitted.n_draws // 2 + 7  # chain 1, draw 7 in the stacked draws
    np.testing.assert_allclose(sum(t[index] for t in terms.values()), expected, rtol=1e-8)


@pytest.mark.slow
def test_flexible_baselines_recover_the_rois_that_a_straight_one_gets_wrong(seed):
    """The baseline doubles and levels off while the first channel's budget doubles with it.

    A straight trend leaves the bend to that channel (its ROI comes out more than 50% high,
    outside its interval); the piecewise and GP trends cover every channel's ROI, without
    divergences. Seed: the suite's.
    """
    sim = simulate(
        seed=seed, weeks=156, n_channels=4, trend_shape="concave", trend_growth=1.0,
        spend_growth=1.0,
    )  # fmt: skip
    truth = np.array([c["roi"] for c in sim.truth["channels"].values()])
    scores = {}
    for trend in ("linear", "piecewise", "gp"):
        raw = simulation_config(sim, "x.csv", draws=500, tune=500)
        config = parse_config(raw | {"trend": trend if trend == "linear" else {"type": trend}})
        fitted = fit(config, dataset_from_frame(sim.frame, config), progress=False)
        rois = roi_draws(fitted)
        lo, hi = np.quantile(rois, [0.05, 0.95], axis=0)
        error = np.abs(rois.mean(axis=0) - truth) / truth
        scores[trend] = ((lo <= truth) & (truth <= hi), error, fitted.diagnostics)
    for flexible in ("piecewise", "gp"):
        covered, error, diagnostics = scores[flexible]
        assert covered.all(), (flexible, covered, error)
        assert error.mean() < 0.3, (flexible, error)
        assert diagnostics.divergences == 0 and diagnostics.rhat_max < 1.02, diagnostics
    covered, error, _ = scores["linear"]
    assert not covered[0] and error[0] > 0.5, (covered, error)
