"""A model's compiled Numba code as C callbacks that nutpie's sampler calls without Python.

nutpie samples a Python-function model by calling into Python for every gradient, holding the
GIL for the call. With two chains the calls queue for it: at 156 weeks x 5 channels a gradient
that takes 31 microseconds cost 137 in the sampler, and two chains sampled 2.4x slower than one.
Here the log density and the draws are compiled as ``numba.cfunc`` callbacks with the
signatures of nutpie's compiled-PyMC models; the sampler's threads call them directly, in
parallel. The callbacks are generated per graph (:func:`callback_source`) and cached in
PyTensor's Numba cache under the graph's key, so a refit loads them like the graph itself.

The data travel as one int64 array, the *header*: for each input its address, then its shape
(:func:`pack_inputs`). The arrays must outlive every call that reads the header.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mmm.model.nutpie_import import import_nutpie

#: nutpie's return codes for a log density: a non-finite gradient, a non-finite value (both
#: rejected steps, not errors), and an exception in the compiled code.
NONFINITE_GRADIENT, NONFINITE_LOGP, FAILED = 3, 4, 1


@dataclass(frozen=True)
class InputType:
    """What a compiled graph takes for one data input: its dtype and number of dimensions."""

    dtype: str
    ndim: int


def callback_source(kind: str, inputs: Sequence[InputType], n_outputs: int) -> str:
    """Python source of a callback around ``jitable_func`` (the graph's Numba function).

    Parameters
    ----------
    kind : str
        'logp': ``(dim, x, gradient_out, logp_out, header) -> int``, the graph returning the
        log density and its gradient. 'expand': ``(dim, n_expanded, x, out, header) -> int``,
        the graph returning the stored variables, written one after another, flattened.
    inputs : sequence of InputType
        The graph's data inputs, after the point ``x``.
    n_outputs : int
        The graph's outputs (2 for 'logp').
    """
    lines, names = [], []
    at = 0
    for i, spec in enumerate(inputs):
        shape = "".join(f"header[{at + 1 + d}], " for d in range(spec.ndim))
        lines.append(
            f"        d{i} = carray(address_as_pointer(header[{at}]), ({shape}), np.{spec.dtype})"
        )
        names.append(f"d{i}")
        at += 1 + spec.ndim
    call = f"jitable_func({', '.join(['x', *names])})"
    if kind == "logp":
        head = "def logp_callback(dim, x_, out_, logp_, header_):"
        body = [
            "        out = carray(out_, (dim,))",
            f"        value, gradient = {call}",
            "        logp_[0] = value[()]",
            "        out[:] = gradient",
        ]
        checks = [
            "    if not np.isfinite(logp_[0]):",
            f"        return {NONFINITE_LOGP}",
            "    for g in out:",
            "        if not np.isfinite(g):",
            f"            return {NONFINITE_GRADIENT}",
        ]
    else:
        head = "def expand_callback(dim, expanded, x_, out_, header_):"
        outputs = "".join(f"o{i}, " for i in range(n_outputs))
        body = [
            "        out = carray(out_, (expanded,))",
            f"        ({outputs}) = {call}",
            "        at = 0",
        ]
        for i in range(n_outputs):
            body += [
                f"        flat = np.asarray(o{i}).ravel()",
                "        out[at : at + flat.size] = flat",
                "        at += flat.size",
            ]
        checks = []
    return "\n".join(
        [
            head,
            f"    header = carray(header_, ({max(at, 1)},), np.int64)",
            "    x = carray(x_, (dim,))",
            "    try:",
            *lines,
            *body,
            "    except Exception:",
            f"        return {FAILED}",
            *checks,
            "    return 0",
            "",
        ]
    )


def pack_inputs(
    arrays: Sequence[Any], inputs: Sequence[InputType]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The header for ``arrays`` and the arrays it points to (keep both alive while in use).

    Each array is converted to its input's dtype, C order; a wrong number of dimensions raises
    ValueError, since the compiled code would read past the header.
    """
    held, header = [], []
    for i, (value, spec) in enumerate(zip(arrays, inputs, strict=True)):
        array = np.asarray(value, dtype=spec.dtype, order="C")
        if array.ndim != spec.ndim:
            raise ValueError(
                f"data input {i} has {array.ndim} dimensions; the compiled model takes {spec.ndim}"
            )
        held.append(array)
        header += [array.ctypes.data, *array.shape]
    return np.array(header or [0], dtype=np.int64), held


def _signatures() -> dict[str, Any]:
    from numba import types

    doubles = types.CPointer(types.double)
    return {
        "logp": types.int64(types.uint64, doubles, doubles, doubles, types.voidptr),
        "expand": types.int64(types.uint64, types.uint64, doubles, doubles, types.voidptr),
    }


class Callback:
    """One graph's C callback, compiled (or loaded from the cache) on first use.

    Parameters
    ----------
    py_func : callable
        The function :func:`callback_source` describes, registered in PyTensor's Numba cache.
    kind : str
        'logp' or 'expand'.
    inputs : list of InputType
        The graph's data inputs.
    cache : bool
        Whether numba may cache it (the graph has a cache key).
    """

    def __init__(self, py_func: Any, kind: str, inputs: list[InputType], cache: bool):
        self.py_func = py_func
        self.kind = kind
        self.inputs = inputs
        self._cache = cache
        self._compiled = None
        self._lock = threading.Lock()

    def compiled(self) -> Any:
        """The ``numba.cfunc``: compiled, or loaded from PyTensor's Numba cache, once."""
        with self._lock:
            if self._compiled is None:
                import numba

                signature = _signatures()[self.kind]
                self._compiled = numba.cfunc(signature, cache=self._cache)(self.py_func)
            return self._compiled

    @property
    def address(self) -> int:
        """The callback's address, for nutpie."""
        return self.compiled().address

    def logp_and_grad(self, x: np.ndarray, arrays: Sequence[Any]) -> tuple[float, np.ndarray]:
        """Call a 'logp' callback from Python: the log density and its gradient at ``x``."""
        x = np.ascontiguousarray(x, dtype=np.float64)
        header, _held = pack_inputs(arrays, self.inputs)
        gradient, value = np.empty_like(x), np.empty(1)
        code = self.compiled().ctypes(
            x.size,
            _doubles(x),
            _doubles(gradient),
            _doubles(value),
            header.ctypes.data_as(ctypes.c_void_p),
        )
        if code == FAILED:
            raise RuntimeError("the compiled log density raised an error (check the data inputs)")
        return float(value[0]), gradient

    def expand(self, x: np.ndarray, arrays: Sequence[Any], size: int) -> np.ndarray:
        """Call an 'expand' callback from Python: the stored variables at ``x``, flattened."""
        x = np.ascontiguousarray(x, dtype=np.float64)
        header, _held = pack_inputs(arrays, self.inputs)
        out = np.empty(size)
        code = self.compiled().ctypes(
            x.size, size, _doubles(x), _doubles(out), header.ctypes.data_as(ctypes.c_void_p)
        )
        if code != 0:
            raise RuntimeError(
                "the compiled draws function raised an error (check the data inputs)"
            )
        return out


def _doubles(array: np.ndarray) -> Any:
    return array.ctypes.data_as(ctypes.POINTER(ctypes.c_double))


@functools.cache
def code_tag() -> str:
    """A digest of this module's code, which writes and calls the callbacks: part of their
    keys in PyTensor's Numba cache, since the graph's own key does not cover it (a callback
    cached by an earlier version of this module is then never loaded)."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


@functools.cache
def address_as_pointer() -> Any:
    """A Numba intrinsic: an int64 address as a ``void*`` (for ``numba.carray``)."""
    from numba.core import cgutils, types
    from numba.extending import intrinsic

    @intrinsic
    def address_as_pointer(typingctx, address):
        def codegen(context, builder, signature, args):
            return builder.inttoptr(args[0], cgutils.voidptr_t)

        return types.voidptr(address), codegen

    return address_as_pointer


def callback_globals(jitable_func: Any) -> dict[str, Any]:
    """The names a :func:`callback_source` function uses."""
    import numba

    return {
        "__name__": __name__,
        "jitable_func": jitable_func,
        "np": np,
        "carray": numba.carray,
        "address_as_pointer": address_as_pointer(),
    }


@functools.cache
def callback_model_type() -> type:
    """nutpie's Python-function model whose sampler calls :class:`Callback` s instead.

    Everything else (``with_data``, the Python log density that :mod:`mmm.model.start` uses,
    the initial points) is the Python-function model's; the sampler reads the data from
    ``_shared_data`` when it starts.
    """
    import_nutpie()
    from nutpie import _lib
    from nutpie.compiled_pyfunc import PyFuncModel

    @dataclass(frozen=True)
    class CallbackModel(PyFuncModel):
        _logp_callback: Callback | None = None
        _expand_callback: Callback | None = None
        _data_names: tuple[str, ...] = ()
        _n_expanded: int = 0

        def callback_density(self):
            """nutpie's model of the callbacks, reading the data as they are now."""
            arrays = [self._shared_data[name] for name in self._data_names]
            header, held = pack_inputs(arrays, self._logp_callback.inputs)
            keep = (self, header, held)  # alive as long as nutpie holds the functions
            address = header.ctypes.data
            return _lib.PyMcModel(
                _lib.LogpFunc(self._logp_callback.address, address, keep),
                _lib.ExpandFunc(
                    self.n_dim, self._n_expanded, self._expand_callback.address, address, keep
                ),
                self._variables,
                self.n_dim,
                self._dim_sizes,
                self._coords,
                self._make_initial_points,
                None,
            )

        def _make_sampler(self, settings, init_mean, cores, progress_type, *rest):
            density = self.callback_density()
            return _lib.PySampler.from_pymc(settings, cores, density, progress_type, *rest)

    return CallbackModel
