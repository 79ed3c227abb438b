"""Response curves, adstock decay curves and the additive decomposition, as xarray.

Everything works from a :class:`~mmm.model.fit.FittedModel` (fresh or loaded), evaluates the model's
own transform code with numpy on the posterior draws and reports original units with a central
posterior interval (``prob``, default ``fitted.config.interval``).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from mmm.analysis.intervals import interval
from mmm.analysis.posterior import (
    channel_contributions,
    component_draws,
    geo_contribution_totals,
)
from mmm.model.fit import FittedModel


def _prob(fitted: FittedModel, prob: float | None) -> float:
    return float(fitted.config.interval if prob is None else prob)


def multiplier_grid(n_points: int = 41, max_multiplier: float = 2.0) -> np.ndarray:
    """Spend multipliers ``0..max_multiplier`` that always include exactly ``1.0``.

    Parameters
    ----------
    n_points : int
        Number of evenly spaced points (one more when 1.0 is not among them).
    max_multiplier : float
        Largest multiplier (>= 1).

    Returns
    -------
    ndarray
        Sorted unique multipliers.
    """
    if n_points < 2:
        raise ValueError("n_points must be at least 2")
    if max_multiplier < 1.0:
        raise ValueError("max_multiplier must be at least 1 (the current spend)")
    grid = np.round(np.linspace(0.0, max_multiplier, n_points), 12)
    return np.unique(np.concatenate([grid, [1.0]]))


def response_curves(
    fitted: FittedModel,
    n_points: int = 41,
    max_multiplier: float = 2.0,
    prob: float | None = None,
) -> xr.Dataset:
    """Total contribution of each channel as its historical spend is scaled up or down.

    Channel ``m``'s spend in every period is multiplied by each multiplier (keeping its
    flighting pattern); the other channels stay as observed. Channels do not interact in the
    additive model, so one evaluation per multiplier serves all channels at once.

    Parameters
    ----------
    fitted : FittedModel
    n_points : int
        Points between 0 and ``max_multiplier`` (1.0 is always one of them).
    max_multiplier : float
        Largest multiple of the current spend.
    prob : float, optional
        Central interval probability; ``fitted.config.interval`` when omitted.

    Returns
    -------
    xarray.Dataset
        Dims (channel, multiplier). Variables ``spend`` (total spend over the data period,
        original units) and ``contribution_mean``, ``contribution_lo``, ``contribution_hi``
        (total contribution over the data period, KPI units).
    """
    prob = _prob(fitted, prob)
    multipliers = multiplier_grid(n_points, max_multiplier)
    spend = fitted.dataset.geo_spend
    totals = np.stack(
        [channel_contributions(fitted, spend * k).sum(axis=1) for k in multipliers], axis=-1
    )  # (S, M, K)
    stats = interval(totals, prob)
    channels = list(fitted.config.channel_names)
    return xr.Dataset(
        {
            "spend": (("channel", "multiplier"), spend.sum(axis=(0, 1))[:, None] * multipliers),
            "contribution_mean": (("channel", "multiplier"), stats["mean"]),
            "contribution_lo": (("channel", "multiplier"), stats["lo"]),
            "contribution_hi": (("channel", "multiplier"), stats["hi"]),
        },
        coords={"channel": channels, "multiplier": multipliers},
        attrs={"interval": prob, "period_start": str(fitted.dataset.dates[0].date()),
               "period_end": str(fitted.dataset.dates[-1].date())},
    )  # fmt: skip


def geo_response_curves(
    fitted: FittedModel,
    n_points: int = 21,
    max_multiplier: float = 2.0,
    prob: float | None = None,
    max_draws: int = 400,
) -> xr.Dataset:
    """Each geo's response curves: its contribution as its own spend on a channel is scaled.

    As :func:`response_curves`, per geo (the other geos and channels as observed), on at most
    ``max_draws`` evenly spaced posterior draws (a panel's curves cost geos x points x draws).

    Returns
    -------
    xarray.Dataset
        Dims (geo, channel, multiplier): ``spend`` and ``contribution_mean``, ``_lo``, ``_hi``.
    """
    prob = _prob(fitted, prob)
    multipliers = multiplier_grid(n_points, max_multiplier)
    spend = fitted.dataset.geo_spend
    thinned = fitted.thinned(max_draws)
    totals = np.stack(
        [geo_contribution_totals(thinned, spend * k) for k in multipliers], axis=-1
    )  # (S, G, M, K)
    stats = interval(totals, prob)
    dims = ("geo", "channel", "multiplier")
    return xr.Dataset(
        {"spend": (dims, spend.sum(axis=1)[..., None] * multipliers)}
        | {f"contribution_{k}": (dims, stats[k]) for k in ("mean", "lo", "hi")},
        coords={
            "geo": list(fitted.dataset.geos),
            "channel": list(fitted.config.channel_names),
            "multiplier": multipliers,
        },
        attrs={"interval": prob, "draws": thinned.n_draws},
    )


def adstock_curves(fitted: FittedModel, prob: float | None = None) -> xr.Dataset:
    """Normalized adstock weight per lag (share of a period's spend acting ``lag`` periods on).

    Parameters
    ----------
    fitted : FittedModel
    prob : float, optional
        Central interval probability; ``fitted.config.interval`` when omitted.

    Returns
    -------
    xarray.Dataset
        Dims (channel, lag) with variables ``weight_mean``, ``weight_lo``, ``weight_hi``; each
        channel's weights sum to one over its ``max_lag`` (zero past it).
    """
    prob = _prob(fitted, prob)
    weights = fitted.plan.weights(fitted.transform_params())  # (S, M, L)
    stats = interval(weights, prob)
    return xr.Dataset(
        {f"weight_{k}": (("channel", "lag"), stats[k]) for k in ("mean", "lo", "hi")},
        coords={
            "channel": list(fitted.config.channel_names),
            "lag": np.arange(weights.shape[-1]),
        },
        attrs={"interval": prob},
    )


def decomposition(fitted: FittedModel, prob: float | None = None) -> xr.Dataset:
    """Every additive term of the expected KPI over time, with its share of the total.

    Parameters
    ----------
    fitted : FittedModel
    prob : float, optional
        Central interval probability; ``fitted.config.interval`` when omitted.

    Returns
    -------
    xarray.Dataset
        Dims (component, date). Variables ``mean``, ``lo``, ``hi`` (KPI units per period) and
        ``share`` (component): the posterior mean of the component's total over the period
        divided by the total expected KPI (the sum of all components) in the same draw.
        Components: 'baseline', 'trend', 'seasonality' (when in the model), each control,
        each channel.
    """
    prob = _prob(fitted, prob)
    parts = component_draws(fitted)
    names = list(parts)
    stacked = np.stack([parts[n] for n in names], axis=1)  # (S, C, T)
    stats = interval(stacked, prob)
    totals = stacked.sum(axis=2)  # (S, C)
    share = (totals / totals.sum(axis=1, keepdims=True)).mean(axis=0)
    return xr.Dataset(
        {
            "mean": (("component", "date"), stats["mean"]),
            "lo": (("component", "date"), stats["lo"]),
            "hi": (("component", "date"), stats["hi"]),
            "share": ("component", share),
        },
        coords={"component": names, "date": fitted.dataset.dates},
        attrs={"interval": prob},
    )
