"""Stored shapes (mmm.model.points) against what PyTensor computes."""

from __future__ import annotations

import pytest

from mmm.model.build import build_model
from mmm.model.config import parse_config
from mmm.model.data import dataset_from_frame
from mmm.model.points import stored_shapes
from mmm.model.simulate_panel import panel_config, simulate_panel


@pytest.fixture(scope="module")
def panel_model():
    simulation = simulate_panel(seed=3, geos=4, weeks=30, n_channels=3)
    config = parse_config(panel_config(simulation, "unused.csv"))
    model, _ = build_model(config, dataset_from_frame(simulation.frame, config))
    return model


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
