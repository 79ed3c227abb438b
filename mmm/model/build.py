"""Build the PyMC model from a validated (Config, Dataset); a panel's in :mod:`.panel_model`.

Everything enters the model scaled (see :mod:`mmm.model.inputs`). The graph is lean: only the
parameters (and the per-channel ``beta`` when it is derived from an ROI prior) are stored;
contributions are computed after sampling from the draws (``mmm.analysis.posterior``) with the
same transform code.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from mmm.experiments.records import LiftRecord
from mmm.model.config import Config
from mmm.model.data import Dataset
from mmm.model.inputs import (
    Scales,
    build_design,
    channel_plan,
    compute_scales,
    fourier_features,
    fourier_names,
    model_coords,
    model_data,
    roi_prior_median,
    trend_feature,
)
from mmm.model.lift_terms import add_lift_likelihoods, add_mta_prior, lift_windows
from mmm.model.panel_model import build_panel_model
from mmm.model.priors import per_channel, prior_rv, transform_parameters, vector_prior_rv
from mmm.model.trends import flexible_trend, trend_term

#: Re-exported: the model's inputs are built in :mod:`mmm.model.inputs`.
__all__ = [
    "Scales",
    "build_design",
    "build_model",
    "channel_plan",
    "compute_scales",
    "fourier_features",
    "fourier_names",
    "model_data",
    "roi_prior_median",
    "trend_feature",
]


def build_model(
    config: Config,
    dataset: Dataset,
    lift_records: Sequence[LiftRecord] = (),
    every_transform: bool = False,
) -> tuple[pm.Model, Scales]:
    """Build the PyMC model.

    Parameters
    ----------
    config : Config
    dataset : Dataset
    lift_records : sequence of LiftRecord
        Lift tests that calibrate the model (``calibration.lift_tests``), each adding a
        likelihood term on the channel's response over the test window.
    every_transform : bool
        National models: compute every registered adstock and saturation, each on the channels
        that use it, with those channels given as data, so that the compiled model serves any
        choice of transforms (a config edit's first fit, :func:`mmm.model.nuts.
        choose_compile_backend`). Its gradient costs more (about 29 against 21 us at 156 x 5
        on the example's structure). By default the graph holds the config's transforms only;
        ``max_lag`` is data either way. The two have the same variables and log density.
        A panel always holds every saturation and the adstocks in use.

    Returns
    -------
    model : pymc.Model
    scales : Scales
        What was divided out; analysis multiplies it back.
    """
    if dataset.is_panel:
        return build_panel_model(config, dataset, lift_records)
    scales = compute_scales(dataset)
    plan = channel_plan(config)
    coords = model_coords(config, dataset, plan)
    with pm.Model(coords=coords) as model:
        inputs = model_data(config, dataset, scales, every_transform)
        data = {k: pm.Data(f"{k}_data", v) for k, v in inputs.items()}
        # max_lag is data (editing it needs no compile); so are the transforms each channel
        # uses in an every-transform graph (the parameters of every transform exist either way)
        params = transform_parameters(config, plan)
        layout = (data["lag_numbers"], data["lag_mask"])
        families = {k: data[k] for k in plan.family_index()} if every_transform else None
        response = plan.response(data["lagged_spend"], params, pt, layout, families)  # (T, M)
        beta = _channel_coefficients(config, data, response)
        # Every regressor enters centered, so ``level`` is the mean of mu and is nearly
        # uncorrelated with the channel effects; the baseline is recovered after sampling.
        level = prior_rv("level", config.priors.level)
        mu = level + pt.dot(response - response.mean(axis=0), beta)
        if "trend" in data:
            mu = mu + prior_rv("trend", config.priors.trend) * data["trend"]
        if (trend := flexible_trend(config)) is not None:
            mu = mu + trend_term(config, trend, data)
        if "fourier" in data:
            season = prior_rv("seasonality", config.priors.seasonality, dims="fourier")
            mu = mu + pt.dot(data["fourier"], season)
        if "controls" in data:
            gamma = prior_rv("control_coef", config.priors.controls, dims="control")
            mu = mu + pt.dot(data["controls"], gamma)
        windows = lift_windows(list(lift_records), dataset, scales.spend, plan)
        add_lift_likelihoods(windows, plan, params, beta, scales.target)
        add_mta_prior(config.calibration.mta, config.channel_names, beta * response.sum(axis=0))
        sigma = prior_rv("sigma", config.priors.sigma)
        if config.likelihood == "student_t":
            nu = prior_rv("nu", config.priors.nu)
            pm.StudentT("y", nu=nu, mu=mu, sigma=sigma, observed=data["target"], dims="date")
        else:
            pm.Normal("y", mu=mu, sigma=sigma, observed=data["target"], dims="date")
    return model, scales


def _channel_coefficients(
    config: Config, data: dict[str, pt.TensorVariable], response: pt.TensorVariable
) -> pt.TensorVariable:
    """``beta`` per channel, drawn directly or derived from an ROI prior.

    ROI_m = scale_y * beta_m * sum_t response_m,t / sum_t spend_m,t, so a channel with an ROI
    prior gets beta_m = ROI_m * (spend_m / scale_y) / sum_t response_m,t.
    """
    channels = config.channels
    by_beta = [i for i, c in enumerate(channels) if c.prior.beta is not None]
    by_roi = [i for i, c in enumerate(channels) if c.prior.roi is not None]
    if not by_roi:
        return vector_prior_rv("beta", [c.prior.beta for c in channels], dims="channel")

    model = pm.modelcontext(None)
    pieces = []
    if by_beta:
        model.add_coord("beta_channel", [channels[i].name for i in by_beta])
        pieces.append(
            vector_prior_rv("beta_free", [channels[i].prior.beta for i in by_beta], "beta_channel")
        )
    model.add_coord("roi_channel", [channels[i].name for i in by_roi])
    roi = pm.LogNormal(
        "roi",
        mu=data["roi_log_median"],
        sigma=per_channel([channels[i].prior.roi.sigma for i in by_roi]),
        dims="roi_channel",
    )
    by_roi_response = response if len(by_roi) == len(channels) else response[:, by_roi]
    pieces.append(roi * data["roi_spend_per_target"] / by_roi_response.sum(axis=0))
    back = np.argsort(by_beta + by_roi)
    beta = pt.concatenate(pieces)[back] if len(pieces) > 1 else pieces[0]
    return pm.Deterministic("beta", beta, dims="channel")
