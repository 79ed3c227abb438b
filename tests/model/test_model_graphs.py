"""A national model's two graphs: the config's transforms only, and every transform with the
channels' choice of them as data (its stand-in for a config edit's first fit; which one a fit
samples: tests/model/test_compile_choice.py)."""

from __future__ import annotations

import numpy as np
import pytest

from mmm.model.build import build_model
from mmm.model.config import parse_config
from mmm.model.data import dataset_from_frame
from mmm.model.simulate import simulation_config


def _mixed_config(small_sim) -> dict:
    """Three channels, each with another adstock and saturation, one with a shorter lag."""
    raw = simulation_config(small_sim, "small.csv", draws=20, tune=20)
    raw["channels"] = [
        {"name": "tv"},
        {
            "name": "search",
            "adstock": {"type": "weibull", "max_lag": 5},
            "saturation": {"type": "hill"},
        },
        {
            "name": "social",
            "adstock": {"type": "delayed"},
            "saturation": {"type": "michaelis_menten"},
        },
    ]
    return raw


@pytest.mark.parametrize("saturation_first", [False, True])
def test_both_graphs_have_the_same_variables_log_density_and_gradient(
    small_sim, rng, saturation_first: bool
) -> None:
    raw = _mixed_config(small_sim)
    raw["transform_order"] = "saturation_first" if saturation_first else "adstock_first"
    config = parse_config(raw)
    dataset = dataset_from_frame(small_sim.frame, config)
    own, _ = build_model(config, dataset)
    stand_in, _ = build_model(config, dataset, every_transform=True)

    assert [v.name for v in own.free_RVs] == [v.name for v in stand_in.free_RVs]
    assert {v.name for v in own.data_vars} < {v.name for v in stand_in.data_vars}
    values = own.value_vars
    logp = [m.compile_logp(mode="FAST_COMPILE") for m in (own, stand_in)]
    dlogp = [m.compile_dlogp(mode="FAST_COMPILE") for m in (own, stand_in)]
    start = own.initial_point()
    for _ in range(5):
        point = {
            v.name: start[v.name] + rng.normal(0.0, 0.5, np.shape(start[v.name])) for v in values
        }
        assert np.isfinite(logp[0](point))
        np.testing.assert_allclose(logp[1](point), logp[0](point), rtol=1e-12)
        np.testing.assert_allclose(dlogp[1](point), dlogp[0](point), rtol=1e-9, atol=1e-9)
