"""Partial pooling made visible: each geo's own, data-only ROI beside the pooled posterior one.

The panel model pools each channel's ROI across geos (docs/model.md, "Panels"): a geo with
little or noisy data borrows strength from the others, so its posterior ROI lies closer to the
channel's mean than what its own data alone would say. :func:`own_roi` computes that
"own estimate" by least squares, one geo at a time, with the adstock and saturation shapes
fixed at their posterior means; :func:`shrinkage` sets it beside the pooled estimates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mmm.analysis.posterior import geo_roi_draws, roi_draws
from mmm.model.fit import FittedModel
from mmm.model.inputs import build_design
from mmm.model.transforms import lag_matrix
from mmm.model.trends import flexible_trend, trend_basis


@dataclass(frozen=True)
class Shrinkage:
    """Own (data-only) and pooled (posterior mean) ROI per geo and channel.

    Attributes
    ----------
    geos, channels : tuple of str
    own : ndarray (G, M)
        Least-squares ROI of each geo on its own data (:func:`own_roi`); NaN where the geo
        never spent on the channel.
    pooled : ndarray (G, M)
        Posterior mean ROI of each geo (the panel model's partially pooled estimate); NaN where
        the geo never spent on the channel.
    channel_mean : ndarray (M,)
        The centre the geos are pooled toward: the posterior mean of the channel's ``roi``
        (the median geo ROI of the hierarchy) for a channel with an ROI prior, else its
        national ROI (all geos' contribution / all geos' spend).
    """

    geos: tuple[str, ...]
    channels: tuple[str, ...]
    own: np.ndarray
    pooled: np.ndarray
    channel_mean: np.ndarray

    def distance_to_mean(self) -> dict[str, float]:
        """Mean absolute distance of the own and of the pooled ROI from the channel's mean.

        Over the cells where both estimates exist, relative to the channel mean's size, so
        channels of different ROI levels weigh alike.

        Returns
        -------
        dict
            ``own`` and ``pooled``: mean of ``|estimate - channel_mean| / |channel_mean|``;
            NaN when no cell has both.
        """
        both = np.isfinite(self.own) & np.isfinite(self.pooled)
        scale = np.abs(self.channel_mean)[None, :]
        scale = np.where(scale > 0, scale, 1.0)
        out = {}
        for name, values in (("own", self.own), ("pooled", self.pooled)):
            distance = np.abs(values - self.channel_mean[None, :]) / scale
            out[name] = float(distance[both].mean()) if both.any() else float("nan")
        return out


def mean_transform_params(fitted: FittedModel) -> dict[str, np.ndarray]:
    """Adstock and saturation parameters at their posterior means, shape (M_g,) each."""
    return {key: draws.mean(axis=0) for key, draws in fitted.transform_params().items()}


def own_roi(fitted: FittedModel) -> np.ndarray:
    """Each geo's ROI per channel from its own data alone, in original units, shape (G, M).

    With the transforms fixed at the posterior mean parameters
    (:func:`mean_transform_params`), each geo's KPI is regressed by least squares
    (``numpy.linalg.lstsq``) on an intercept, the trend, the Fourier terms, the controls and
    the channels' saturated responses (those the geo spent on). A channel's coefficient ``b``
    (KPI per unit of response) becomes an ROI as ``b * sum_t response / sum_t spend``, the
    model's own definition (contribution over spend).

    Parameters
    ----------
    fitted : FittedModel
        A panel (a national model gives one row).

    Returns
    -------
    ndarray (G, M)
        NaN where a geo never spent on a channel. No prior and no pooling: with few periods
        or collinear spend these estimates are noisy, which is the point of comparing them
        with the pooled ones.
    """
    config, dataset = fitted.config, fitted.dataset
    design = build_design(config, dataset, fitted.scales)
    controls = design.controls if dataset.is_panel else design.controls[None]
    base = [np.ones((dataset.n_periods, 1))]
    if config.trend == "linear":
        base.append(design.trend[:, None])
    if (trend := flexible_trend(config)) is not None:
        base.append(trend_basis(trend, design.trend))
    base.append(design.fourier)
    params = mean_transform_params(fitted)
    plan = fitted.plan
    out = np.full((dataset.n_geos, len(dataset.channels)), np.nan)
    for g in range(dataset.n_geos):
        spend = dataset.geo_spend[g]  # (T, M)
        scaled = spend / fitted.scales.geo_spend[g]
        response = plan.response(lag_matrix(scaled, plan.n_lags), params)  # (T, M)
        active = np.flatnonzero(spend.sum(axis=0) > 0)
        if not active.size:
            continue
        x = np.column_stack([*base, controls[g], response[:, active]])
        coef, *_ = np.linalg.lstsq(x, dataset.geo_target[g], rcond=None)
        media = coef[x.shape[1] - active.size :]
        out[g, active] = media * response[:, active].sum(axis=0) / spend[:, active].sum(axis=0)
    return out


def shrinkage(fitted: FittedModel, pooled: np.ndarray | None = None) -> Shrinkage:
    """Own and pooled ROI per geo and channel, and each channel's pooled mean.

    Parameters
    ----------
    fitted : FittedModel
        A panel.
    pooled : ndarray (G, M), optional
        Posterior mean ROI per geo and channel when the caller already has it (e.g. the
        ``mean`` of :func:`mmm.analysis.summary.geo_table`'s ``roi``).

    Returns
    -------
    Shrinkage
    """
    if pooled is None:
        pooled = geo_roi_draws(fitted).mean(axis=0)  # a geo without spend is NaN in every draw
    return Shrinkage(
        geos=tuple(fitted.dataset.geos),
        channels=tuple(fitted.config.channel_names),
        own=own_roi(fitted),
        pooled=np.asarray(pooled, dtype=float),
        channel_mean=pooling_centre(fitted),
    )


def pooling_centre(fitted: FittedModel) -> np.ndarray:
    """Per channel, the ROI the hierarchy pools geos toward (see :class:`Shrinkage`), (M,)."""
    centre = roi_draws(fitted).mean(axis=0)
    if "roi" in fitted.posterior:
        roi = fitted.posterior["roi"]
        means = roi.mean(dim=("chain", "draw"))
        for name, value in zip(roi["roi_channel"].to_numpy(), means.to_numpy(), strict=True):
            centre[fitted.config.channel_names.index(str(name))] = float(value)
    return centre
