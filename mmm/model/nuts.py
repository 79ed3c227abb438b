"""Hand a PyMC model to nutpie through PyTensor's disk-cached Numba functions.

``nutpie.compile_pymc_model(backend="numba")`` wraps the log density in a C callback that
Numba compiles anew in every process; for the example model that is 20-25 s even when
PyTensor's on-disk cache already holds the compiled graph. Here nutpie calls the Numba
functions PyTensor compiled (and cached under ``pytensor.config.compiledir``) from Python
instead, so a fresh process fitting a model structure it has seen before compiles in a few
seconds. The functions are compiled with ``nogil`` so chains still run in parallel.

The log density takes the data as explicit inputs, so one compiled model serves every
dataset of the same structure (:meth:`nutpie.compiled_pyfunc.PyFuncModel.with_data`).

This leans on PyTensor and nutpie internals (listed in ``REQUIRED_API``); pyproject.toml bounds
their versions, and :func:`missing_cached_numba_api` says, before compiling, when an installed
version lacks them, so that the fit can take nutpie's own compile path instead.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import importlib.metadata
import importlib.util
import inspect
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

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

#: Suffix that keeps the nogil builds apart from PyTensor's own entries in its Numba cache. It
#: names this module because a cached entry refers to the module it was built in: an entry
#: written when this module had another name (``mmm.nuts`` in earlier versions) would fail to load.
_CACHE_TAG = f"mmm_nogil_{__name__}"

#: The internals this module calls: (module, attribute path, keyword arguments it passes).
#: Modules that others import come first, so a name missing there is reported as itself.
REQUIRED_API: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "pytensor.link.numba.cache",
        "compile_numba_function_src",
        ("src", "function_name", "global_env", "cache_key"),
    ),
    ("pytensor.link.numba.dispatch.basic", "numba_funcify_and_cache_key", ()),
    ("pytensor.link.numba.dispatch.basic", "numba_njit", ("final_function", "cache", "nogil")),
    ("pytensor.link.basic", "JITLinker.create_jitable_thunk", ()),  # sets Function.vm.jit_fn
    ("pytensor.link.numba.linker", "NumbaLinker.fgraph_convert", ()),
    ("pytensor.link.numba.linker", "NumbaLinker.jit_compile", ()),
    ("pytensor.link.numba.linker", "NumbaLinker.incompatible_rewrites", ()),
    ("pytensor", "config.numba__cache", ()),
    # compile_backend 'auto' looks up a structure's entry in the cache before compiling it
    ("pytensor.link.numba.cache", "CACHED_SRC_FUNCTIONS", ()),
    ("pytensor.link.numba.cache", "NUMBA_CACHE_PATH", ()),
    ("pytensor", "config.numba__fastmath", ()),
    (
        "nutpie.compiled_pyfunc",
        "from_pyfunc",
        (
            "ndim",
            "make_logp_fn",
            "make_expand_fn",
            "make_initial_point_fn",
            "expanded_dtypes",
            "expanded_shapes",
            "expanded_names",
            "shared_data",
            "dims",
            "coords",
        ),
    ),
    # mmm.model.start reads and replaces these fields of nutpie's Python-function model
    ("nutpie.compiled_pyfunc", "PyFuncModel._make_logp_func", ()),
    ("nutpie.compiled_pyfunc", "PyFuncModel._shared_data", ()),
    ("nutpie.compiled_pyfunc", "PyFuncModel._make_initial_points", ()),
)


def missing_cached_numba_api() -> str | None:
    """Why the installed PyTensor/nutpie cannot run :func:`compile_model`, or None when they can.

    Checks that every name in ``REQUIRED_API`` exists and that the functions still take the
    keyword arguments this module passes. Cheap: call it before each compile.

    Returns
    -------
    str or None
        One line: ``"PyTensor 3.4.0 lacks the cached-numba API mmm uses (no pytensor....)"``.
    """
    for module_name, path, keywords in REQUIRED_API:
        package = module_name.partition(".")[0]
        label = "PyTensor" if package == "pytensor" else package
        lacks = f"{label} {_version(package)} lacks the cached-numba API mmm uses"
        try:
            obj = importlib.import_module(module_name)
        except ImportError as exc:
            return f"{lacks} (import {module_name}: {' '.join(str(exc).split())})"
        try:
            for part in path.split("."):
                obj = _member(obj, part)
        except AttributeError:
            return f"{lacks} (no {module_name}.{path})"
        missing = [k for k in keywords if not _accepts(obj, k)]
        if missing:
            return f"{lacks} ({module_name}.{path} no longer takes {', '.join(missing)})"
    return None


def _member(obj: object, name: str) -> object:
    """``obj.name``, or the field ``name`` of a dataclass (which a class need not hold as an
    attribute); AttributeError when there is neither."""
    try:
        return getattr(obj, name)
    except AttributeError:
        if isinstance(obj, type) and dataclasses.is_dataclass(obj):
            fields = {f.name: f for f in dataclasses.fields(obj)}
            if name in fields:
                return fields[name]
        raise


def _accepts(func: Callable, keyword: str) -> bool:
    """Whether ``func`` can be called with ``keyword=...`` (named or through ``**kwargs``)."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):  # no signature to read (a builtin): assume it does
        return True
    return any(
        p.kind is p.VAR_KEYWORD
        or (p.name == keyword and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
        for p in params
    )


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "(version unknown)"


@functools.cache
def _nogil_linker_type() -> type:
    """PyTensor's Numba linker, with the final function compiled ``nogil`` and cached.

    Built on first use, so that importing this module needs none of PyTensor's internals.
    """
    from pytensor.link.numba.linker import NumbaLinker

    class NogilNumbaLinker(NumbaLinker):
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

    return NogilNumbaLinker


def _mode() -> Mode:
    linker = _nogil_linker_type()
    return Mode(
        linker(),
        RewriteDatabaseQuery(include=["fast_run", "numba"], exclude=linker.incompatible_rewrites),
    )


@dataclass(frozen=True)
class ModelFunctions:
    """A model's log density and stored draws as functions of one flat unconstrained point.

    Attributes
    ----------
    logp_and_grad : callable
        ``(x, *data) -> (logp, gradient)`` with the Jacobian of the transforms included.
    draws : callable
        ``(x, *data) -> tuple of arrays``: the free variables on their own scale, then the
        deterministics, in the order of ``names``.
    initial_point : callable
        ``seed -> x``: PyMC's jittered starting point, flattened.
    names, shapes : list
        Names and shapes of what ``draws`` returns.
    data : dict of str -> ndarray
        The model's ``pm.Data`` values, in the order ``logp_and_grad`` takes them.
    n_dim : int
        Length of ``x``.
    """

    logp_and_grad: Callable
    draws: Callable
    initial_point: Callable[[int], np.ndarray]
    names: list[str]
    shapes: list[tuple[int, ...]]
    data: dict[str, np.ndarray]
    n_dim: int


@dataclass(frozen=True)
class NumbaGraphs:
    """A model's log density and draws as Numba functions that are built but not yet compiled.

    Building them takes a second or two; the first call compiles them, or loads them from
    PyTensor's cache when a model of the same structure was compiled before (any data, any
    sizes). :meth:`in_cache` tells which without calling them.
    """

    logp_and_grad: Callable
    draws: Callable
    initial_point: Callable[[int], np.ndarray]
    names: list[str]
    data: dict[str, np.ndarray]
    n_dim: int
    start: tuple[np.ndarray, ...]

    def in_cache(self) -> bool:
        """Whether PyTensor's Numba cache holds both functions' compiled code."""
        return all(_in_numba_cache(f) for f in (self.logp_and_grad, self.draws))

    def cache_key(self) -> str:
        """The log density's key in PyTensor's Numba cache ('' when PyTensor caches nothing)."""
        return _cache_key(self.logp_and_grad) or ""

    def load(self) -> ModelFunctions:
        """Compile both functions, or load them from the cache."""
        self.logp_and_grad(*self.start)  # now, not in the first chain
        return ModelFunctions(
            logp_and_grad=self.logp_and_grad,
            draws=self.draws,
            initial_point=self.initial_point,
            names=self.names,
            shapes=[tuple(np.shape(v)) for v in self.draws(*self.start)],
            data=self.data,
            n_dim=self.n_dim,
        )


def numba_graphs(model: pm.Model) -> NumbaGraphs:
    """The log density and draws of ``model`` as Numba functions, built and not compiled.

    Parameters
    ----------
    model : pymc.Model
        Continuous free variables only; ``pm.Data`` variables become explicit inputs.

    Returns
    -------
    NumbaGraphs
    """
    free = list(model.free_RVs)
    values = [model.rvs_to_values[rv] for rv in free]
    initial = make_initial_point_fn(model=model, jitter_rvs=set(free), return_transformed=True)
    first = initial(0)
    # The point is unpacked with symbolic sizes (the dims' lengths are inputs like the data), so
    # the compiled code does not depend on how many geos, periods or channels the model has.
    flat = pt.vector("flat_point", dtype="float64")
    data_vars = [*model.data_vars, *_dim_lengths(model)]
    data_inputs = [var.type(name=var.name) for var in data_vars]
    replace = dict(zip(data_vars, data_inputs, strict=True))
    end = pt.constant(0, dtype="int64")
    for rv, value in zip(free, values, strict=True):
        shape = _value_shape(model, rv, value, replace)
        start, end = end, end + pt.prod(shape, dtype="int64") if len(shape) else end + 1
        replace[value] = flat[start:end].reshape(shape, ndim=value.ndim).astype(value.dtype)
    inputs = [flat, *data_inputs]

    logp = rewrite_graph(model.logp(), include=("canonicalize", "stabilize"))
    grad = pt.concatenate([g.ravel() for g in pt.grad(logp, values)])
    stored = [*free, *model.deterministics]
    mode = _mode()
    logp_fn = _compiled(inputs, graph_replace([logp, grad], replace, strict=False), mode)
    draw_graph = graph_replace(model.replace_rvs_by_values(stored), replace, strict=False)
    draws_fn = _compiled(inputs, draw_graph, mode)

    data = {var.name: np.asarray(var.get_value()) for var in data_vars}
    lock = threading.Lock()

    def initial_point(seed: int) -> np.ndarray:
        with lock:  # PyMC's initial-point function is not thread safe
            return _flatten(initial(seed), values)

    return NumbaGraphs(
        logp_and_grad=logp_fn,
        draws=draws_fn,
        initial_point=initial_point,
        names=[var.name for var in stored],
        data=data,
        n_dim=sum(int(np.size(first[v.name])) for v in values),
        start=(_flatten(first, values), *data.values()),
    )


def model_functions(model: pm.Model) -> ModelFunctions:
    """The log density and draws of ``model``, compiled or loaded from PyTensor's cache:
    ``numba_graphs(model).load()`` (see :func:`numba_graphs` for what ``model`` may hold)."""
    return numba_graphs(model).load()


def _cache_key(function: Callable) -> str | None:
    """The key of a function :func:`_compiled` built in PyTensor's Numba cache, if it has one."""
    from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS

    return CACHED_SRC_FUNCTIONS.get(getattr(function, "py_func", None))


def _in_numba_cache(function: Callable) -> bool:
    """Whether PyTensor's Numba cache holds an entry for a function :func:`_compiled` built."""
    from pytensor.link.numba.cache import NUMBA_CACHE_PATH

    key = _cache_key(function)
    return key is not None and any(NUMBA_CACHE_PATH.glob(f"*-{key}.*.nbi"))


def _dim_lengths(model: pm.Model) -> list:
    """The shared variables holding the model's dimension lengths (inputs of the point layout)."""
    return [v for v in model.dim_lengths.values() if isinstance(v, pytensor.compile.SharedVariable)]


def _value_shape(model: pm.Model, rv, value, inputs: dict) -> tuple:
    """Shape of a free variable's value: the lengths of its dims (as the compiled function's
    inputs, ``inputs`` maps each shared length to its input), else its fixed shape."""
    dims = model.named_vars_to_dims.get(rv.name)
    lengths = [model.dim_lengths.get(d) for d in dims or ()]
    if dims and len(dims) == value.ndim and all(n in inputs for n in lengths):
        return tuple(inputs[n].astype("int64") for n in lengths)
    return tuple(int(n) for n in model.initial_point()[value.name].shape)


def compile_model(model: pm.Model, graphs: NumbaGraphs | None = None):
    """A nutpie model of ``model`` whose log density and draws come from cached Numba code.

    Parameters
    ----------
    model : pymc.Model
        Continuous free variables only; ``pm.Data`` variables become swappable inputs.
    graphs : NumbaGraphs, optional
        ``numba_graphs(model)`` when the caller built them already.

    Returns
    -------
    nutpie.compiled_pyfunc.PyFuncModel
        Ready for :func:`nutpie.sample`; ``with_data(<data name>=array)`` swaps a dataset in.
    """
    from nutpie.compiled_pyfunc import from_pyfunc

    fns = (graphs or numba_graphs(model)).load()
    data_names = list(fns.data)

    def make_logp() -> Callable:
        def logp_and_grad(x: np.ndarray, /, **data: np.ndarray) -> tuple[float, np.ndarray]:
            value, gradient = fns.logp_and_grad(x, *[data[name] for name in data_names])
            return float(value), gradient

        return logp_and_grad

    def make_expand(_seed1: int, _seed2: int, _chain: int) -> Callable:
        def expand(x: np.ndarray, /, **data: np.ndarray) -> dict[str, np.ndarray]:
            draws = fns.draws(x, *[data[name] for name in data_names])
            return {
                name: np.asarray(v, dtype="float64").reshape(shape)
                for name, v, shape in zip(fns.names, draws, fns.shapes, strict=True)
            }

        return expand

    return from_pyfunc(
        ndim=fns.n_dim,
        make_logp_fn=make_logp,
        make_expand_fn=make_expand,
        make_initial_point_fn=fns.initial_point,
        expanded_dtypes=[np.dtype("float64")] * len(fns.names),
        expanded_shapes=fns.shapes,
        expanded_names=fns.names,
        shared_data=fns.data,
        dims={name: tuple(d) for name in fns.names if (d := model.named_vars_to_dims.get(name))},
        coords={dim: pd.Index(labels) for dim, labels in model.coords.items()},
    )


def _compiled(inputs: list, outputs: list, mode: Mode) -> Callable:
    """The Numba function of a PyTensor graph, called directly (no Function wrapper)."""
    function = pytensor.function(inputs, outputs, mode=mode, on_unused_input="ignore")
    return function.vm.jit_fn


def _flatten(point: dict[str, np.ndarray], values: list) -> np.ndarray:
    return np.concatenate([np.ravel(point[v.name]) for v in values]).astype("float64")


@dataclass(frozen=True)
class BackendChoice:
    """How a model is compiled for nutpie, and why (:func:`choose_compile_backend`)."""

    backend: str
    reason: str = ""
    graphs: NumbaGraphs | None = None

    def describe(self) -> str:
        """``'jax: first fit of this model structure'``, or the backend alone."""
        return f"{self.backend}: {self.reason}" if self.reason else self.backend


def choose_compile_backend(model: pm.Model, requested: str, long_run: bool) -> BackendChoice:
    """Resolve ``sampler.compile_backend`` for ``model``.

    'auto' takes the cached Numba code when PyTensor's cache holds this model structure (a
    refit: it loads in seconds and has the fastest gradient), and JAX when it does not (a first
    fit, or a config edit that changed the structure: XLA compiles in about a second where
    Numba takes tens of seconds, and samples 2-3x slower per gradient). A ``long_run`` (a geo
    panel, minutes of sampling) keeps Numba, whose faster gradient repays the compile; so does
    a machine without JAX or without the cached-Numba API.

    Parameters
    ----------
    model : pymc.Model
    requested : str
        ``sampler.compile_backend``: 'auto', 'numba', 'numba_cfunc' or 'jax'.
    long_run : bool
        Whether sampling will take minutes, not seconds.

    Returns
    -------
    BackendChoice
    """
    if requested != "auto":
        return BackendChoice(requested)
    if missing_cached_numba_api() is not None:
        return BackendChoice("numba")  # compile_for_nutpie says why and falls back
    try:
        graphs = numba_graphs(model)
    except (ImportError, AttributeError, TypeError):  # a changed internal the probe cannot see
        return BackendChoice("numba")  # compile_for_nutpie meets it again, says so, falls back
    if graphs.in_cache():
        return BackendChoice("numba", "model structure in the compile cache", graphs)
    if long_run:
        return BackendChoice("numba", "first fit of this structure; a panel samples long", graphs)
    if importlib.util.find_spec("jax") is None:
        return BackendChoice("numba", "first fit of this structure; JAX is not installed", graphs)
    return BackendChoice("jax", "first fit of this model structure, no Numba compile")


def compile_for_nutpie(
    model: pm.Model, compile_backend: str = "numba", graphs: NumbaGraphs | None = None
):
    """nutpie's model of ``model`` compiled with ``compile_backend`` ('auto' resolved before).

    Every fit (and the geo lift test) compiles through here; ``graphs`` are
    ``numba_graphs(model)`` when the caller built them already. 'numba' falls back to
    'numba_cfunc' with a one-line notice on stderr when the PyTensor or nutpie internals it
    needs are missing or changed (see :func:`missing_cached_numba_api`).
    """
    import nutpie

    if compile_backend == "numba":
        reason = missing_cached_numba_api()
        if reason is None:
            try:
                return compile_model(model, graphs)
            except (ImportError, AttributeError, TypeError) as exc:
                reason = (
                    f"the cached-numba API mmm uses failed on PyTensor {pytensor.__version__} "
                    f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]})"
                )
        notice = f"notice: {reason}; compiling with nutpie's numba backend (slower first compile)"
        print(notice, file=sys.stderr, flush=True)
        compile_backend = "numba_cfunc"
    if compile_backend == "numba_cfunc":
        return nutpie.compile_pymc_model(model, backend="numba")
    return nutpie.compile_pymc_model(model, backend="jax", gradient_backend="jax")
