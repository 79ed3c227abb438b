"""Flexible baselines: piecewise-linear and Gaussian-process trends (``trend: {type: ...}``).

Both are a basis in time times coefficients, ``trend(t) = B(t) @ trend_coef``, with ``t`` = 0 at
the first fitted period and 1 at the last (:func:`mmm.model.inputs.trend_feature`):

- ``piecewise``: ``B(t) = [t, max(0, t - s_1), ..., max(0, t - s_J)]`` with changepoints
  ``s_j`` evenly spaced in (0, 0.9]; the coefficients are the first slope (``priors.trend``)
  and the slope's changes (``priors.trend_changes``, Laplace). Past the data the trend goes on
  with its last slope.
- ``gp``: a straight line plus a Gaussian process with a squared-exponential kernel in
  PyMC's Hilbert-space approximation (HSGP): ``B(t) = [t, phi_1(t), ..., phi_m(t)]`` with the
  Laplace eigenfunctions ``phi`` on a box 1.5 times the fitted period's half-width; the first
  coefficient is the slope (``priors.trend``), the others standard normals times the square
  root of the kernel's spectral density at the configured ``amplitude`` and
  ``lengthscale_weeks``. Both hyperparameters are fixed: learned from one series, they formed
  a funnel with the weights that made nearly every fit diverge, while with them fixed the GP is
  a Gaussian prior on the weights (data: ``trend_gp_scale``), as easy to sample as the
  piecewise trend, and another lengthscale or amplitude reuses the compiled model. The line
  carries the overall growth, which a GP with a lengthscale shorter than the data would have
  to bend into. Past the data the line goes on and the GP part is followed for a fifth of the
  fitted period (:data:`GP_EXTENSION`), then held flat: a GP reverts to its mean far from
  data, and the box's edge would reflect it.

The model uses ``B`` centred over the fitted periods (the level absorbs the means); the
decomposition uses it as is, and the baseline takes the difference.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc.gp.hsgp_approx import calc_eigenvalues, calc_eigenvectors

from mmm.errors import ConfigError
from mmm.model.config import Config, GpTrend, PiecewiseTrend
from mmm.model.priors import prior_rv

#: The changepoints of a piecewise trend sit in the first this share of the fitted period.
CHANGEPOINT_RANGE = 0.9
#: HSGP box: this many times the half-width of the fitted period (PyMC's ``c``).
GP_BOX = 1.5
#: A GP trend is followed this far (in fitted-period lengths) past the data, then held flat.
GP_EXTENSION = 0.2
#: HSGP needs ``basis_functions >= GP_RESOLUTION * GP_BOX * 0.5 / lengthscale`` (t units)
#: to approximate the kernel well (Riutort-Mayol et al., 2022, for the squared exponential).
GP_RESOLUTION = 1.75

FlexibleTrend = PiecewiseTrend | GpTrend


def flexible_trend(config: Config) -> FlexibleTrend | None:
    """The config's piecewise or GP trend, or None for ``linear`` and ``none``."""
    return config.trend if isinstance(config.trend, PiecewiseTrend | GpTrend) else None


def describe_trend(config: Config) -> str:
    """The trend setting in words (fit output and report)."""
    trend = config.trend
    if isinstance(trend, PiecewiseTrend):
        return f"piecewise linear, {trend.changepoints} changepoints"
    if isinstance(trend, GpTrend):
        return (
            f"Gaussian process (HSGP, {trend.basis_functions} basis functions, "
            f"lengthscale {trend.lengthscale_weeks:g} weeks, amplitude {trend.amplitude:g})"
        )
    return trend


def basis_names(trend: FlexibleTrend) -> list[str]:
    """Coordinate labels of the trend's coefficients."""
    if isinstance(trend, PiecewiseTrend):
        return ["slope"] + [f"change_{j + 1}" for j in range(trend.changepoints)]
    return ["slope"] + [f"gp_{j + 1}" for j in range(trend.basis_functions)]


def changepoints(trend: PiecewiseTrend) -> np.ndarray:
    """Where the slope may change, in ``t`` units (0 = first fitted period, 1 = last)."""
    return np.linspace(0.0, CHANGEPOINT_RANGE, trend.changepoints + 1)[1:]


def _gp_eigenvalues(trend: GpTrend) -> np.ndarray:
    return calc_eigenvalues(np.array([GP_BOX * 0.5]), [trend.basis_functions])  # (m, 1)


def trend_basis(trend: FlexibleTrend, t: np.ndarray) -> np.ndarray:
    """The trend's basis at times ``t`` (0 = first fitted period, 1 = last), shape (len(t), K).

    Parameters
    ----------
    trend : PiecewiseTrend or GpTrend
    t : ndarray
        Times; values past 1 extend the trend (see the module doc).

    Returns
    -------
    ndarray
        Not centred.
    """
    t = np.asarray(t, dtype=float)
    if isinstance(trend, PiecewiseTrend):
        return np.column_stack([t] + [np.maximum(0.0, t - s) for s in changepoints(trend)])
    x = np.minimum(t, 1.0 + GP_EXTENSION) - 0.5  # centred on the fitted period
    box = np.array([GP_BOX * 0.5])
    phi = calc_eigenvectors(x[:, None], box, _gp_eigenvalues(trend), [trend.basis_functions])
    return np.column_stack([t, np.asarray(phi.eval())])


def _spectral_density(frequencies: np.ndarray, lengthscale: float) -> np.ndarray:
    """The squared-exponential kernel's spectral density (unit variance, one dimension)."""
    return np.sqrt(2.0 * np.pi) * lengthscale * np.exp(-0.5 * (lengthscale * frequencies) ** 2)


def trend_model_data(trend: FlexibleTrend, t: np.ndarray, period_days: float) -> dict:
    """The model's data of a flexible trend over the fitted periods ``t``.

    Keys: ``trend_basis`` (T, K), centred; for a GP also ``trend_gp_scale`` (K - 1,), the
    prior standard deviation of each basis function's weight (amplitude times the square root
    of the kernel's spectral density at its frequency).

    Raises
    ------
    ConfigError
        When a GP's lengthscale is too short for its basis functions over this many periods.
    """
    basis = trend_basis(trend, t)
    data = {"trend_basis": basis - basis.mean(axis=0)}
    if isinstance(trend, GpTrend):
        periods = trend.lengthscale_weeks * 7.0 / period_days
        lengthscale = periods / max(len(t) - 1, 1)
        needed = int(np.ceil(GP_RESOLUTION * GP_BOX * 0.5 / lengthscale))
        if trend.basis_functions < needed:
            raise ConfigError(
                f"a lengthscale of {trend.lengthscale_weeks:g} weeks over {len(t)} "
                f"periods needs basis_functions >= {needed} (got {trend.basis_functions}); "
                "raise basis_functions or lengthen lengthscale_weeks",
                key="trend",
            )
        data["trend_gp_scale"] = trend.amplitude * np.sqrt(
            _spectral_density(np.sqrt(_gp_eigenvalues(trend)[:, 0]), lengthscale)
        )
    return data


def trend_term(config: Config, trend: FlexibleTrend, data: dict) -> pt.TensorVariable:
    """The flexible trend's contribution to mu over the fitted periods, shape (T,).

    Adds ``trend_coef`` (dims ``trend_basis``) to the model, with the variables of the
    module doc. ``data`` holds the model's data variables (:func:`trend_model_data`'s keys).
    """
    priors = config.priors
    slope = prior_rv("trend", priors.trend)
    if isinstance(trend, PiecewiseTrend):
        changes = prior_rv("trend_changes", priors.trend_changes, dims="changepoint")
        coef = pt.concatenate([slope[None], changes])
    else:
        weights = pm.Normal("trend_gp_z", 0.0, 1.0, dims="gp_basis")
        coef = pt.concatenate([slope[None], weights * data["trend_gp_scale"]])
    coef = pm.Deterministic("trend_coef", coef, dims="trend_basis")
    return pt.dot(data["trend_basis"], coef)
