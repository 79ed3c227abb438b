"""The geo panel model: channel effects pooled across geos (see docs/model.md, "Panels").

Each geo's KPI is scaled by its own mean and each geo's spend by its own mean per channel, so
every geo enters in comparable units. Adstock and saturation shapes are shared by all geos (in
these scaled units); the size of each channel's effect varies by geo through its ROI::

    log ROI[g, m] = log ROI[m] + s[m] * z[g, m],   z ~ Normal(0, 1)

with ``s[m] = tau[m]`` (``pooling: partial``, tau from ``priors.geo_effect_sd``), ``0``
(``full``: one ROI for every geo) or the ROI prior's own sigma around its median (``none``:
each geo on its own, no shared mean). A channel with a ``beta`` prior varies the same way on
``log beta``. Geos get their own level (with the shared prior) and trend (around a shared
one, centred); the seasonality and the control coefficients are shared, or per geo around
shared ones (``panel: {seasonality: per_geo, controls: per_geo}``, centred); the noise scale
is per geo.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from mmm.errors import ConfigError
from mmm.experiments.records import LiftRecord
from mmm.model.config import Config, Prior
from mmm.model.data import Dataset
from mmm.model.inputs import Scales, channel_plan, compute_scales, model_coords, model_data
from mmm.model.lift_terms import add_lift_likelihoods, add_mta_prior, lift_windows
from mmm.model.priors import per_channel, prior_rv, transform_parameters, vector_prior_rv
from mmm.model.transforms import shifted_response
from mmm.model.trends import flexible_trend, trend_term

#: Guards the division by a geo's total response where the geo never spends on a channel.
RESPONSE_FLOOR = 1e-12


def build_panel_model(
    config: Config, dataset: Dataset, lift_records: Sequence[LiftRecord] = ()
) -> tuple[pm.Model, Scales]:
    """Build the hierarchical PyMC model of a geo panel.

    Parameters
    ----------
    config : Config
    dataset : Dataset
        A panel (``dataset.is_panel``).
    lift_records : sequence of LiftRecord
        Lift tests; one naming a geo calibrates that geo's response.

    Returns
    -------
    model : pymc.Model
    scales : Scales
        Per-geo divisors (``target`` (G,), ``spend`` (G, M)).
    """
    scales = compute_scales(dataset)
    plan = channel_plan(config)
    with pm.Model(coords=model_coords(config, dataset, plan)) as model:
        data = {k: pm.Data(f"{k}_data", v) for k, v in model_data(config, dataset, scales).items()}
        target = data["target"]  # (G, T)
        # adstocks stay structure in a panel: its lag sum is unrolled over max_lag anyway
        params = transform_parameters(config, plan, every_adstock=False)
        # each channel's saturation is data: another saturation needs no compile
        families = {k: data[k] for k in plan.family_index(every_adstock=False)}
        response = shifted_response(plan, data["lagged_spend"], params, pt, families)  # (G, M, T)
        beta = geo_coefficients(config, data, response.sum(axis=-1))  # (G, M)
        centered = response - response.mean(axis=-1, keepdims=True)
        # each geo's KPI is scaled by its own mean, so every level is near 1: the levels share
        # the configured prior (a learned spread would sit at ~0, a funnel for the sampler)
        mu = prior_rv("geo_level", config.priors.level, dims="geo")[:, None]
        mu = mu + (centered * beta[:, :, None]).sum(axis=1)
        if "trend" in data:
            trend = _centred_geo_effect("trend", config.priors.trend, config.priors.geo_trend_sd)
            mu = mu + trend[:, None] * data["trend"][None, :]
        if (flexible := flexible_trend(config)) is not None:  # one curve shared by the geos
            mu = mu + trend_term(config, flexible, data)[None, :]
        if "fourier" in data:
            season = prior_rv("seasonality", config.priors.seasonality, dims="fourier")
            if config.panel.seasonality == "per_geo":
                spread = prior_rv("geo_seasonality_sd", config.priors.geo_seasonality_sd)
                season = pm.Normal("geo_seasonality", season, spread, dims=("geo", "fourier"))
                mu = mu + (season[:, None, :] * data["fourier"][None, :, :]).sum(axis=-1)
            else:
                mu = mu + pt.dot(data["fourier"], season)[None, :]
        if "controls" in data:  # (G, T, C)
            gamma = prior_rv("control_coef", config.priors.controls, dims="control")
            if config.panel.controls == "per_geo":
                spread = prior_rv("geo_control_sd", config.priors.geo_control_sd)
                gamma = pm.Normal("geo_control_coef", gamma, spread, dims=("geo", "control"))
                mu = mu + (data["controls"] * gamma[:, None, :]).sum(axis=-1)
            else:
                mu = mu + pt.dot(data["controls"], gamma)
        windows = lift_windows(list(lift_records), dataset, scales.geo_spend, plan)
        add_lift_likelihoods(windows, plan, params, beta, scales.geo_target)
        totals = beta * response.sum(axis=-1) * scales.geo_target[:, None]
        add_mta_prior(config.calibration.mta, config.channel_names, totals.sum(axis=0))
        sigma = prior_rv("sigma", config.priors.sigma, dims="geo")[:, None]
        dims = ("geo", "date")
        if config.likelihood == "student_t":
            nu = prior_rv("nu", config.priors.nu)
            pm.StudentT("y", nu=nu, mu=mu, sigma=sigma, observed=target, dims=dims)
        else:
            pm.Normal("y", mu=mu, sigma=sigma, observed=target, dims=dims)
    return model, scales


def _columns(x: pt.TensorVariable, idx: list[int], n_channels: int) -> pt.TensorVariable:
    """``x[..., idx]``, without an index constant when ``idx`` is every channel in order."""
    return x if idx == list(range(n_channels)) else x[..., idx]


def _centred_geo_effect(name: str, prior: Prior, spread_prior: Prior) -> pt.TensorVariable:
    """``geo_<name>`` ~ Normal(shared ``name``, ``geo_<name>_sd``) per geo, centred.

    Centred because every geo's own series identifies it well (T periods each), where the
    non-centred form mixes slowly (R-hat 1.015 on the spread in the recovery test).
    """
    shared = prior_rv(name, prior)
    spread = prior_rv(f"geo_{name}_sd", spread_prior)
    return pm.Normal(f"geo_{name}", mu=shared, sigma=spread, dims="geo")


def geo_coefficients(
    config: Config, data: dict[str, pt.TensorVariable], response_total: pt.TensorVariable
) -> pt.TensorVariable:
    """``beta[g, m]`` in scaled units, from pooled ROI (or beta) effects per geo.

    ROI[g, m] = scale_y[g] * beta[g, m] * sum_t response[g, t, m] / sum_t spend[g, t, m], so
    beta = ROI * (spend / scale_y) / sum_t response (zero where a geo never spends).

    Each geo's log effect is ``mean[m] + s[m] * u[g, m]``, u ~ Normal(0, 1), sampled per cell
    with its own degree of centring ``c[g, m]`` (data ``geo_centring_data``, see
    :mod:`mmm.model.centring`)::

        w[g, m] ~ Normal(c * mean[m], s[m] ** c)
        log effect[g, m] = mean[m] + s[m] ** (1 - c) * (w[g, m] - c * mean[m])

    which is the non-centred form at c = 0 and the centred one at c = 1, with the same prior
    for every c.
    """
    channels = config.channels
    n_channels = len(channels)
    pooling = np.array([c.pooling for c in channels])
    by_roi = [i for i, c in enumerate(channels) if c.prior.roi is not None]
    by_beta = [i for i, c in enumerate(channels) if c.prior.beta is not None]
    unpooled_beta = [channels[i].name for i in by_beta if pooling[i] == "none"]
    if unpooled_beta:
        raise ConfigError(
            f"channel '{unpooled_beta[0]}': 'pooling: none' in a panel needs an ROI prior "
            "(prior: {roi: ...}); use 'partial' or 'full' with a beta prior",
            key="pooling",
        )
    model = pm.modelcontext(None)
    means = []  # the log effect every geo of a channel scatters around, by_beta then by_roi
    if by_beta:
        model.add_coord("beta_channel", [channels[i].name for i in by_beta])
        priors = [channels[i].prior.beta for i in by_beta]
        means.append(pt.log(vector_prior_rv("beta_free", priors, "beta_channel")))
    if by_roi:
        model.add_coord("roi_channel", [channels[i].name for i in by_roi])
        sigma = [channels[i].prior.roi.sigma for i in by_roi]
        roi = pm.LogNormal(
            "roi", mu=data["roi_log_median"], sigma=per_channel(sigma), dims="roi_channel"
        )
        # an unpooled channel has no shared ROI: its geos scatter around the prior median
        unpooled = per_channel(list(pooling[by_roi] == "none"))
        means.append(pt.where(unpooled, data["roi_log_median"], pt.log(roi)))
    order = by_beta + by_roi
    back = np.argsort(order)
    mean = pt.concatenate(means)[back] if len(means) > 1 else means[0]  # (M,)

    log_effect = pt.zeros_like(response_total) + mean
    if (pooling != "full").any():
        # s[m]: tau for partial pooling, the ROI prior's sigma for none; 1 where the channel
        # is fully pooled (its deviations are then multiplied by 0, and 1 ** c keeps the
        # gradient finite where 0 ** c would not)
        own_sigma = np.zeros(n_channels)
        for i in by_roi:
            own_sigma[i] = channels[i].prior.roi.sigma
        scale = per_channel(list(np.where(pooling == "none", own_sigma, 0.0)))
        scale = scale + per_channel(list((pooling == "full").astype(float)))
        if (pooling == "partial").any():
            tau = prior_rv("geo_effect_sd", config.priors.geo_effect_sd, dims="channel")
            scale = scale + per_channel(list((pooling == "partial").astype(float))) * tau
        centring = data["geo_centring"]  # (G, M)
        w = pm.Normal("geo_effect_w", centring * mean, scale**centring, dims=("geo", "channel"))
        deviation = scale ** (1.0 - centring) * (w - centring * mean)
        log_effect = log_effect + per_channel(list((pooling != "full").astype(float))) * deviation

    pieces = []
    if by_beta:
        # a geo that never spends on the channel has no effect of it (and tells nothing of it)
        spends = pt.gt(_columns(data["lagged_spend"].sum(axis=-1), by_beta, n_channels), 0)
        pieces.append(pt.exp(_columns(log_effect, by_beta, n_channels)) * spends)
    if by_roi:
        roi_geo = pt.exp(_columns(log_effect, by_roi, n_channels))
        pm.Deterministic("roi_geo", roi_geo, dims=("geo", "roi_channel"))
        total = _columns(response_total, by_roi, n_channels) + RESPONSE_FLOOR
        pieces.append(roi_geo * data["roi_spend_per_target"] / total)
    beta = pt.concatenate(pieces, axis=1)[:, back] if len(pieces) > 1 else pieces[0]
    return pm.Deterministic("beta", beta, dims=("geo", "channel"))
