"""Where a panel's chains start (mmm.model.start) and how nutpie adapts: the sampler defaults."""

from __future__ import annotations

import numpy as np
import pytest

from mmm.model.build import build_model
from mmm.model.config import parse_config
from mmm.model.data import dataset_from_frame
from mmm.model.nuts import compile_for_nutpie
from mmm.model.simulate_panel import panel_config, simulate_panel
from mmm.model.start import START_JITTER, mode_point, start_near_mode


def test_mode_point_finds_the_mean_of_a_correlated_gaussian(rng):
    mean = np.array([1.0, -2.0, 0.5])
    root = rng.normal(size=(3, 3))
    precision = root @ root.T + 3 * np.eye(3)

    def logp_and_grad(x):
        d = x - mean
        return -0.5 * d @ precision @ d, -precision @ d

    np.testing.assert_allclose(mode_point(logp_and_grad, np.zeros(3)), mean, atol=1e-5)


def test_mode_point_steps_back_from_points_without_a_finite_density():
    # log density of Normal(3, 1) on x < 5, undefined beyond: the search starts far out in
    # the defined part and must not return a point where the density is undefined
    def logp_and_grad(x):
        if x[0] >= 5:
            return np.nan, np.full(1, np.nan)
        return -0.5 * (x[0] - 3) ** 2, np.array([3 - x[0]])

    point = mode_point(logp_and_grad, np.array([-40.0]))
    assert point[0] == pytest.approx(3.0, abs=1e-4)


def test_a_panel_starts_near_its_mode_and_each_chain_apart(seed):
    simulation = simulate_panel(seed=seed, geos=4, weeks=30, n_channels=2)
    config = parse_config(panel_config(simulation, "unused.csv"))
    model, _ = build_model(config, dataset_from_frame(simulation.frame, config))
    compiled = compile_for_nutpie(model)
    started, point = start_near_mode(compiled)

    logp = compiled._make_logp_func()
    data = compiled._shared_data
    before = logp(compiled._make_initial_points(0), **data)[0]
    assert logp(point, **data)[0] > before + 100  # far better than PyMC's jittered point
    first, second = started._make_initial_points(1), started._make_initial_points(2)
    assert not np.allclose(first, second)
    for chain_start in (first, second):
        assert np.abs(chain_start - point).max() < 6 * START_JITTER
    # the copy keeps the data, and the compiled model itself keeps its own start
    assert started._shared_data is data
    np.testing.assert_array_equal(
        compiled._make_initial_points(3), compile_for_nutpie(model)._make_initial_points(3)
    )


def test_auto_settings_start_large_models_at_the_mode_with_a_diagonal_mass_matrix():
    from mmm.model.config import LARGE_MODEL_PARAMETERS, SamplerConfig
    from mmm.model.fit import resolved_adaptation, resolved_start

    auto = SamplerConfig()
    assert (auto.adaptation, auto.start) == ("auto", "auto")
    small, large = LARGE_MODEL_PARAMETERS - 1, LARGE_MODEL_PARAMETERS
    assert (resolved_adaptation(auto, small), resolved_start(auto, small)) == ("low_rank", "jitter")
    assert (resolved_adaptation(auto, large), resolved_start(auto, large)) == ("diag", "mode")
    chosen = SamplerConfig(adaptation="low_rank", start="jitter")
    assert resolved_adaptation(chosen, 10 * large) == "low_rank"
    assert resolved_start(chosen, 10 * large) == "jitter"
    assert resolved_start(SamplerConfig(start="mode"), 3) == "mode"
