"""A model structure's rewritten graphs, kept on disk so that a refit need not rewrite them again.

Before PyTensor's Numba cache can tell whether it holds a model's compiled code, the model's log
density, gradient and stored quantities are rewritten (PyTensor's ``fast_run`` rewrites: about
a second for the example, two fifths of a warm refit's model stage), because the cache key is a
hash of the rewritten graph. The rewrite is a deterministic function of the graph as PyMC builds
it, of how the flat point and the data enter it, and of the code and settings that rewrite it.
So after a structure's code is compiled or loaded its two rewritten graphs are pickled under a
key of all of those, and the next fit of the structure (any data, any sizes) unpickles them in
about 10 ms. The Numba cache keys of their callbacks, computed from these very graphs when they
were compiled or loaded, are kept with them, so that a refit can load the callbacks without
converting the graphs for Numba again (:func:`mmm.model.nuts.numba_graphs`).

The key is complete only for graphs whose operations are described by their ``__props__`` and
hold no inner graph (a Scan's or a Composite's inner graph would enter the fingerprint through
its repr alone): :func:`storable` says whether a graph qualifies; others are rewritten every
time, as before.
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pytensor.graph.basic import Variable
from pytensor.graph.destroyhandler import DestroyHandler
from pytensor.graph.fg import FunctionGraph
from pytensor.graph.op import HasInnerGraph
from pytensor.graph.traversal import toposort

from mmm.model.structures import graph_fingerprint, python_tag

#: Raise when the stored format changes (files of another format are then never read).
_FORMAT = "rewritten-graphs-2"

#: Pickling a graph recurses once per link; deep graphs (large panels) need more than Python's
#: default of 1,000 frames.
_RECURSION_LIMIT = 20_000


@dataclass(frozen=True)
class RewrittenGraphs:
    """The rewritten log density (with its gradient) and stored quantities of one structure,
    and the keys of their compiled callbacks in PyTensor's Numba cache ('' when unknown)."""

    logp: FunctionGraph
    draws: FunctionGraph
    logp_cache_key: str = ""
    draws_cache_key: str = ""


def storable(outputs: Sequence[Variable]) -> bool:
    """Whether a graph's fingerprint describes it completely, so its rewrite may be kept.

    True when every operation declares ``__props__`` (the fingerprint reads them) and neither
    it nor its scalar or core operation holds an inner graph.
    """
    for node in toposort(list(outputs)):
        op = node.op
        if getattr(type(op), "__props__", None) is None:
            return False
        parts = (op, getattr(op, "scalar_op", None), getattr(op, "core_op", None))
        if any(isinstance(part, HasInnerGraph) for part in parts):
            return False
    return True


def rewritten_key(
    fingerprint: str, layout: Sequence[Variable], data_inputs: Sequence[Variable], recipe: str
) -> str:
    """The key of a structure's rewritten graphs.

    Parameters
    ----------
    fingerprint : str
        The structure's fingerprint (:func:`mmm.model.nuts.structure_fingerprint`).
    layout : sequence of Variable
        Each free variable's value as a piece of the flat point, in the point's order.
    data_inputs : sequence of Variable
        The compiled graphs' data inputs, in order.
    recipe : str
        What else decides the rewrite: the code that builds and rewrites the graphs and the
        settings it reads.
    """
    inputs = ";".join(f"{var.name}:{var.type}" for var in data_inputs)
    salt = f"{_FORMAT} {fingerprint} {recipe} inputs={inputs}"
    return graph_fingerprint(list(layout), salt)


def folder() -> Path:
    """Where this Python's rewritten graphs live: in PyTensor's Numba cache folder, beside the
    structures' markers, so that clearing the cache clears them too."""
    import pytensor

    return Path(pytensor.config.base_compiledir) / "numba" / "mmm-graphs" / python_tag()


def load(key: str) -> RewrittenGraphs | None:
    """The rewritten graphs kept under ``key``; None when there are none or they cannot be read
    (a file that fails to load is removed, and the graphs are rewritten as for a new key)."""
    path = folder() / f"{key}.pkl"
    if not path.is_file():
        return None
    try:
        with path.open("rb") as stream, _deep_recursion():
            logp, draws, keys = pickle.load(stream)
        return RewrittenGraphs(_function_graph(*logp), _function_graph(*draws), *keys)
    except Exception:  # a truncated or foreign file: rewrite instead, and store afresh later
        path.unlink(missing_ok=True)
        return None


def save(key: str, graphs: RewrittenGraphs) -> None:
    """Keep ``graphs`` under ``key`` (written to a temporary file and renamed into place)."""
    target = folder()
    target.mkdir(parents=True, exist_ok=True)
    parts = [(list(g.inputs), list(g.outputs)) for g in (graphs.logp, graphs.draws)]
    parts.append((graphs.logp_cache_key, graphs.draws_cache_key))
    with _deep_recursion():
        payload = pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL)
    fd, temporary = tempfile.mkstemp(dir=target, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(payload)
        os.replace(temporary, target / f"{key}.pkl")
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _function_graph(inputs: list[Variable], outputs: list[Variable]) -> FunctionGraph:
    """A graph ready for PyTensor's Numba conversion. The destroy handler orders operations
    that overwrite an input after every other reader of it, as in the graph that was stored
    (the conversion runs operations in ``FunctionGraph.toposort`` order)."""
    graph = FunctionGraph(inputs, outputs, clone=False)
    graph.attach_feature(DestroyHandler())
    return graph


class _deep_recursion:
    """Raise Python's recursion limit for a pickle of a deep graph, and restore it after."""

    def __enter__(self) -> None:
        self._limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(self._limit, _RECURSION_LIMIT))

    def __exit__(self, *_exc: object) -> None:
        sys.setrecursionlimit(self._limit)
