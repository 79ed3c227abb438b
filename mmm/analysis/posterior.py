"""Posterior quantities in original units: contributions, ROI, marginal ROI, fit.

Everything here works from a :class:`~mmm.model.fit.FittedModel` (fresh or loaded) and evaluates the
same transform code the model used, with numpy, on all posterior draws.
"""

from __future__ import annotations

import numpy as np

from mmm.model.build import build_design
from mmm.model.fit import FittedModel
from mmm.model.transforms import lag_matrix

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


def posterior_predictive(
    fitted: FittedModel, seed: int = 0, mu: np.ndarray | None = None
) -> np.ndarray:
    """Replicated KPI per draw and period (mu plus observation noise), shape (S, T).

    Parameters
    ----------
    fitted : FittedModel
    seed : int
        Seed of the observation noise.
    mu : ndarray (S, T), optional
        :func:`predicted_mean` when the caller already has it.

    Returns
    -------
    ndarray (S, T)
        One replicated data set per draw, in KPI units (Normal or Student-t noise, as the
        model's likelihood).
    """
    rng = np.random.default_rng(seed)
    mu = predicted_mean(fitted) if mu is None else mu
    sigma = fitted.draws("sigma")[:, None] * fitted.scales.target
    if fitted.config.likelihood == "student_t":
        nu = fitted.draws("nu")[:, None]
        return mu + sigma * rng.standard_t(nu, size=mu.shape)
    return mu + sigma * rng.standard_normal(mu.shape)


def fit_quality(fitted: FittedModel, mu: np.ndarray | None = None) -> dict[str, float]:
    """In-sample R² and MAPE of the posterior mean prediction.

    Parameters
    ----------
    fitted : FittedModel
    mu : ndarray (S, T), optional
        :func:`predicted_mean` when the caller already has it.

    Returns
    -------
    dict
        ``r2``: 1 - residual sum of squares / total sum of squares; ``mape``: mean absolute
        percentage error over the periods with a non-zero KPI.
    """
    actual = fitted.dataset.target
    predicted = (predicted_mean(fitted) if mu is None else mu).mean(axis=0)
    resid = actual - predicted
    r2 = 1.0 - float(resid @ resid) / float(((actual - actual.mean()) ** 2).sum())
    nonzero = actual != 0
    mape = float(np.mean(np.abs(resid[nonzero] / actual[nonzero])))
    return {"r2": r2, "mape": mape}
