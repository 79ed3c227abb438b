"""The JAX backend's stored quantities, computed in one batch after sampling."""

from __future__ import annotations

import numpy as np
import pytest

from mmm.model.build import build_model
from mmm.model.config import parse_config
from mmm.model.data import dataset_from_frame
from mmm.model.jax_model import POINT, _Expander
from mmm.model.simulate import simulation_config


@pytest.fixture
def small_model(small_sim):
    config = parse_config(simulation_config(small_sim, "small.csv", draws=30, tune=30))
    model, _ = build_model(config, dataset_from_frame(small_sim.frame, config))
    return model


def test_the_batch_matches_nutpies_per_draw_expansion(small_model, rng) -> None:
    import nutpie

    per_draw = nutpie.compile_pymc_model(small_model, backend="jax", gradient_backend="jax")
    expand = per_draw._make_expand_func(0, 0, 0)
    points = rng.normal(scale=0.5, size=(2, 3, per_draw.n_dim))
    batch = _Expander.of(small_model).posterior(points)
    for chain in range(2):
        for draw in range(3):
            one = expand(points[chain, draw], **per_draw._shared_data)
            for name, value in batch.items():  # nutpie's also has the unconstrained values
                np.testing.assert_allclose(
                    value.to_numpy()[chain, draw], one[name], rtol=1e-12, atol=1e-12
                )
    assert batch["beta"].dims == ("chain", "draw", "channel")
    assert list(batch["beta"]["channel"].to_numpy()) == list(small_model.coords["channel"])


def test_a_jax_fit_stores_the_same_variables_as_a_numba_fit(small_model) -> None:
    from mmm.model import fit as fit_module
    from mmm.model.nuts import compile_for_nutpie

    posteriors = {}
    for backend in ("jax", "numba"):
        compiled = compile_for_nutpie(small_model, backend)
        idata = fit_module._sample_in_background(
            compiled, draws=30, tune=30, chains=2, cores=1, seed=1, progress_bar=False
        )
        posteriors[backend] = idata["posterior"].to_dataset()
    jax, numba = posteriors["jax"], posteriors["numba"]
    assert POINT not in jax
    assert sorted(jax.data_vars) == sorted(numba.data_vars)
    for name in numba.data_vars:
        assert jax[name].dims == numba[name].dims, name
        assert jax[name].shape == numba[name].shape, name
    assert float(jax["sigma"].min()) > 0  # constrained scale, not the log


def test_the_log_density_keeps_its_sampler_threads_python_state() -> None:
    """nutpie's Rust threads get a new Python thread state for every call unless one is kept:
    thread-local values (JAX keeps several) would be rebuilt for every gradient."""
    import threading

    import nutpie
    from nutpie.compiled_pyfunc import from_pyfunc

    from mmm.model.jax_model import _keeping_thread_state

    local = threading.local()
    counts = {"calls": 0, "fresh": 0}

    def make_logp():
        def logp(x, **_data):
            counts["calls"] += 1
            if not getattr(local, "seen", False):
                counts["fresh"] += 1
                local.seen = True
            return float(-0.5 * x @ x), -x

        return logp

    def sample(make):
        counts.update(calls=0, fresh=0)
        model = from_pyfunc(
            ndim=3,
            make_logp_fn=make,
            make_expand_fn=lambda *_: lambda x, **_data: {"x": x.copy()},
            expanded_dtypes=[np.dtype("float64")],
            expanded_shapes=[(3,)],
            expanded_names=["x"],
            make_initial_point_fn=lambda _seed: np.ones(3),
        )
        nutpie.sample(model, draws=50, tune=50, chains=2, cores=2, progress_bar=False)
        return dict(counts)

    plain = sample(make_logp)
    assert plain["fresh"] == plain["calls"]  # what nutpie does without the wrapper
    kept = sample(_keeping_thread_state(make_logp))
    assert kept["calls"] > 100
    assert kept["fresh"] <= 2  # once per chain thread


def test_the_numpyro_sampler_fits_the_model(small_sim) -> None:
    """``sampler.backend: numpyro`` (NumPyro is a core dependency) gives the posterior a
    nutpie fit gives: the same variables, positive scales."""
    from mmm.model.fit import fit

    raw = simulation_config(small_sim, "small.csv", draws=50, tune=50, chains=2)
    raw["sampler"]["backend"] = "numpyro"
    config = parse_config(raw)
    fitted = fit(config, dataset_from_frame(small_sim.frame, config), progress=False)
    posterior = fitted.idata["posterior"]
    assert posterior.sizes["chain"] == 2 and posterior.sizes["draw"] == 50
    assert {"roi", "beta", "sigma", "geometric_alpha"} <= set(posterior.data_vars)
    assert float(posterior["sigma"].min()) > 0
