"""Where the chains start: near the posterior mode, found on the compiled log density.

From PyMC's jittered initial point, a large panel's chains spend their first warm-up iterations
far from the posterior, where nutpie's trajectories run to its maximum tree depth (1023
gradients each); at 200 geos x 20 channels that is most of the fit. A few hundred L-BFGS
iterations on the same compiled log density and gradient (about one gradient each, less than
one such trajectory in all) bring the starting point near the mode first; each chain starts at
that point plus a small jitter of its own, and the warm-up adapts from there
(``benchmarks/warmup_depth.py`` measures both starts).

The optimizer stops after :data:`MODE_ITERATIONS` iterations whether or not it has converged:
a point near the mode is all the warm-up needs, and the posterior does not depend on it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from mmm.model.nutpie_import import import_nutpie

#: L-BFGS iterations towards the mode (each about one gradient).
MODE_ITERATIONS = 300

#: Standard deviation of each chain's jitter around the point found, in the unconstrained
#: space: small beside the posterior's spread of most parameters, so the chains start apart
#: without starting in the tails.
START_JITTER = 0.05


def mode_point(
    logp_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start: np.ndarray,
    iterations: int = MODE_ITERATIONS,
) -> np.ndarray:
    """A point near the mode of a log density, by at most ``iterations`` of L-BFGS.

    Parameters
    ----------
    logp_and_grad : callable
        ``x -> (log density, gradient)`` on the unconstrained space.
    start : numpy.ndarray
        Where the search starts.
    iterations : int
        Most L-BFGS iterations.

    Returns
    -------
    numpy.ndarray
        The best point found; ``start`` itself when no point with a finite log density
        was better.
    """

    def negative(x: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = logp_and_grad(x)
        if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
            return np.inf, np.zeros_like(x)  # L-BFGS backs off from it
        return -float(value), -np.asarray(gradient, dtype=float)

    from scipy import optimize  # here: only models that start near the mode need it

    result = optimize.minimize(
        negative, start, jac=True, method="L-BFGS-B", options={"maxiter": iterations}
    )
    return result.x if np.isfinite(result.fun) and result.fun <= negative(start)[0] else start


def can_start_near_mode(compiled) -> bool:
    """Whether ``compiled`` is the kind of nutpie model :func:`start_near_mode` handles (the one
    ``compile_backend: numba`` makes; nutpie's own compiled models keep their start)."""
    import_nutpie()
    from nutpie.compiled_pyfunc import PyFuncModel

    return isinstance(compiled, PyFuncModel)


def start_near_mode(compiled, start: np.ndarray | None = None):
    """``compiled`` (a nutpie model) with its chains starting near the posterior mode.

    Parameters
    ----------
    compiled : nutpie.compiled_pyfunc.PyFuncModel
        The model with the data it will sample (e.g. after a pilot's ``with_data``).
    start : numpy.ndarray, optional
        Where the search starts (e.g. the point found for an earlier run of the same model);
        default: the model's own initial point.

    Returns
    -------
    compiled : nutpie.compiled_pyfunc.PyFuncModel
        A copy whose initial point for a chain seeded ``s`` is the point found plus
        Normal(0, :data:`START_JITTER`) noise drawn with seed ``s``.
    point : numpy.ndarray
        The point found.
    """
    logp = compiled._make_logp_func()
    data = compiled._shared_data
    first = compiled._make_initial_points(0) if start is None else start
    point = mode_point(lambda x: logp(x, **data), np.asarray(first, dtype=float))

    def initial_point(seed) -> np.ndarray:
        noise = np.random.default_rng(seed).normal(0.0, START_JITTER, point.size)
        return point + noise

    return dataclasses.replace(compiled, _make_initial_points=initial_point), point
