"""Starting points and stored shapes (mmm.model.points) against what PyMC and PyTensor give."""

from __future__ import annotations

import numpy as np
import pytest
from pymc.initial_point import make_initial_point_fn

from mmm.model.build import build_model
from mmm.model.config import parse_config
from mmm.model.data import dataset_from_frame
from mmm.model.points import initial_point_function, stored_shapes
from mmm.model.simulate_panel import panel_config, simulate_panel


@pytest.fixture(scope="module")
def panel_model():
    simulation = simulate_panel(seed=3, geos=4, weeks=30, n_channels=3)
    config = parse_config(panel_config(simulation, "unused.csv"))
    model, _ = build_model(config, dataset_from_frame(simulation.frame, config))
    return model


def test_initial_points_equal_pymcs_for_every_seed(panel_model) -> None:
    """Equal to rounding: PyMC's rewrites may simplify a transform (a log of an exp)."""
    jittered = set(panel_model.free_RVs[::2])  # some jittered, some at their support point
    ours = initial_point_function(panel_model, jittered)
    pymcs = make_initial_point_fn(model=panel_model, jitter_rvs=jittered, return_transformed=True)
    for seed in (0, 1, 12345):
        expected, got = pymcs(seed), ours(seed)
        assert list(got) == list(expected)
        for name in expected:
            np.testing.assert_allclose(got[name], expected[name], rtol=1e-13, atol=1e-15)
    assert not all(np.array_equal(ours(1)[n], ours(2)[n]) for n in expected)  # seeds differ


def test_stored_shapes_equal_pytensors(panel_model) -> None:
    stored = [*panel_model.free_RVs, *panel_model.deterministics]
    computed = [tuple(int(n) for n in var.shape.eval()) for var in stored]
    assert stored_shapes(panel_model, stored) == computed
    assert any(len(shape) == 2 for shape in computed)  # (geo, channel) quantities among them


def test_a_variable_without_dims_gets_its_computed_shape() -> None:
    import pymc as pm

    with pm.Model() as model:
        x = pm.Normal("x", shape=(3, 2))
        y = pm.Deterministic("y", x.sum(axis=0))
    assert stored_shapes(model, [x, y]) == [(3, 2), (2,)]
