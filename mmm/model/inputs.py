"""The model's inputs: scales, design features and the data arrays, for national data and panels.

Everything enters the model scaled: the KPI by its mean, each channel's spend by its mean (per
geo in a panel), each control by its largest absolute value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mmm.model.config import AUTO_ROI_MEDIA_SHARE, Config, PiecewiseTrend, RoiPrior
from mmm.model.data import Dataset
from mmm.model.transforms import ChannelPlan, lag_matrix, padded_spend
from mmm.model.trends import basis_names, flexible_trend, trend_model_data

EPOCH = pd.Timestamp("1970-01-01")


@dataclass(frozen=True)
class Scales:
    """Divisors that take original units to model units.

    National data: ``target`` is a float and ``spend`` is (M,). A panel scales each geo by its
    own means: ``target`` is (G,) and ``spend`` (G, M). :attr:`geo_target` and
    :attr:`geo_spend` give the (G,) / (G, M) form for either.
    """

    target: float | np.ndarray
    spend: np.ndarray
    controls: np.ndarray

    @property
    def geo_target(self) -> np.ndarray:
        """KPI divisor per geo, shape (G,) (one geo for national data)."""
        return np.atleast_1d(np.asarray(self.target, dtype=float))

    @property
    def geo_spend(self) -> np.ndarray:
        """Spend divisor per geo and channel, shape (G, M)."""
        spend = np.asarray(self.spend, dtype=float)
        return spend if spend.ndim == 2 else spend[None, :]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "target": np.asarray(self.target, dtype=float).tolist(),
            "spend": np.asarray(self.spend, dtype=float).tolist(),
            "controls": [float(v) for v in self.controls],
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Scales:
        """Inverse of :meth:`to_dict`."""
        target = np.asarray(data["target"], dtype=float)
        return cls(
            target=float(target) if target.ndim == 0 else target,
            spend=np.asarray(data["spend"], dtype=float),
            controls=np.asarray(data["controls"], dtype=float),
        )


@dataclass(frozen=True)
class Design:
    """The model's inputs in scaled units."""

    lagged_spend: np.ndarray  # (T, M, L) for national data; (G, M, T + L - 1) padded for a panel
    trend: np.ndarray  # (T,)
    fourier: np.ndarray  # (T, 2K)
    controls: np.ndarray  # (G, T, C); (T, C) for national data
    target: np.ndarray  # (G, T); (T,) for national data


def compute_scales(dataset: Dataset) -> Scales:
    """Mean KPI and mean spend per channel (per geo in a panel), max |control| per control.

    A geo without spend on a channel gets a spend divisor of 1 (its spend is all zero).
    """
    n_controls = dataset.geo_controls.shape[-1]
    controls = np.zeros(0)
    if n_controls:
        controls = np.abs(dataset.geo_controls.reshape(-1, n_controls)).max(axis=0)
    controls = np.where(controls > 0, controls, 1.0)
    if not dataset.is_panel:
        return Scales(float(dataset.target.mean()), dataset.spend.mean(axis=0), controls)
    spend = dataset.geo_spend.mean(axis=1)
    return Scales(dataset.geo_target.mean(axis=1), np.where(spend > 0, spend, 1.0), controls)


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


def build_design(
    config: Config, dataset: Dataset, scales: Scales, n_fitted: int | None = None
) -> Design:
    """Scale the data and compute lag, trend and Fourier features.

    ``n_fitted`` is the number of periods the model was fitted on when ``dataset`` runs past
    them (a forecast): the trend feature keeps the fitted periods' scale (1 at the last fitted
    period) and continues beyond it. All periods are fitted ones when it is omitted.
    """
    order = config.seasonality.fourier_order if config.seasonality else 0
    period = config.seasonality.period_days if config.seasonality else 365.25
    plan = channel_plan(config)
    scaled = dataset.geo_spend / scales.geo_spend[:, None, :]
    if dataset.is_panel:  # the panel model sums shifted slices (transforms.shifted_response)
        lagged = padded_spend(scaled, plan.n_lags)
    else:
        lagged = lag_matrix(scaled[0], plan.n_lags)
    controls = dataset.geo_controls / scales.controls
    target = dataset.geo_target / scales.geo_target[:, None]
    return Design(
        lagged_spend=lagged,
        trend=trend_feature(np.arange(dataset.n_periods), n_fitted or dataset.n_periods),
        fourier=fourier_features(dataset.dates, order, period),
        controls=controls if dataset.is_panel else controls[0],
        target=target if dataset.is_panel else target[0],
    )


def _centered(values: np.ndarray) -> np.ndarray:
    return values - values.mean(axis=0)


def model_data(
    config: Config, dataset: Dataset, scales: Scales, every_transform: bool = False
) -> dict[str, np.ndarray]:
    """Every data-dependent array of the model (the model names it ``<key>_data``).

    A compiled model of the same structure can be reused for another dataset of the same
    shape by swapping these arrays in (see :func:`mmm.model.fit.sample`). Which channels use
    which transform is data for a panel, and for a national model built with
    ``every_transform`` (see :func:`mmm.model.build.build_model`).
    """
    design = build_design(config, dataset, scales)
    by_roi = [i for i, c in enumerate(config.channels) if c.prior.roi is not None]
    data = {"lagged_spend": design.lagged_spend, "target": design.target}
    plan = channel_plan(config)
    if every_transform or dataset.is_panel:  # which channels use which saturation (and adstock)
        data |= plan.family_index(every_adstock=not dataset.is_panel)
    if not dataset.is_panel:  # the panel's shifted sum has the lag count in its structure
        data["lag_numbers"], data["lag_mask"] = plan.lag_layout()
    if config.trend == "linear":
        data["trend"] = _centered(design.trend)
    if (trend := flexible_trend(config)) is not None:
        data |= trend_model_data(trend, design.trend, dataset.period_days)
    if design.fourier.shape[1]:
        data["fourier"] = _centered(design.fourier)
    if dataset.control_names:  # controls, events, holidays: centered over time (within each geo)
        axis = 1 if dataset.is_panel else 0
        data["controls"] = design.controls - design.controls.mean(axis=axis, keepdims=True)
    if dataset.is_panel:  # set by a pilot run before sampling (mmm.model.centring)
        data["geo_centring"] = np.zeros((dataset.n_geos, len(config.channels)))
    if by_roi:
        medians = [roi_prior_median(config.channels[i].prior.roi, dataset) for i in by_roi]
        data["roi_log_median"] = np.log(medians)
        spend = dataset.geo_spend[:, :, by_roi].sum(axis=1) / scales.geo_target[:, None]
        data["roi_spend_per_target"] = spend if dataset.is_panel else spend[0]
    return data


def model_coords(config: Config, dataset: Dataset, plan: ChannelPlan) -> dict[str, list]:
    """Coordinates of the model's dimensions (``geo`` only for a panel)."""
    order = config.seasonality.fourier_order if config.seasonality else 0
    coords: dict[str, list] = {
        "date": list(dataset.dates),
        "channel": list(config.channel_names),
        "control": list(dataset.control_names),
        "fourier": fourier_names(order),
    }
    if dataset.is_panel:
        coords["geo"] = list(dataset.geos)
    if (trend := flexible_trend(config)) is not None:
        coords["trend_basis"] = basis_names(trend)
        other = "changepoint" if isinstance(trend, PiecewiseTrend) else "gp_basis"
        coords[other] = basis_names(trend)[1:]
    for kind in ("adstock", "saturation"):
        for name in plan.held(kind, not dataset.is_panel):  # unused ones empty
            coords[plan.dim_name(name)] = [plan.channels[i] for i in plan.members(kind, name)]
    return coords


def roi_prior_median(prior: RoiPrior, dataset: Dataset) -> float:
    """The median of an ROI prior, resolving ``auto`` from the data (see :class:`RoiPrior`)."""
    if prior.median != "auto":
        return float(prior.median)
    return AUTO_ROI_MEDIA_SHARE * float(dataset.target.sum()) / float(dataset.spend.sum())
