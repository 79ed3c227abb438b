"""Which model structures PyTensor's Numba cache holds, known before building their Numba graphs.

Whether the cache holds a model's compiled code is known for certain only from the key of its
rewritten graph, and rewriting and converting the graph for Numba takes a second or two: time
that a structure the cache lacks (a first fit, an edit that changed the model) spends only to
learn that it must sample with JAX. So each structure whose Numba code was compiled or loaded
leaves a marker named by a fingerprint of the model's graph *as PyMC defines it*
(:func:`model_graph`), which takes about 20 ms to compute. No marker: the structure is taken
to be new. A marker: the caller goes on to build or unpickle the structure's graphs.

The fingerprint also keys the rewritten graphs kept on disk (:mod:`mmm.model.rewritten`), and
with them the cache keys of the compiled callbacks a refit loads, so it must tell apart any two
models whose log densities differ. It reads every operation, type and constant of the random
variables, observed data, potentials and stored quantities, each free variable's transform and
the settings ``model.logp()`` reads: everything PyMC derives the log density from. Data and
parameters enter by name and type only, so a model with other data or other sizes (geos,
weeks, channels, lags held as data) has the same fingerprint. A model this cannot describe (see
:func:`mmm.model.nuts.structure_fingerprint`) is fingerprinted by its log density instead.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pytensor.compile import SharedVariable
from pytensor.graph.basic import Constant, Variable
from pytensor.graph.traversal import toposort

#: The packages whose versions change the compiled code (a new version starts without markers).
_VERSIONED = ("pytensor", "numba", "pymc", "nutpie")

#: A memory address in a repr ("<function f at 0x7f...>") differs from process to process.
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def python_tag() -> str:
    """This Python in Numba's cache file names: 'py313'."""
    return f"py{sys.version_info.major}{sys.version_info.minor}{getattr(sys, 'abiflags', '')}"


def graph_fingerprint(outputs: Sequence[Variable], salt: str = "") -> str:
    """A hex digest of the graph computing ``outputs``: the same in every process for the same
    operations, types and constants, whatever values the data and sizes hold.

    Parameters
    ----------
    outputs : sequence of pytensor Variable
    salt : str
        Mixed in (what else the compiled code depends on, such as compile flags).

    Returns
    -------
    str
        64 hex digits.
    """
    digest = hashlib.sha256(salt.encode())
    names: dict[Variable, str] = {}

    def name(var: Variable) -> str:
        if var not in names:
            names[var] = f"v{len(names)}"
            digest.update(f"{names[var]}={_leaf_text(var)};".encode())
        return names[var]

    for node in toposort(list(outputs)):
        arguments = ",".join(name(var) for var in node.inputs)
        results = []
        for out in node.outputs:
            names[out] = f"v{len(names)}"
            results.append(f"{names[out]}:{out.type}")
        digest.update(f"{','.join(results)}={_op_text(node.op)}({arguments});".encode())
    digest.update(("out " + ",".join(name(var) for var in outputs)).encode())
    return digest.hexdigest()


def model_graph(model) -> tuple[list[Variable], str]:
    """What PyMC derives ``model``'s log density from, for :func:`graph_fingerprint`.

    The outputs are every random variable as the model defines it (its distribution and the
    graphs of its parameters), the observed data, the potentials, and the free variables and
    deterministics in terms of the value variables (which shows each free variable's transform);
    the text names each free variable's transform and the settings ``model.logp()`` reads.
    Given PyMC's version, the log density and its gradient follow from these, so the
    fingerprint of a model needs no log density built (a quarter of a second).

    Parameters
    ----------
    model : pymc.Model

    Returns
    -------
    outputs : list of pytensor Variable
    settings : str
    """
    observed = [model.rvs_to_values[rv] for rv in model.observed_RVs]
    stored = model.replace_rvs_by_values([*model.free_RVs, *model.deterministics])
    outputs = [*model.basic_RVs, *observed, *model.potentials, *stored]
    transforms = [
        f"{rv.name}:{_object_text(model.rvs_to_transforms.get(rv))}" for rv in model.free_RVs
    ]
    sizes = getattr(model, "rvs_to_total_sizes", {})
    total_sizes = [f"{rv.name}:{size}" for rv, size in sizes.items() if size is not None]
    settings = f"check_bounds={model.check_bounds} transforms {transforms} sizes {total_sizes}"
    return outputs, settings


def _object_text(obj: object) -> str:
    """A transform (or None) by its class and state, without memory addresses."""
    if obj is None:
        return "None"
    state = sorted((k, repr(v)) for k, v in vars(obj).items())
    return _ADDRESS.sub("", f"{type(obj).__module__}.{type(obj).__qualname__}{state}")


def _leaf_text(var: Variable) -> str:
    """A graph input: a constant by its value, data and parameters by name and type."""
    if isinstance(var, Constant):
        data = np.ascontiguousarray(var.data)
        # an object array's bytes are addresses (a random variable's size None is one)
        raw = _ADDRESS.sub("", repr(var.data)).encode() if data.dtype.hasobject else data.tobytes()
        value = hashlib.sha256(raw).hexdigest()[:32]
        return f"constant {var.type} {data.dtype}{data.shape} {value}"
    kind = "data" if isinstance(var, SharedVariable) else "input"
    return f"{kind} {var.name} {var.type}"


def _op_text(op: object) -> str:
    props = getattr(op, "__props__", None)
    body = ",".join(f"{p}={getattr(op, p)!r}" for p in props) if props else repr(op)
    return _ADDRESS.sub("", f"{type(op).__module__}.{type(op).__qualname__}({body})")


def versions_salt() -> str:
    """The versions of the packages behind the compiled code, and this Python."""
    parts = [python_tag()]
    for package in _VERSIONED:
        try:
            parts.append(f"{package}={importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{package}=?")
    return " ".join(parts)


def marker_folder() -> Path:
    """Where this Python's markers live: in PyTensor's Numba cache folder, so that clearing the
    cache clears them too (named as ``pytensor.link.numba.cache`` names it, without importing
    that module and Numba with it: a fit that samples with JAX needs neither)."""
    import pytensor

    return Path(pytensor.config.base_compiledir) / "numba" / "mmm-structures" / python_tag()


def markers_kept() -> bool:
    """Whether this Python's cache has kept markers (one was ever written). A cache filled
    before mmm wrote them holds structures without markers, whose absence then proves nothing."""
    return marker_folder().is_dir()


def remember(fingerprint: str) -> None:
    """Mark the structure of ``fingerprint`` as compiled into the cache."""
    folder = marker_folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / fingerprint).touch()


def remembered(fingerprint: str) -> bool:
    """Whether a structure of ``fingerprint`` was compiled into (or loaded from) the cache."""
    return (marker_folder() / fingerprint).is_file()
