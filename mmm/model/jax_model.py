"""A model for nutpie's JAX backend whose stored quantities are computed once, after sampling.

nutpie calls a model's "expand" function once per draw, warm-up included, to turn the sampler's
flat unconstrained point into the quantities it stores. Through JAX each call is a Python call
into XLA (about 0.3 ms for the example): 4,000 draws cost 1.1 s, plus the per-draw function's
compile. Here the sampler stores the flat point alone, and one vectorized JAX function maps all
kept draws to the stored quantities when sampling ends (0.2 s for the example, its compile
included). The draws are the same; the values agree with nutpie's per-draw ones to round-off.
The log density keeps its sampler thread's Python state between calls
(:func:`_keeping_thread_state`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pymc as pm
import xarray as xr

from mmm.model.nutpie_import import import_nutpie

#: The one variable the sampler stores: the flat unconstrained point.
POINT = "_unconstrained_point"


def compile_jax_model(model: pm.Model):
    """nutpie's JAX model of ``model``, storing the flat point and expanding it in one batch.

    Parameters
    ----------
    model : pymc.Model

    Returns
    -------
    nutpie.compiled_pyfunc.PyFuncModel
        Of the type :func:`_batch_expanded_type` returns; :func:`expand_points` turns its
        trace into the usual posterior.
    """
    nutpie = import_nutpie()
    from nutpie.compiled_pyfunc import from_pyfunc

    jax_model = nutpie.compile_pymc_model(
        model, backend="jax", gradient_backend="jax", var_names=[]
    )
    n_dim = jax_model.n_dim

    def make_expand(_seed1: int, _seed2: int, _chain: int) -> Callable:
        return lambda x, **_data: {POINT: np.array(x, dtype="float64")}

    point_model = from_pyfunc(
        ndim=n_dim,
        make_logp_fn=_keeping_thread_state(jax_model._make_logp_func),
        make_expand_fn=make_expand,
        make_initial_point_fn=jax_model._make_initial_points,
        expanded_dtypes=[np.dtype("float64")],
        expanded_shapes=[(n_dim,)],
        expanded_names=[POINT],
        shared_data=jax_model._shared_data,
    )
    fields = {f.name: getattr(point_model, f.name) for f in dataclasses.fields(point_model)}
    # XLA compiles the log density at its first call (0.6 s for the example), in C++ and
    # outside the GIL: in a thread of its own, it overlaps the expansion's build
    first_call = threading.Thread(target=_call_once, args=(jax_model,), daemon=True)
    first_call.start()
    expander = _Expander.of(model)
    first_call.join()
    return _batch_expanded_type()(**fields, _expander=expander)


def _call_once(jax_model) -> None:
    """Evaluate ``jax_model``'s log density at its first initial point (compiling it)."""
    with contextlib.suppress(Exception):  # the sampler meets any failure again, and reports it
        point = jax_model._make_initial_points(0)
        jax_model._make_logp_func()(point, **jax_model._shared_data)


def _keeping_thread_state(make_logp: Callable[[], Callable]) -> Callable[[], Callable]:
    """``make_logp`` whose log density keeps the calling thread's Python state between calls.

    nutpie's sampler threads are not Python threads: each call into Python takes the GIL with a
    Python thread state made for that call and deleted after it, so every gradient rebuilt the
    thread-local state JAX keeps (config contexts, trace state). Taking the GIL once more,
    without releasing it, keeps the state for the thread's life (one small thread state per
    sampler thread, freed when the interpreter exits): the Weibull example's two chains sampled
    in 2.8 s against 4.0 s (51,547 gradients, the same draws).
    """
    import ctypes

    kept = threading.local()  # reset on every call until the state is kept

    def make() -> Callable:
        logp = make_logp()

        def logp_in_a_kept_thread_state(x: np.ndarray, **data: np.ndarray):
            if not getattr(kept, "state", False):
                ctypes.pythonapi.PyGILState_Ensure()  # never released: the state stays
                kept.state = True
            return logp(x, **data)

        return logp_in_a_kept_thread_state

    return make


@functools.cache
def _batch_expanded_type() -> type:
    """A nutpie Python-function model carrying the batched expansion of its flat points."""
    import_nutpie()
    from nutpie.compiled_pyfunc import PyFuncModel

    @dataclass(frozen=True)
    class BatchExpandedModel(PyFuncModel):
        _expander: _Expander | None = None

    return BatchExpandedModel


def expand_points(compiled, idata: xr.DataTree) -> xr.DataTree:
    """``idata`` with its posterior of flat points replaced by the stored quantities, when
    ``compiled`` came from :func:`compile_jax_model`; else ``idata`` as it is."""
    expander = getattr(compiled, "_expander", None)
    if expander is None:
        return idata
    posterior = idata["posterior"].to_dataset()
    points = posterior[POINT].to_numpy()
    idata["posterior"] = xr.DataTree(
        xr.Dataset(expander.posterior(points), attrs=posterior.attrs).assign_coords(
            chain=posterior["chain"], draw=posterior["draw"]
        )
    )
    return idata


@dataclass(frozen=True)
class _Expander:
    """The stored quantities of a model as one JAX function of many flat points."""

    function: Callable
    names: list[str]
    dims: list[tuple[str, ...]]
    coords: dict[str, list]

    @classmethod
    def of(cls, model: pm.Model) -> _Expander:
        """Build (not compile: XLA compiles on the first call) the expansion of ``model``."""
        import jax
        import pytensor
        import pytensor.tensor as pt
        from pymc.model.transform.optimization import freeze_dims_and_data
        from pytensor.graph.replace import graph_replace

        frozen = freeze_dims_and_data(model)
        free = list(frozen.free_RVs)
        values = [frozen.rvs_to_values[rv] for rv in free]
        if all(None not in value.type.shape for value in values):  # frozen: static shapes
            shapes = [value.type.shape for value in values]
        else:  # compiles PyMC's initial-point function (a tenth of a second)
            start = frozen.initial_point()
            shapes = [np.shape(start[value.name]) for value in values]
        point = pt.vector("point", dtype="float64")
        replace, end = {}, 0
        for value, shape in zip(values, shapes, strict=True):
            # nutpie's layout: the free variables' values, raveled, in model order
            size = int(np.prod(shape))
            replace[value] = point[end : end + size].reshape(shape).astype(value.dtype)
            end += size
        stored = [*free, *frozen.deterministics]
        outputs = graph_replace(frozen.replace_rvs_by_values(stored), replace, strict=False)
        single = pytensor.function([point], outputs, mode="JAX").vm.jit_fn  # jitted; vmap traces it
        names = [var.name for var in stored]
        dims = []
        for var in stored:
            named = model.named_vars_to_dims.get(var.name) or ()
            ndim = var.type.ndim
            dims.append(tuple(named) if len(named) == ndim else _default_dims(var.name, ndim))
        coords = {dim: list(values) for dim, values in model.coords.items() if values is not None}
        return cls(jax.jit(jax.vmap(single)), names, dims, coords)

    def posterior(self, points: np.ndarray) -> dict[str, xr.DataArray]:
        """The stored quantities of ``points`` (chains, draws, n_dim) as DataArrays."""
        chains, draws = points.shape[:2]
        values = self.function(points.reshape(chains * draws, -1))
        out = {}
        for name, dims, value in zip(self.names, self.dims, values, strict=True):
            array = np.asarray(value, dtype="float64")
            array = array.reshape(chains, draws, *array.shape[1:])
            coords = {dim: self.coords[dim] for dim in dims if dim in self.coords}
            coords = {d: c for d, c in coords.items() if len(c) == array.shape[2 + dims.index(d)]}
            out[name] = xr.DataArray(array, dims=("chain", "draw", *dims), coords=coords)
        return out


def _default_dims(name: str, ndim: int) -> tuple[str, ...]:
    """nutpie's names for the axes of a variable without dims: ``<name>_dim_<i>``."""
    return tuple(f"{name}_dim_{i}" for i in range(ndim))
