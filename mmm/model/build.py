"""Build the PyMC model from a validated (Config, Dataset).

Everything enters the model scaled: the KPI by its mean, each channel's spend by its mean,
each control by its largest absolute value. The graph is lean: only the parameters (and the
per-channel ``beta`` when it is derived from an ROI prior) are stored; contributions are
computed after sampling from the draws (``mmm.analysis.posterior``) with the same transform code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

from mmm.errors import ConfigError
from mmm.experiments.records import LiftRecord
from mmm.model.config import AUTO_ROI_MEDIA_SHARE, ChannelConfig, Config, Prior, RoiPrior
from mmm.model.data import Dataset
from mmm.model.lift_terms import add_lift_likelihoods, add_mta_prior, lift_windows
from mmm.model.transforms import ADSTOCKS, SATURATIONS, ChannelPlan, lag_matrix

EPOCH = pd.Timestamp("1970-01-01")


@dataclass(frozen=True)
class Scales:
    """Divisors that take original units to model units."""

    target: float
    spend: np.ndarray
    controls: np.ndarray

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "target": float(self.target),
            "spend": [float(v) for v in self.spend],
            "controls": [float(v) for v in self.controls],
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Scales:
        """Inverse of :meth:`to_dict`."""
        return cls(
            target=float(data["target"]),
            spend=np.asarray(data["spend"], dtype=float),
            controls=np.asarray(data["controls"], dtype=float),
        )


@dataclass(frozen=True)
class Design:
    """The model's inputs in scaled units."""

    lagged_spend: np.ndarray  # (T, M, L)
    trend: np.ndarray  # (T,)
    fourier: np.ndarray  # (T, 2K)
    controls: np.ndarray  # (T, C)
    target: np.ndarray  # (T,)


def compute_scales(dataset: Dataset) -> Scales:
    """Mean KPI, mean spend per channel and max |control| per control."""
    controls = np.abs(dataset.controls).max(axis=0) if dataset.controls.size else np.zeros(0)
    return Scales(
        target=float(dataset.target.mean()),
        spend=dataset.spend.mean(axis=0),
        controls=np.where(controls > 0, controls, 1.0),
    )


def channel_plan(config: Config) -> ChannelPlan:
    """The transform plan of the config's channels."""
    return ChannelPlan(
        channels=tuple(config.channel_names),
        adstock=tuple(c.adstock.type for c in config.channels),
        max_lag=tuple(c.adstock.max_lag for c in config.channels),
        saturation=tuple(c.saturation.type for c in config.channels),
        adstock_first=config.transform_order == "adstock_first",
    )


def fourier_features(dates: pd.DatetimeIndex, order: int, period_days: float) -> np.ndarray:
    """Yearly Fourier terms ``sin(2 pi k d / P), cos(2 pi k d / P)`` for k = 1..order.

    Parameters
    ----------
    dates : DatetimeIndex
    order : int
    period_days : float
        Length of the cycle in days (365.25 for yearly).

    Returns
    -------
    ndarray (T, 2 * order), columns sin_1, cos_1, sin_2, ...
    """
    days = (pd.DatetimeIndex(dates) - EPOCH).days.to_numpy(dtype=float)
    angle = 2 * np.pi * days[:, None] * np.arange(1, order + 1) / period_days
    out = np.empty((len(days), 2 * order))
    out[:, 0::2] = np.sin(angle)
    out[:, 1::2] = np.cos(angle)
    return out


def fourier_names(order: int) -> list[str]:
    """Coordinate labels of the Fourier terms."""
    return [f"{f}_{k}" for k in range(1, order + 1) for f in ("sin", "cos")]


def trend_feature(index: np.ndarray, n_train: int) -> np.ndarray:
    """Linear trend: 0 at the first training period, 1 at the last (extends past it)."""
    return np.asarray(index, dtype=float) / max(n_train - 1, 1)


def build_design(config: Config, dataset: Dataset, scales: Scales) -> Design:
    """Scale the data and compute lag, trend and Fourier features."""
    order = config.seasonality.fourier_order if config.seasonality else 0
    period = config.seasonality.period_days if config.seasonality else 365.25
    plan = channel_plan(config)
    return Design(
        lagged_spend=lag_matrix(dataset.spend / scales.spend, plan.n_lags),
        trend=trend_feature(np.arange(dataset.n_periods), dataset.n_periods),
        fourier=fourier_features(dataset.dates, order, period),
        controls=dataset.controls / scales.controls,
        target=dataset.target / scales.target,
    )


def model_data(config: Config, dataset: Dataset, scales: Scales) -> dict[str, np.ndarray]:
    """Every data-dependent array of the model (the model names it ``<key>_data``).

    A compiled model of the same structure can be reused for another dataset of the same
    shape by swapping these arrays in (see :func:`mmm.model.fit.sample`).
    """
    design = build_design(config, dataset, scales)
    by_roi = [i for i, c in enumerate(config.channels) if c.prior.roi is not None]
    data = {"lagged_spend": design.lagged_spend, "target": design.target}
    if config.trend == "linear":
        data["trend"] = _centered(design.trend)
    if design.fourier.shape[1]:
        data["fourier"] = _centered(design.fourier)
    if config.controls:
        data["controls"] = _centered(design.controls)
    if by_roi:
        medians = [roi_prior_median(config.channels[i].prior.roi, dataset) for i in by_roi]
        data["roi_log_median"] = np.log(medians)
        data["roi_spend_per_target"] = dataset.spend[:, by_roi].sum(axis=0) / scales.target
    return data


def build_model(
    config: Config, dataset: Dataset, lift_records: Sequence[LiftRecord] = ()
) -> tuple[pm.Model, Scales]:
    """Build the PyMC model.

    Parameters
    ----------
    config : Config
    dataset : Dataset
    lift_records : sequence of LiftRecord
        Lift tests that calibrate the model (``calibration.lift_tests``), each adding a
        likelihood term on the channel's response over the test window.

    Returns
    -------
    model : pymc.Model
    scales : Scales
        What was divided out; analysis multiplies it back.
    """
    scales = compute_scales(dataset)
    plan = channel_plan(config)
    order = config.seasonality.fourier_order if config.seasonality else 0
    coords: dict[str, list] = {
        "date": list(dataset.dates),
        "channel": list(config.channel_names),
        "control": list(config.controls),
        "fourier": fourier_names(order),
    }
    for kind in ("adstock", "saturation"):
        for name in plan.groups(kind):
            coords[plan.dim_name(name)] = [plan.channels[i] for i in plan.members(kind, name)]

    with pm.Model(coords=coords) as model:
        data = {k: pm.Data(f"{k}_data", v) for k, v in model_data(config, dataset, scales).items()}
        params = _transform_parameters(config, plan)
        response = plan.response(data["lagged_spend"], params, xp=pt)  # (T, M)
        beta = _channel_coefficients(config, data, response)
        # Every regressor enters centered, so ``level`` is the mean of mu and is nearly
        # uncorrelated with the channel effects; the baseline is recovered after sampling.
        level = _prior_rv("level", config.priors.level)
        mu = level + pt.dot(response - response.mean(axis=0), beta)
        if "trend" in data:
            mu = mu + _prior_rv("trend", config.priors.trend) * data["trend"]
        if "fourier" in data:
            season = _prior_rv("seasonality", config.priors.seasonality, dims="fourier")
            mu = mu + pt.dot(data["fourier"], season)
        if "controls" in data:
            gamma = _prior_rv("control_coef", config.priors.controls, dims="control")
            mu = mu + pt.dot(data["controls"], gamma)
        windows = lift_windows(list(lift_records), dataset, scales.spend, plan)
        add_lift_likelihoods(windows, plan, params, beta, scales.target)
        add_mta_prior(config.calibration.mta, config.channel_names, beta * response.sum(axis=0))
        sigma = _prior_rv("sigma", config.priors.sigma)
        if config.likelihood == "student_t":
            nu = _prior_rv("nu", config.priors.nu)
            pm.StudentT("y", nu=nu, mu=mu, sigma=sigma, observed=data["target"], dims="date")
        else:
            pm.Normal("y", mu=mu, sigma=sigma, observed=data["target"], dims="date")
    return model, scales


def _centered(values: np.ndarray) -> np.ndarray:
    return values - values.mean(axis=0)


def _prior_rv(name: str, prior: Prior, dims: str | None = None) -> pt.TensorVariable:
    return getattr(pm, prior.dist)(name, **prior.params, dims=dims)


def _vector_prior_rv(name: str, priors: list[Prior], dims: str) -> pt.TensorVariable:
    """One vector variable whose elements may have different parameters of one family."""
    families = {p.dist for p in priors}
    if len(families) > 1:
        raise ConfigError(
            f"priors for '{name}' mix distributions {sorted(families)} across channels; "
            "channels sharing a transform must use one distribution family per parameter",
            key=name,
        )
    keys = set().union(*(p.params for p in priors))
    kwargs = {k: np.array([p.params[k] for p in priors]) for k in keys}
    return getattr(pm, priors[0].dist)(name, **kwargs, dims=dims)


def _transform_parameters(config: Config, plan: ChannelPlan) -> dict[str, pt.TensorVariable]:
    params = {}
    for kind, registry in (("adstock", ADSTOCKS), ("saturation", SATURATIONS)):
        for name in plan.groups(kind):
            members = [config.channels[i] for i in plan.members(kind, name)]
            for param, (dist, kwargs) in registry[name].default_priors.items():
                default = Prior.of(dist, **kwargs)
                priors = [_channel_transform(c, kind).priors.get(param, default) for c in members]
                var = plan.param_name(name, param)
                params[var] = _vector_prior_rv(var, priors, plan.dim_name(name))
    return params


def _channel_transform(channel: ChannelConfig, kind: str):
    return channel.adstock if kind == "adstock" else channel.saturation


def roi_prior_median(prior: RoiPrior, dataset: Dataset) -> float:
    """The median of an ROI prior, resolving ``auto`` from the data (see :class:`RoiPrior`)."""
    if prior.median != "auto":
        return float(prior.median)
    return AUTO_ROI_MEDIA_SHARE * float(dataset.target.sum()) / float(dataset.spend.sum())


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
        return _vector_prior_rv("beta", [c.prior.beta for c in channels], dims="channel")

    model = pm.modelcontext(None)
    pieces = []
    if by_beta:
        model.add_coord("beta_channel", [channels[i].name for i in by_beta])
        pieces.append(
            _vector_prior_rv("beta_free", [channels[i].prior.beta for i in by_beta], "beta_channel")
        )
    model.add_coord("roi_channel", [channels[i].name for i in by_roi])
    roi = pm.LogNormal(
        "roi",
        mu=data["roi_log_median"],
        sigma=np.array([channels[i].prior.roi.sigma for i in by_roi]),
        dims="roi_channel",
    )
    pieces.append(roi * data["roi_spend_per_target"] / response[:, by_roi].sum(axis=0))
    back = np.argsort(by_beta + by_roi)
    beta = pt.concatenate(pieces)[back] if len(pieces) > 1 else pieces[0]
    return pm.Deterministic("beta", beta, dims="channel")
