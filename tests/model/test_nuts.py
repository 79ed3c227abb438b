"""mmm.model.nuts: the cached-numba log density equals PyMC's, data swap, nutpie samples it."""

from __future__ import annotations

import numpy as np
import nutpie
import pymc as pm
import pytest

from mmm.model.nuts import compile_model, model_functions


@pytest.fixture
def regression(rng) -> pm.Model:
    """A small regression with a positive (log-transformed) and a data-dependent term."""
    x = rng.normal(size=(40, 2))
    y = 0.5 + x @ np.array([1.0, -2.0]) + rng.normal(0.0, 0.3, 40)
    with pm.Model(coords={"k": ["a", "b"]}) as model:
        xs = pm.Data("x", x)
        ys = pm.Data("y", y)
        alpha = pm.Normal("alpha", 0.0, 1.0)
        beta = pm.Normal("beta", 0.0, 2.0, dims="k")
        sigma = pm.HalfNormal("sigma", 1.0)
        pm.Deterministic("beta_sum", beta.sum())
        pm.Normal("obs", alpha + xs @ beta, sigma, observed=ys, shape=xs.shape[0])
    return model


def _point(model: pm.Model, x: np.ndarray) -> dict[str, np.ndarray]:
    """Unflatten ``x`` in the order of the free variables."""
    shapes = {name: np.shape(v) for name, v in model.initial_point().items()}
    out, at = {}, 0
    for rv in model.free_RVs:
        name = model.rvs_to_values[rv].name
        size = int(np.prod(shapes[name]))
        out[name] = x[at : at + size].reshape(shapes[name])
        at += size
    return out


def test_log_density_and_gradient_match_pymc(regression, rng) -> None:
    fns = model_functions(regression)
    logp_ref = regression.compile_logp()
    dlogp_ref = regression.compile_dlogp()
    for _ in range(3):
        x = rng.normal(size=fns.n_dim)
        value, grad = fns.logp_and_grad(x, *fns.data.values())
        point = _point(regression, x)
        assert value == pytest.approx(float(logp_ref(point)), rel=1e-10)
        np.testing.assert_allclose(grad, dlogp_ref(point), rtol=1e-8)


def test_draws_are_on_the_variables_own_scale(regression) -> None:
    fns = model_functions(regression)
    x = np.array([0.3, 1.0, -1.0, np.log(0.7)])  # alpha, beta (2), log sigma
    draws = dict(zip(fns.names, fns.draws(x, *fns.data.values()), strict=True))
    assert fns.names == ["alpha", "beta", "sigma", "beta_sum"]
    assert float(draws["sigma"]) == pytest.approx(0.7)
    np.testing.assert_allclose(draws["beta"], [1.0, -1.0])
    assert float(draws["beta_sum"]) == pytest.approx(0.0)


def test_new_data_changes_the_log_density(regression, rng) -> None:
    fns = model_functions(regression)
    x = rng.normal(size=fns.n_dim)
    data = dict(fns.data)
    base, _ = fns.logp_and_grad(x, *data.values())
    data["y"] = data["y"][:10] + 5.0  # fewer rows and shifted: a different dataset
    data["x"] = data["x"][:10]
    swapped, _ = fns.logp_and_grad(x, *data.values())
    regression.set_data("y", data["y"])
    regression.set_data("x", data["x"])
    assert swapped != pytest.approx(base)
    assert swapped == pytest.approx(float(regression.compile_logp()(_point(regression, x))))


def test_nutpie_samples_the_compiled_model(regression, seed) -> None:
    trace = nutpie.sample(
        compile_model(regression), draws=300, tune=300, chains=2, seed=seed, progress_bar=False
    )
    post = trace.posterior
    assert set(post.data_vars) == {"alpha", "beta", "sigma", "beta_sum"}
    assert post["beta"].dims == ("chain", "draw", "k")
    np.testing.assert_allclose(post["beta"].mean(("chain", "draw")), [1.0, -2.0], atol=0.2)
    assert float(post["sigma"].mean()) == pytest.approx(0.3, abs=0.1)
