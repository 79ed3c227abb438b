"""Hand a PyMC model to nutpie through PyTensor's disk-cached Numba functions.

``nutpie.compile_pymc_model(backend="numba")`` wraps the log density in a C callback that
Numba compiles anew in every process; for the example model that is 20-25 s even when
PyTensor's on-disk cache already holds the compiled graph. Here nutpie calls the Numba
functions PyTensor compiled (and cached under ``pytensor.config.compiledir``) from Python
instead, so a fresh process fitting a model structure it has seen before compiles in a few
seconds. The functions are compiled with ``nogil`` so chains still run in parallel.

The log density takes the data as explicit inputs, so one compiled model serves every
dataset of the same structure (:meth:`nutpie.compiled_pyfunc.PyFuncModel.with_data`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pandas as pd
import pymc as pm
import pytensor
import pytensor.tensor as pt
from pymc.initial_point import make_initial_point_fn
from pytensor.compile.mode import Mode
from pytensor.graph import rewrite_graph
from pytensor.graph.replace import graph_replace
from pytensor.graph.rewriting.db import RewriteDatabaseQuery
from pytensor.link.numba.linker import NumbaLinker

#: Suffix that keeps the nogil builds apart from PyTensor's own entries in its Numba cache.
_CACHE_TAG = "mmm_nogil"


class NogilNumbaLinker(NumbaLinker):
    """PyTensor's Numba linker, with the final function compiled ``nogil`` and cached."""

    def fgraph_convert(self, fgraph, **kwargs):
        """Numba source of the graph, cached under a key of its own (see ``_CACHE_TAG``)."""
        from pytensor import config
        from pytensor.link.numba.cache import compile_numba_function_src
        from pytensor.link.numba.dispatch.basic import numba_funcify_and_cache_key

        func, key = numba_funcify_and_cache_key(fgraph, **kwargs)
        if key is None or not config.numba__cache:
            return func, None
        cached = compile_numba_function_src(
            src=f"def {func.__name__}(*args): return jitable_func(*args)",
            function_name=func.__name__,
            global_env={"__name__": __name__, "jitable_func": func},
            cache_key=f"{key}_fastmath{int(config.numba__fastmath)}_{_CACHE_TAG}",
        )
        return cached, key

    def jit_compile(self, fn_and_cache):
        """Compile the graph function callable from Python, releasing the GIL while it runs."""
        from pytensor.link.numba.dispatch.basic import numba_njit

        fn, key = fn_and_cache
        return numba_njit(fn, final_function=True, cache=key is not None, nogil=True)


def _mode() -> Mode:
    return Mode(
        NogilNumbaLinker(),
        RewriteDatabaseQuery(
            include=["fast_run", "numba"], exclude=NumbaLinker.incompatible_rewrites
        ),
    )


def compile_model(model: pm.Model):
    """A nutpie model of ``model`` whose log density and draws come from cached Numba code.

    Parameters
    ----------
    model : pymc.Model
        Continuous free variables only; ``pm.Data`` variables become swappable inputs.

    Returns
    -------
    nutpie.compiled_pyfunc.PyFuncModel
        Ready for :func:`nutpie.sample`; ``with_data(<data name>=array)`` swaps a dataset in.
    """
    from nutpie.compiled_pyfunc import from_pyfunc

    free = list(model.free_RVs)
    values = [model.rvs_to_values[rv] for rv in free]
    initial = make_initial_point_fn(model=model, jitter_rvs=set(free), return_transformed=True)
    first = initial(0)
    shapes = [tuple(np.shape(first[v.name])) for v in values]
    ends = np.cumsum([int(np.prod(s)) for s in shapes])
    n_dim = int(ends[-1])

    flat = pt.vector("flat_point", shape=(n_dim,), dtype="float64")
    unpack = {
        value: flat[end - int(np.prod(shape)) : end].reshape(shape).astype(value.dtype)
        for value, shape, end in zip(values, shapes, ends, strict=True)
    }
    data_vars = list(model.data_vars)
    data_inputs = [var.type(name=var.name) for var in data_vars]
    replace = {**unpack, **dict(zip(data_vars, data_inputs, strict=True))}

    logp = rewrite_graph(model.logp(), include=("canonicalize", "stabilize"))
    grad = pt.concatenate([g.ravel() for g in pt.grad(logp, values)])
    stored = [*free, *model.deterministics]
    mode = _mode()
    logp_fn = _compiled(
        [flat, *data_inputs], graph_replace([logp, grad], replace, strict=False), mode
    )
    draw_graph = graph_replace(model.replace_rvs_by_values(stored), replace, strict=False)
    expand_fn = _compiled([flat, *data_inputs], draw_graph, mode)

    names = [var.name for var in stored]
    data_names = [var.name for var in data_vars]
    start = (_flatten(first, values), *(var.get_value() for var in data_vars))
    logp_fn(*start)  # load the code from the cache (or build it) now, not in the first chain
    draw_shapes = [tuple(np.shape(v)) for v in expand_fn(*start)]

    def make_logp() -> Callable:
        def logp_and_grad(x: np.ndarray, **data: np.ndarray) -> tuple[float, np.ndarray]:
            value, gradient = logp_fn(x, *(data[name] for name in data_names))
            return float(value), gradient

        return logp_and_grad

    def make_expand(_seed1: int, _seed2: int, _chain: int) -> Callable:
        def expand(x: np.ndarray, **data: np.ndarray) -> dict[str, np.ndarray]:
            draws = expand_fn(x, *(data[name] for name in data_names))
            return {
                name: np.asarray(v, dtype="float64").reshape(s)
                for name, v, s in zip(names, draws, draw_shapes, strict=True)
            }

        return expand

    lock = threading.Lock()

    def initial_point(seed: int) -> np.ndarray:
        with lock:  # PyMC's initial-point function is not thread safe
            return _flatten(initial(seed), values)

    return from_pyfunc(
        ndim=n_dim,
        make_logp_fn=make_logp,
        make_expand_fn=make_expand,
        make_initial_point_fn=initial_point,
        expanded_dtypes=[np.dtype("float64")] * len(names),
        expanded_shapes=draw_shapes,
        expanded_names=names,
        shared_data={var.name: np.asarray(var.get_value()) for var in data_vars},
        dims={name: tuple(d) for name in names if (d := model.named_vars_to_dims.get(name))},
        coords={dim: pd.Index(labels) for dim, labels in model.coords.items()},
    )


def _compiled(inputs: list, outputs: list, mode: Mode) -> Callable:
    """The Numba function of a PyTensor graph, called directly (no Function wrapper)."""
    function = pytensor.function(inputs, outputs, mode=mode, on_unused_input="ignore")
    return function.vm.jit_fn


def _flatten(point: dict[str, np.ndarray], values: list) -> np.ndarray:
    return np.concatenate([np.ravel(point[v.name]) for v in values]).astype("float64")
