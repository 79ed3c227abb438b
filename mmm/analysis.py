"""Posterior quantities in original units: contributions, ROI, marginal ROI, fit.

Everything here works from a :class:`~mmm.fit.FittedModel` (fresh or loaded) and evaluates the
same transform code the model used, with numpy, on all posterior draws.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from mmm.calibration.terms import implied_lift, lift_windows
from mmm.fit import FittedModel
from mmm.model import build_design
from mmm.transforms import lag_matrix

#: Relative spend increase used for marginal ROI.
MROI_STEP = 0.01


def channel_response(fitted: FittedModel, spend: np.ndarray | None = None) -> np.ndarray:
    """Saturated response per draw, period and channel, shape (S, T, M), in model units.

    Parameters
    ----------
    fitted : FittedModel
    spend : ndarray (T, M), optional
        Spend in original units; the fitted data's spend when omitted.
    """
    spend = fitted.dataset.spend if spend is None else np.asarray(spend, dtype=float)
    lagged = lag_matrix(spend / fitted.scales.spend, fitted.plan.n_lags)
    return fitted.plan.response(lagged, fitted.transform_params())


def channel_contributions(fitted: FittedModel, spend: np.ndarray | None = None) -> np.ndarray:
    """Contribution per draw, period and channel in KPI units, shape (S, T, M).

    The model is additive, so this equals mu with the channel as observed minus mu with the
    channel's spend set to zero.
    """
    beta = fitted.draws("beta")
    return channel_response(fitted, spend) * beta[:, None, :] * fitted.scales.target


def roi_draws(fitted: FittedModel) -> np.ndarray:
    """ROI per draw and channel: total contribution / total spend, shape (S, M)."""
    contribution = channel_contributions(fitted).sum(axis=1)
    return contribution / fitted.dataset.spend.sum(axis=0)


def mroi_draws(
    fitted: FittedModel, step: float = MROI_STEP, base: np.ndarray | None = None
) -> np.ndarray:
    """Marginal ROI per draw and channel, shape (S, M).

    Extra contribution when one channel's spend rises by ``step`` (1%) in every period, divided
    by that extra spend; the other channels stay as observed. ``base`` (S, M) may pass the
    total contributions at observed spend when the caller already has them.
    """
    spend = fitted.dataset.spend
    if base is None:
        base = channel_contributions(fitted).sum(axis=1)
    bumped = channel_contributions(fitted, spend * (1 + step)).sum(axis=1)
    # Channels do not interact, so raising all at once gives each channel's own margin.
    return (bumped - base) / (step * spend.sum(axis=0))


def component_draws(fitted: FittedModel) -> dict[str, np.ndarray]:
    """Every additive term of mu per draw and period, in KPI units, shape (S, T) each.

    Keys: 'baseline', 'trend', 'seasonality', one per control and one per channel. The model
    samples the mean ``level`` of mu with centered regressors; the baseline is that level minus
    the period means of all other terms, so the terms add up to mu exactly.
    """
    config, dataset, scales = fitted.config, fitted.dataset, fitted.scales
    design = build_design(config, dataset, scales)
    terms: dict[str, np.ndarray] = {}
    if config.trend == "linear":
        terms["trend"] = fitted.draws("trend")[:, None] * design.trend[None, :]
    if config.seasonality and config.seasonality.fourier_order:
        terms["seasonality"] = fitted.draws("seasonality") @ design.fourier.T
    if config.controls:
        gamma = fitted.draws("control_coef")
        for i, name in enumerate(config.controls):
            terms[name] = gamma[:, i, None] * design.controls[None, :, i]
    response = channel_response(fitted)
    beta = fitted.draws("beta")
    for i, name in enumerate(config.channel_names):
        terms[name] = beta[:, i, None] * response[:, :, i]
    offset = sum(term.mean(axis=1) for term in terms.values())
    baseline = np.repeat((fitted.draws("level") - offset)[:, None], dataset.n_periods, axis=1)
    return {k: v * scales.target for k, v in ({"baseline": baseline} | terms).items()}


def predicted_mean(fitted: FittedModel) -> np.ndarray:
    """Expected KPI per draw and period (mu), in KPI units, shape (S, T)."""
    return sum(component_draws(fitted).values())


def posterior_predictive(fitted: FittedModel, seed: int = 0) -> np.ndarray:
    """Replicated KPI per draw and period (mu plus observation noise), shape (S, T)."""
    rng = np.random.default_rng(seed)
    mu = predicted_mean(fitted)
    sigma = fitted.draws("sigma")[:, None] * fitted.scales.target
    if fitted.config.likelihood == "student_t":
        nu = fitted.draws("nu")[:, None]
        return mu + sigma * rng.standard_t(nu, size=mu.shape)
    return mu + sigma * rng.standard_normal(mu.shape)


def fit_quality(fitted: FittedModel) -> dict[str, float]:
    """In-sample R² and MAPE of the posterior mean prediction."""
    actual = fitted.dataset.target
    predicted = predicted_mean(fitted).mean(axis=0)
    resid = actual - predicted
    r2 = 1.0 - float(resid @ resid) / float(((actual - actual.mean()) ** 2).sum())
    nonzero = actual != 0
    mape = float(np.mean(np.abs(resid[nonzero] / actual[nonzero])))
    return {"r2": r2, "mape": mape}


def interval(draws: np.ndarray, prob: float = 0.9, axis: int = 0) -> dict[str, np.ndarray]:
    """Mean and central ``prob`` interval of draws along ``axis``."""
    tail = (1.0 - prob) / 2.0
    lo, hi = np.quantile(draws, [tail, 1.0 - tail], axis=axis)
    return {"mean": draws.mean(axis=axis), "lo": lo, "hi": hi}


STATS = ("mean", "lo", "hi")


def channel_draw_summary(
    draws: dict[str, np.ndarray], channels: list[str], prob: float
) -> xr.Dataset:
    """Mean and central interval of per-channel draws (S, M), as dims (channel, stat)."""
    data = {}
    for name, values in draws.items():
        summary = interval(values, prob)
        data[name] = (("channel", "stat"), np.stack([summary[s] for s in STATS], axis=1))
    return xr.Dataset(
        data, coords={"channel": list(channels), "stat": list(STATS)}, attrs={"interval": prob}
    )


def channel_table(fitted: FittedModel, prob: float | None = None) -> xr.Dataset:
    """Per-channel spend, contribution, ROI and mROI with central intervals.

    Parameters
    ----------
    fitted : FittedModel
    prob : float, optional
        Central interval probability; ``config.interval`` when omitted.

    Returns
    -------
    xarray.Dataset
        Variables ``spend`` (channel) and ``contribution``, ``roi``, ``mroi`` (channel, stat)
        with stat in (mean, lo, hi).
    """
    prob = float(fitted.config.interval if prob is None else prob)
    spend = fitted.dataset.spend.sum(axis=0)
    contribution = channel_contributions(fitted).sum(axis=1)
    quantities = {
        "contribution": contribution,
        "roi": contribution / spend,
        "mroi": mroi_draws(fitted, base=contribution),
    }
    table = channel_draw_summary(quantities, fitted.config.channel_names, prob)
    table["spend"] = ("channel", spend)
    return table


def summary_dict(fitted: FittedModel) -> dict:
    """The content of ``summary.json``: interval, diagnostics, fit quality and channels."""
    table = channel_table(fitted)

    def stat(name: str, channel: str) -> dict[str, float]:
        values = table[name].sel(channel=channel).to_numpy()
        return {k: float(v) for k, v in zip(("mean", "lo", "hi"), values, strict=True)}

    out = {
        "interval": fitted.config.interval,
        "diagnostics": fitted.diagnostics.to_dict(),
        "warnings": fitted.diagnostics.warnings(),
        "fit": {k: round(v, 4) for k, v in fit_quality(fitted).items()},
        "channels": {
            channel: {
                "spend": float(table["spend"].sel(channel=channel)),
                "contribution": stat("contribution", channel),
                "roi": stat("roi", channel),
                "mroi": stat("mroi", channel),
            }
            for channel in table.channel.to_numpy().tolist()
        },
    }
    calibration = calibration_summary(fitted)
    if calibration:
        out["calibration"] = calibration
    return out


def calibration_summary(fitted: FittedModel) -> dict:
    """Which calibration the model used and, per lift test, what the posterior implies for it.

    Returns
    -------
    dict
        Empty when the model was not calibrated; else any of ``lift_tests`` (each record with
        ``implied``: mean and central interval of the incremental KPI the posterior implies,
        original units), ``roi_priors`` and ``mta``.
    """
    calibration = fitted.config.calibration
    out: dict = {}
    if fitted.lift_records:
        windows = lift_windows(
            fitted.lift_records, fitted.dataset, fitted.scales.spend, fitted.plan
        )
        params, beta = fitted.transform_params(), fitted.draws("beta")
        tests = []
        for window in windows:
            draws = implied_lift(window, fitted.plan, params, beta) * fitted.scales.target
            stat = interval(draws, fitted.config.interval)
            tests.append(
                window.record.to_row() | {"implied": {k: float(v) for k, v in stat.items()}}
            )
        out["lift_tests"] = tests
    if calibration.roi_priors:
        out["roi_priors"] = {
            k: v.model_dump(mode="json") for k, v in calibration.roi_priors.items()
        }
    if calibration.mta is not None:
        out["mta"] = calibration.mta.model_dump(mode="json")
    return out
