"""Posterior quantities in original units: contributions, ROI, marginal ROI, fit.

Everything here works from a :class:`~mmm.model.fit.FittedModel` (fresh or loaded) and evaluates the
same transform code the model used, with numpy, on all posterior draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mmm.errors import MmmError
from mmm.model.build import build_design
from mmm.model.fit import FittedModel
from mmm.model.inputs import Design
from mmm.model.transforms import lag_matrix
from mmm.model.trends import flexible_trend, trend_basis
from mmm.validation.metrics import r2_mape

#: Relative spend increase used for marginal ROI.
MROI_STEP = 0.01


def geo_spend_of(fitted: FittedModel, spend: np.ndarray | None = None) -> np.ndarray:
    """Spend as (G, T, M) in original units: the data's, or ``spend`` given per geo.

    National models also take (T, M).
    """
    if spend is None:
        return fitted.dataset.geo_spend
    spend = np.asarray(spend, dtype=float)
    spend = spend[None] if spend.ndim == 2 else spend
    expected = fitted.dataset.geo_spend.shape
    if spend.shape[0] != expected[0] or spend.shape[2:] != expected[2:]:
        what = "(geos, periods, channels)" if fitted.dataset.is_panel else "(periods, channels)"
        raise MmmError(
            f"spend must have the shape {what} with {expected[0]} geos and {expected[2]} "
            f"channels for this model; got {np.shape(spend)}",
            key="spend",
        )
    return spend


def geo_response(fitted: FittedModel, geo: int, spend: np.ndarray | None = None) -> np.ndarray:
    """Saturated response of one geo per draw, period and channel, shape (S, T, M), model units.

    Parameters
    ----------
    fitted : FittedModel
    geo : int
        Geo index (0 for national data).
    spend : ndarray (G, T, M) or, national, (T, M), optional
        Spend in original units; the fitted data's spend when omitted.
    """
    scaled = geo_spend_of(fitted, spend)[geo] / fitted.scales.geo_spend[geo]
    return fitted.plan.response(lag_matrix(scaled, fitted.plan.n_lags), fitted.transform_params())


def channel_response(fitted: FittedModel, spend: np.ndarray | None = None) -> np.ndarray:
    """Saturated response per draw, period and channel, shape (S, T, M), model units (national).

    Parameters
    ----------
    fitted : FittedModel
        A national model (a panel's response is per geo: :func:`geo_response`).
    spend : ndarray (T, M), optional
        Spend in original units; the fitted data's spend when omitted.
    """
    return geo_response(fitted, 0, spend)


def geo_contributions(fitted: FittedModel, geo: int, spend: np.ndarray | None = None) -> np.ndarray:
    """Contribution of one geo per draw, period and channel in KPI units, shape (S, T, M)."""
    beta = fitted.geo_draw("beta", geo) * fitted.scales.geo_target[geo]
    return geo_response(fitted, geo, spend) * beta[:, None, :]


def channel_contributions(fitted: FittedModel, spend: np.ndarray | None = None) -> np.ndarray:
    """National contribution per draw, period and channel in KPI units, shape (S, T, M).

    The sum over geos in a panel. The model is additive, so this equals mu with the channel as
    observed minus mu with the channel's spend set to zero.

    Parameters
    ----------
    fitted : FittedModel
    spend : ndarray (G, T, M) or, national, (T, M), optional
        Spend in original units; the fitted data's spend when omitted.
    """
    if spend is None:
        components = observed_terms(fitted).components
        return np.stack([components[name] for name in fitted.config.channel_names], axis=-1)
    return sum(geo_contributions(fitted, g, spend) for g in range(fitted.dataset.n_geos))


def geo_contribution_totals(fitted: FittedModel, spend: np.ndarray | None = None) -> np.ndarray:
    """Contribution over the period per draw, geo and channel in KPI units, shape (S, G, M)."""
    if spend is None:
        return observed_terms(fitted).geo_totals
    n_geos = fitted.dataset.n_geos
    return np.stack([geo_contributions(fitted, g, spend).sum(axis=1) for g in range(n_geos)], 1)


def _bumped_totals(fitted: FittedModel, step: float) -> np.ndarray:
    """:func:`geo_contribution_totals` with every channel's spend raised by ``step``, once."""
    spend = fitted.dataset.geo_spend * (1 + step)
    return fitted.derived(f"bumped_totals_{step!r}", lambda: geo_contribution_totals(fitted, spend))


def roi_draws(fitted: FittedModel) -> np.ndarray:
    """National ROI per draw and channel: total contribution / total spend, shape (S, M)."""
    contribution = channel_contributions(fitted).sum(axis=1)
    return contribution / fitted.dataset.spend.sum(axis=0)


def geo_roi_draws(fitted: FittedModel, totals: np.ndarray | None = None) -> np.ndarray:
    """ROI per draw, geo and channel, shape (S, G, M); NaN where a geo never spent.

    ``totals`` may pass :func:`geo_contribution_totals` when the caller already has it.
    """
    totals = geo_contribution_totals(fitted) if totals is None else totals
    spend = fitted.dataset.geo_spend.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(spend > 0, totals / spend, np.nan)


def mroi_draws(
    fitted: FittedModel, step: float = MROI_STEP, base: np.ndarray | None = None
) -> np.ndarray:
    """National marginal ROI per draw and channel, shape (S, M).

    Extra contribution when one channel's spend rises by ``step`` (1%) in every period (and
    every geo), divided by that extra spend; the other channels stay as observed. ``base``
    (S, M) may pass the total contributions at observed spend when the caller already has them.
    """
    spend = fitted.dataset.geo_spend
    if base is None:
        base = channel_contributions(fitted).sum(axis=1)
    bumped = _bumped_totals(fitted, step).sum(axis=1)
    # Channels do not interact, so raising all at once gives each channel's own margin.
    return (bumped - base) / (step * spend.sum(axis=(0, 1)))


def geo_mroi_draws(
    fitted: FittedModel, step: float = MROI_STEP, base: np.ndarray | None = None
) -> np.ndarray:
    """Marginal ROI per draw, geo and channel, shape (S, G, M); NaN where a geo never spent.

    ``base`` (S, G, M) may pass :func:`geo_contribution_totals`.
    """
    spend = fitted.dataset.geo_spend
    base = geo_contribution_totals(fitted) if base is None else base
    bumped = _bumped_totals(fitted, step)
    extra = step * spend.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(extra > 0, (bumped - base) / extra, np.nan)


def geo_component_draws(
    fitted: FittedModel, geo: int, design: Design | None = None, n_fitted: int | None = None
) -> dict[str, np.ndarray]:
    """Every additive term of one geo's mu per draw and period, in KPI units, shape (S, T) each.

    Keys: 'baseline', 'trend', 'seasonality', one per control (``dataset.control_names``: the
    controls, then the events and holidays) and one per channel. The model samples the mean
    ``level`` of mu with centered regressors; the baseline is that level minus
    the means of all other terms over the fitted periods, so the terms add up to mu exactly.
    ``design`` may pass :func:`mmm.model.build.build_design` when the caller loops over geos.

    A forecast passes a model whose dataset runs past the periods it was fitted on, the
    ``design`` built with the same ``n_fitted``, and ``n_fitted``: the terms of the later
    periods then continue those of the fitted ones (adstock carries over into them).
    """
    config, dataset = fitted.config, fitted.dataset
    design = build_design(config, dataset, fitted.scales, n_fitted) if design is None else design
    controls = design.controls[geo] if dataset.is_panel else design.controls
    terms: dict[str, np.ndarray] = {}
    if config.trend == "linear":
        terms["trend"] = fitted.geo_draw("trend", geo)[:, None] * design.trend[None, :]
    if (trend := flexible_trend(config)) is not None:
        terms["trend"] = fitted.geo_draw("trend_coef", geo) @ trend_basis(trend, design.trend).T
    if config.seasonality and config.seasonality.fourier_order:
        terms["seasonality"] = fitted.geo_draw("seasonality", geo) @ design.fourier.T
    if dataset.control_names:
        gamma = fitted.geo_draw("control_coef", geo)
        for i, name in enumerate(dataset.control_names):
            terms[name] = gamma[:, i, None] * controls[None, :, i]
    response = geo_response(fitted, geo)
    beta = fitted.geo_draw("beta", geo)
    for i, name in enumerate(config.channel_names):
        terms[name] = beta[:, i, None] * response[:, :, i]
    offset = sum(term[:, :n_fitted].mean(axis=1) for term in terms.values())
    level = fitted.geo_draw("level", geo)
    baseline = np.repeat((level - offset)[:, None], dataset.n_periods, axis=1)
    scale = fitted.scales.geo_target[geo]
    return {k: v * scale for k, v in ({"baseline": baseline} | terms).items()}


@dataclass(frozen=True)
class ObservedTerms:
    """Every geo's terms at the observed spend, from one pass over the geos.

    Attributes
    ----------
    components : dict of str -> ndarray (S, T)
        The national terms of mu (:func:`component_draws`).
    geo_totals : ndarray (S, G, M)
        Each geo's channel contributions over the period, KPI units.
    geo_mu_mean : ndarray (G, T)
        Posterior mean of each geo's mu, KPI units.
    """

    components: dict[str, np.ndarray]
    geo_totals: np.ndarray
    geo_mu_mean: np.ndarray


def observed_terms(fitted: FittedModel) -> ObservedTerms:
    """:class:`ObservedTerms` of ``fitted``, computed once per model (read-only arrays).

    The summary and the report start from these; each geo's response is evaluated once
    here rather than once per quantity.
    """
    return fitted.derived("observed_terms", lambda: _observed_terms(fitted))


def _observed_terms(fitted: FittedModel) -> ObservedTerms:
    design = build_design(fitted.config, fitted.dataset, fitted.scales)
    channels = fitted.config.channel_names
    total: dict[str, np.ndarray] = {}
    geo_totals, geo_mu_mean = [], []
    for geo in range(fitted.dataset.n_geos):
        terms = geo_component_draws(fitted, geo, design)
        for name, values in terms.items():
            total[name] = total[name] + values if name in total else values
        geo_totals.append(np.stack([terms[name].sum(axis=1) for name in channels], axis=-1))
        geo_mu_mean.append(sum(terms.values()).mean(axis=0))
    return ObservedTerms(total, np.stack(geo_totals, axis=1), np.stack(geo_mu_mean))


def component_draws(fitted: FittedModel) -> dict[str, np.ndarray]:
    """Every additive term of the national mu per draw and period (sums over geos), (S, T) each.

    See :func:`geo_component_draws` for the terms. The arrays are read-only (computed once
    per model, :func:`observed_terms`).
    """
    return dict(observed_terms(fitted).components)


def geo_predicted_mean(
    fitted: FittedModel, geo: int, design: Design | None = None, n_fitted: int | None = None
) -> np.ndarray:
    """Expected KPI of one geo per draw and period (mu), in KPI units, shape (S, T).

    ``design`` and ``n_fitted`` as in :func:`geo_component_draws` (a forecast passes both).
    """
    return sum(geo_component_draws(fitted, geo, design, n_fitted).values())


def predicted_mean(fitted: FittedModel) -> np.ndarray:
    """Expected national KPI per draw and period (mu; sum over geos), KPI units, shape (S, T)."""
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
        One replicated (national) data set per draw, in KPI units (Normal or Student-t noise,
        as the model's likelihood; a panel sums each geo's own noise).
    """
    rng = np.random.default_rng(seed)
    mu = predicted_mean(fitted) if mu is None else mu
    sigma = fitted.geo_draws("sigma") * fitted.scales.geo_target  # (S, G)
    replicated = mu.copy()
    for geo in range(sigma.shape[1]):  # a panel adds each geo's own noise, one geo at a time
        if fitted.config.likelihood == "student_t":
            noise = rng.standard_t(fitted.draws("nu")[:, None], size=mu.shape)
        else:
            noise = rng.standard_normal(mu.shape)
        replicated += sigma[:, geo, None] * noise
    return replicated


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
    return _quality(fitted.dataset.target, predicted_mean(fitted) if mu is None else mu)


def _quality(actual: np.ndarray, mu: np.ndarray) -> dict[str, float]:
    """R² and MAPE of the posterior mean of ``mu`` (S, T) against ``actual`` (T,)."""
    return r2_mape(actual, mu.mean(axis=0))


def geo_fit_quality(fitted: FittedModel) -> dict[str, np.ndarray]:
    """In-sample R² and MAPE of each geo's posterior mean prediction, arrays of shape (G,)."""
    r2, mape = [], []
    mu_mean = observed_terms(fitted).geo_mu_mean
    for geo in range(fitted.dataset.n_geos):
        quality = _quality(fitted.dataset.geo_target[geo], mu_mean[geo][None, :])
        r2.append(quality["r2"])
        mape.append(quality["mape"])
    return {"r2": np.array(r2), "mape": np.array(mape)}
