"""mmm.model.nuts: the cached-numba log density equals PyMC's, data swap, nutpie samples it;
the probe of the PyTensor/nutpie internals it uses, and the fit's fallback without them."""

from __future__ import annotations

import sys

import numpy as np
import nutpie
import pymc as pm
import pytensor
import pytest

from mmm.model.nuts import compile_model, missing_cached_numba_api, model_functions


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


def test_sampling_reads_the_data_swapped_in(regression, seed) -> None:
    """The sampler's C callbacks read ``with_data``'s arrays, not the ones compiled with."""
    compiled = compile_model(regression)
    shifted = np.asarray(regression["y"].get_value()) + 5.0
    trace = nutpie.sample(
        compiled.with_data(y=shifted), draws=300, tune=300, chains=2, seed=seed,
        progress_bar=False,
    )  # fmt: skip
    assert float(trace.posterior["alpha"].mean()) == pytest.approx(5.5, abs=0.2)


def test_data_of_the_wrong_rank_is_refused_before_sampling(regression, seed) -> None:
    compiled = compile_model(regression).with_data(y=np.zeros((40, 1)))
    with pytest.raises(ValueError, match="has 2 dimensions; the compiled model takes 1"):
        nutpie.sample(compiled, draws=10, tune=10, chains=1, seed=seed, progress_bar=False)


# --- the probe of PyTensor/nutpie internals and the fallback to nutpie's own compile path ---


def test_probe_finds_the_internal_api_in_the_installed_versions() -> None:
    """Fails first after a PyTensor or nutpie upgrade that moves what mmm/model/nuts.py uses."""
    assert missing_cached_numba_api() is None


def test_probe_names_a_missing_function(monkeypatch) -> None:
    import pytensor.link.numba.cache

    monkeypatch.delattr(pytensor.link.numba.cache, "compile_numba_function_src")
    assert missing_cached_numba_api() == (
        f"PyTensor {pytensor.__version__} lacks the cached-numba API mmm uses "
        "(no pytensor.link.numba.cache.compile_numba_function_src)"
    )


def test_probe_names_a_missing_module(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "nutpie.compiled_pyfunc", None)  # import now fails
    assert missing_cached_numba_api() == (
        f"nutpie {nutpie.__version__} lacks the cached-numba API mmm uses "
        "(import nutpie.compiled_pyfunc: import of nutpie.compiled_pyfunc halted; "
        "None in sys.modules)"
    )


def test_probe_names_keywords_a_function_no_longer_takes(monkeypatch) -> None:
    import nutpie.compiled_pyfunc

    def from_pyfunc(ndim, make_logp_fn, make_expand_fn, expanded_dtypes, expanded_shapes,
                    expanded_names, *, coords=None, dims=None):  # fmt: skip
        """An older signature: no shared data, no initial point function."""

    monkeypatch.setattr(nutpie.compiled_pyfunc, "from_pyfunc", from_pyfunc)
    reason = missing_cached_numba_api()
    assert reason == (
        f"nutpie {nutpie.__version__} lacks the cached-numba API mmm uses "
        "(nutpie.compiled_pyfunc.from_pyfunc no longer takes make_initial_point_fn, shared_data)"
    )


@pytest.mark.slow
def test_fit_without_the_internal_api_falls_back_to_nutpie_numba(
    small_files, tmp_path, monkeypatch
) -> None:
    """`mmm fit` on a PyTensor without the cached-numba API: a notice, then a normal model."""
    import pytensor.link.numba.cache
    import pytensor.link.numba.dispatch  # noqa: F401  (as a release without the name would be)
    from typer.testing import CliRunner

    import mmm
    from mmm.cli import app
    from mmm.model import fit as fit_module

    # PyTensor's own modules already hold the name; only mmm's lookup of it fails.
    monkeypatch.delattr(pytensor.link.numba.cache, "compile_numba_function_src")
    monkeypatch.setattr(fit_module, "_COMPILED", {})  # no model compiled by an earlier test
    config_path, _ = small_files
    out = tmp_path / "models" / "small"
    args = ["fit", str(config_path), "-o", str(out), "--draws", "150", "--tune", "150"]
    result = CliRunner().invoke(app, [*args, "--chains", "2", "--no-progress"])

    assert result.exit_code == 0, result.output
    notice = (
        f"notice: PyTensor {pytensor.__version__} lacks the cached-numba API mmm uses "
        "(no pytensor.link.numba.cache.compile_numba_function_src); "
        "compiling with nutpie's numba backend (slower first compile)"
    )
    assert notice in result.stderr.splitlines()
    model = mmm.load(out)
    assert model.n_draws == 2 * 150
    assert np.isfinite(model.draws("level")).all()


@pytest.mark.slow
def test_compile_error_in_the_internal_api_falls_back(regression, monkeypatch, capsys) -> None:
    """A changed signature the probe cannot see (a **kwargs catch-all) fails at compile time.

    PyTensor's own modules bound ``compile_numba_function_src`` when they were imported, so
    only mmm's callback linker, which looks it up when it runs, meets the changed one.
    """
    from pytensor.link.numba import cache

    from mmm.model.config import SamplerConfig
    from mmm.model.fit import sample

    def compile_numba_function_src(*args, **kwargs):
        raise TypeError("compile_numba_function_src() got an unexpected keyword argument 'src'")

    monkeypatch.setattr(cache, "compile_numba_function_src", compile_numba_function_src)
    sampler = SamplerConfig(chains=2, draws=200, tune=200, seed=3)
    idata, _, _ = sample(regression, sampler, progress=False)

    err = capsys.readouterr().err
    assert (
        f"notice: the cached-numba API mmm uses failed on PyTensor {pytensor.__version__} "
        "(TypeError: compile_numba_function_src() got an unexpected keyword argument 'src'); "
        "compiling with nutpie's numba backend (slower first compile)"
    ) in err.splitlines()
    beta = idata["posterior"]["beta"]
    np.testing.assert_allclose(beta.mean(("chain", "draw")), [1.0, -2.0], atol=0.2)


@pytest.mark.slow
def test_geo_lift_regression_falls_back_too(monkeypatch, capsys) -> None:
    """The geo lift test compiles through the same probe, not straight into the internals."""
    import pytensor.link.numba.cache
    import pytensor.link.numba.dispatch  # noqa: F401  (PyTensor's modules keep their name)

    from mmm.experiments import geo

    monkeypatch.delattr(pytensor.link.numba.cache, "compile_numba_function_src")
    geo._compiled_regression.cache_clear()
    try:
        compiled = geo._compiled_regression(2)
    finally:
        geo._compiled_regression.cache_clear()  # later tests get the fast path again
    assert "compiling with nutpie's numba backend" in capsys.readouterr().err
    assert type(compiled).__module__.startswith("nutpie")


def _with_unused_transform(x: np.ndarray, unused: bool) -> pm.Model:
    """A regression; with ``unused``, a parameter vector of no elements sits between the others
    (as an adstock or saturation no channel uses does in the model)."""
    coords = {"feature": ["a", "b"], "nothing": []}
    with pm.Model(coords=coords) as model:
        xs = pm.Data("x", x)
        beta = pm.Normal("beta", 0.0, 1.0, dims="feature")
        if unused:
            pm.Gamma("unused", 2.0, 1.0, dims="nothing")
        sigma = pm.HalfNormal("sigma", 1.0)
        pm.Normal("y", xs @ beta, sigma, observed=x @ np.array([1.0, -1.0]))
    return model


def test_a_variable_without_elements_leaves_the_starting_points_as_they_are(rng) -> None:
    """Each jittered variable takes its own seed, in order: an empty one is not jittered, so the
    other variables start where they would without it."""
    from mmm.model.nuts import numba_graphs

    x = rng.normal(size=(20, 2))
    plain = numba_graphs(_with_unused_transform(x, unused=False))
    holding = numba_graphs(_with_unused_transform(x, unused=True))
    assert plain.n_dim == holding.n_dim == 3
    for seed in (0, 1, 7):
        start = plain.initial_point(seed)
        np.testing.assert_array_equal(holding.initial_point(seed), start)
        assert not np.array_equal(start, plain.initial_point(seed + 1))  # jittered
