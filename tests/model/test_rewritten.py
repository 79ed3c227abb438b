"""A structure's rewritten graphs, kept after its Numba code is loaded and used by its next
builds: the same compiled code, the log density PyMC computes, and no keeping where the
structure's fingerprint cannot describe the graph."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import pytest
from pytensor.compile.builders import OpFromGraph
from pytensor.graph.op import Op

from mmm.model import nuts, rewritten


@pytest.fixture
def kept_folder(tmp_path, monkeypatch) -> Path:
    """A folder of the test's own for the kept graphs."""
    folder = tmp_path / "graphs"
    monkeypatch.setattr(rewritten, "folder", lambda: folder)
    return folder


def _regression(scale: float, x: np.ndarray) -> pm.Model:
    """A small regression: ``scale`` (a graph constant) sets its structure, ``x`` the data."""
    with pm.Model(coords={"feature": ["a", "b"]}) as model:
        xs = pm.Data("x", x)
        ys = pm.Data("y_observed", x @ np.array([1.0, -1.0]))
        beta = pm.Normal("beta", 0.0, scale, dims="feature")
        sigma = pm.HalfNormal("sigma", 1.0)
        mu = pm.Deterministic("mu", xs @ beta)
        pm.Normal("y", mu, sigma, observed=ys, shape=xs.shape[0])
    return model


def _not_built(*_args, **_kwargs):
    raise AssertionError("the log density was built")


def _new_scale(rng) -> float:
    """A prior scale no earlier run used: a structure the Numba cache lacks."""
    return float(rng.uniform(1.0, 2.0)) + time.time_ns() % 10**6 * 1e-9


def _pymc_logp_and_grad(model: pm.Model, x: np.ndarray) -> tuple[float, np.ndarray]:
    """PyMC's own log density and gradient at the flat point ``x`` (free variables in order)."""
    values = [model.rvs_to_values[rv] for rv in model.free_RVs]
    start = model.initial_point()
    point, at = {}, 0
    for value in values:
        shape = start[value.name].shape
        size = int(np.prod(shape))
        point[value.name] = x[at : at + size].reshape(shape)
        at += size
    return float(model.compile_logp()(point)), np.asarray(model.compile_dlogp()(point))


def test_the_next_build_of_a_loaded_structure_uses_its_kept_graphs(
    rng, kept_folder, monkeypatch
) -> None:
    scale = _new_scale(rng)
    first = nuts.numba_graphs(_regression(scale, rng.normal(size=(30, 2))))
    assert first.to_keep is not None and not kept_folder.exists()
    first.load()
    assert len(list(kept_folder.glob("*.pkl"))) == 1

    # Another dataset of another length: the same structure, built from the kept graphs without
    # building its log density.
    model = _regression(scale, rng.normal(size=(45, 2)))
    with monkeypatch.context() as patch:
        patch.setattr(pm.Model, "logp", _not_built)
        again = nuts.numba_graphs(model)
    assert again.to_keep is None
    assert again.converted is not None  # made from the cache keys alone, not converted
    assert nuts._cache_key(again.logp_callback) == nuts._cache_key(first.logp_callback)
    assert nuts._cache_key(again.draws_callback) == nuts._cache_key(first.draws_callback)

    functions = again.load()
    data = list(functions.data.values())
    for seed in range(3):
        x = functions.initial_point(seed) + rng.normal(scale=0.3, size=functions.n_dim)
        logp, grad = functions.logp_and_grad(x, *data)
        expected_logp, expected_grad = _pymc_logp_and_grad(model, x)
        np.testing.assert_allclose(logp, expected_logp, rtol=1e-10)
        np.testing.assert_allclose(grad, expected_grad, rtol=1e-8, atol=1e-10)
        draws = dict(zip(functions.names, functions.draws(x, *data), strict=True))
        np.testing.assert_allclose(draws["mu"], data[0] @ draws["beta"], rtol=1e-12)


def test_a_cached_callback_that_fails_to_load_is_converted_and_compiled(rng, kept_folder) -> None:
    """A callback made from its cache key cannot be compiled (the graph was not converted); when
    the cached entry cannot be loaded, the kept graphs are converted and compiled instead."""
    from pytensor.link.numba.cache import NUMBA_CACHE_PATH

    from mmm.model.structures import python_tag

    scale = _new_scale(rng)
    nuts.numba_graphs(_regression(scale, rng.normal(size=(30, 2)))).load()
    model = _regression(scale, rng.normal(size=(40, 2)))
    again = nuts.numba_graphs(model)
    assert again.converted is not None
    key = nuts._cache_key(again.logp_callback)
    assert any(NUMBA_CACHE_PATH.glob(f"*-{key}.{python_tag()}.nbi"))
    for data in NUMBA_CACHE_PATH.glob(f"*-{key}.{python_tag()}.*.nbc"):
        data.unlink()  # the index names an entry that is gone: Numba would compile it

    functions = again.load()
    assert functions.logp_callback is not again.logp_callback  # converted, then compiled
    x = functions.initial_point(0)
    logp, grad = functions.logp_and_grad(x, *functions.data.values())
    expected_logp, expected_grad = _pymc_logp_and_grad(model, x)
    np.testing.assert_allclose(logp, expected_logp, rtol=1e-10)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-8, atol=1e-10)


def test_a_structure_of_another_constant_is_rewritten(rng, kept_folder) -> None:
    scale = _new_scale(rng)
    nuts.numba_graphs(_regression(scale, rng.normal(size=(30, 2)))).load()
    other = nuts.numba_graphs(_regression(scale + 0.5, rng.normal(size=(30, 2))))
    assert other.to_keep is not None


def test_an_unreadable_file_is_removed_and_the_graphs_rewritten(rng, kept_folder) -> None:
    scale = _new_scale(rng)
    nuts.numba_graphs(_regression(scale, rng.normal(size=(30, 2)))).load()
    (kept,) = kept_folder.glob("*.pkl")
    kept.write_bytes(b"not a pickle")

    graphs = nuts.numba_graphs(_regression(scale, rng.normal(size=(30, 2))))
    assert graphs.to_keep is not None and not kept.exists()
    graphs.load()
    assert kept.exists() and kept.read_bytes() != b"not a pickle"


class _NoProps(Op):
    """An operation that does not declare what distinguishes it (no ``__props__``)."""

    def make_node(self, x):
        from pytensor.graph.basic import Apply

        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, outputs):
        outputs[0][0] = inputs[0]


def test_only_graphs_their_fingerprint_describes_are_storable() -> None:
    x = pt.vector("x")
    assert rewritten.storable([pt.exp(x).sum() + x[0]])
    inner = OpFromGraph([x], [pt.exp(x)])  # an inner graph: its repr does not describe it
    assert not rewritten.storable([inner(x).sum()])
    assert not rewritten.storable([_NoProps()(x)])


def test_the_key_reads_the_layout_the_data_inputs_and_the_recipe() -> None:
    flat, data = pt.vector("flat_point"), [pt.matrix("x"), pt.scalar("n", dtype="int64")]
    layout = [flat[0:2], flat[2:3].reshape(())]
    key = rewritten.rewritten_key("f" * 64, layout, data, "code=1")
    assert key == rewritten.rewritten_key("f" * 64, layout, data, "code=1")
    assert key != rewritten.rewritten_key("e" * 64, layout, data, "code=1")
    assert key != rewritten.rewritten_key("f" * 64, [flat[0:2], flat[2:4]], data, "code=1")
    assert key != rewritten.rewritten_key("f" * 64, layout, data[::-1], "code=1")
    assert key != rewritten.rewritten_key("f" * 64, layout, data, "code=2")


def test_the_callbacks_code_is_part_of_their_keys(rng, kept_folder, monkeypatch) -> None:
    """The graph's key does not cover the code that writes the callbacks: it is added to their
    cache keys and to the kept graphs' key, so another version of it reuses neither."""
    from mmm.model.callbacks import code_tag

    scale = _new_scale(rng)
    graphs = nuts.numba_graphs(_regression(scale, rng.normal(size=(30, 2))))
    assert f"_callbacks{code_tag()}_" in nuts._cache_key(graphs.logp_callback)
    graphs.load()
    assert nuts.numba_graphs(_regression(scale, rng.normal(size=(30, 2)))).to_keep is None

    monkeypatch.setattr(nuts, "code_tag", lambda: "0" * 16)
    nuts._rewrite_recipe.cache_clear()
    try:
        other = nuts.numba_graphs(_regression(scale, rng.normal(size=(30, 2))))
    finally:
        monkeypatch.undo()
        nuts._rewrite_recipe.cache_clear()
    assert other.to_keep is not None  # rewritten, not taken from the kept graphs
    assert f"_callbacks{'0' * 16}_" in nuts._cache_key(other.logp_callback)
