"""Numbers for the report, computed once from a fitted model: plain dicts for the template.

:func:`compute` evaluates every posterior quantity the report shows (components, predictions,
ROI, curves); the ``*_section`` functions turn them into the rows and facts each section of
the template prints. Nothing here formats HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from mmm.analysis.curves import adstock_curves, decomposition, response_curves
from mmm.analysis.intervals import STATS, Interval, interval
from mmm.analysis.posterior import (
    channel_contributions,
    fit_quality,
    mroi_draws,
    posterior_predictive,
    predicted_mean,
)
from mmm.analysis.residuals import autocorrelation_limit, residual_signs, smooth_share_limit
from mmm.model.config import Config, PiecewiseTrend, Prior, SamplerConfig
from mmm.model.events import describe_events
from mmm.model.fit import ESS_MIN, RHAT_MAX, FittedModel
from mmm.model.transforms import ADSTOCKS, SATURATIONS
from mmm.model.trends import describe_trend

#: Fit-quality thresholds behind the pass/warn flags (in sample; holdout uses its own).
R2_MIN = 0.5
MAPE_MAX = 0.15
HOLDOUT_R2_MIN = 0.5
HOLDOUT_MAPE_MAX = 0.2
#: Posterior predictive coverage may fall this far below the nominal interval.
COVERAGE_TOLERANCE = 0.1
#: Replicated data sets drawn in the predictive-check figure.
N_REPLICATES = 40
#: Response curves: points between 0x and 2x current spend, and the most draws they use
#: (each point re-evaluates every channel on every draw; 500 draws pin a 90% band well).
CURVE_POINTS = 21
CURVE_DRAWS = 500


@dataclass
class Quantities:
    """Posterior quantities shared by the sections and the figures (original units)."""

    prob: float
    mu: np.ndarray  # (S, T) expected KPI
    replicated: np.ndarray  # (S, T) posterior predictive
    totals: np.ndarray  # (S, M) channel contribution over the period
    roi: np.ndarray  # (S, M)
    mroi: np.ndarray  # (S, M)
    decomposition: xr.Dataset
    curves: xr.Dataset
    adstock: xr.Dataset


def compute(fitted: FittedModel, seed: int = 0) -> Quantities:
    """Evaluate everything the report needs from the posterior draws."""
    prob = float(fitted.config.interval)
    mu = predicted_mean(fitted)
    totals = channel_contributions(fitted).sum(axis=1)
    return Quantities(
        prob=prob,
        mu=mu,
        replicated=posterior_predictive(fitted, seed, mu=mu),
        totals=totals,
        roi=totals / fitted.dataset.spend.sum(axis=0),
        mroi=mroi_draws(fitted, base=totals),
        decomposition=decomposition(fitted, prob),
        curves=response_curves(fitted.thinned(CURVE_DRAWS), CURVE_POINTS, prob=prob),
        adstock=adstock_curves(fitted, prob),
    )


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------
def data_section(fitted: FittedModel, colors: dict[str, str]) -> dict[str, Any]:
    """Period, frequency, KPI totals and per-channel spend."""
    ds, cfg = fitted.dataset, fitted.config
    spend = ds.spend.sum(axis=0)
    return {
        "start": str(ds.dates[0].date()),
        "end": str(ds.dates[-1].date()),
        "n_periods": ds.n_periods,
        "frequency": ds.frequency,
        "period": period_word(fitted),
        "target": cfg.data.target_column,
        "target_total": float(ds.target.sum()),
        "target_mean": float(ds.target.mean()),
        "spend_total": float(spend.sum()),
        "controls": list(cfg.controls),
        "events": list(ds.event_names),
        "source": ds.source,
        "channels": [
            {
                "name": name,
                "color": colors[name],
                "column": channel.spend_column,
                "spend": float(spend[i]),
                "share": float(spend[i] / spend.sum()) if spend.sum() > 0 else float("nan"),
                "mean": float(ds.spend[:, i].mean()),
                "active": int((ds.spend[:, i] > 0).sum()),
            }
            for i, (name, channel) in enumerate(zip(cfg.channel_names, cfg.channels, strict=True))
        ],
    }


def period_word(fitted: FittedModel) -> str:
    """'week' or 'day'."""
    return "week" if fitted.dataset.period_days == 7 else "day"


def prior_text(prior: Prior | tuple[str, dict[str, float]]) -> str:
    """``Beta(alpha=2, beta=2)`` from a config prior or a transform's default prior."""
    dist, params = (prior.dist, prior.params) if isinstance(prior, Prior) else prior
    return f"{dist}({', '.join(f'{k}={v:g}' for k, v in params.items())})"


def _transform_priors(component, given: dict[str, Prior]) -> list[str]:
    return [
        f"{param} ~ {prior_text(given[param])}" if param in given
        else f"{param} ~ {prior_text(default)} (default)"
        for param, default in component.default_priors.items()
    ]  # fmt: skip


def model_section(config: Config, summary: dict[str, Any]) -> dict[str, Any]:
    """The resolved configuration as readable rows."""
    channels = []
    for channel in config.channels:
        prior = channel.prior
        if prior.roi is not None:
            median = prior.roi.median
            median = "auto (from the KPI/spend ratio)" if median == "auto" else f"{median:g}"
            effect = f"ROI ~ LogNormal(median={median}, sigma={prior.roi.sigma:g})"
        else:
            effect = f"beta ~ {prior_text(prior.beta)}"
        channels.append(
            {
                "name": channel.name,
                "column": channel.spend_column,
                "adstock": f"{channel.adstock.type}, max lag {channel.adstock.max_lag}",
                "adstock_priors": _transform_priors(
                    ADSTOCKS[channel.adstock.type], channel.adstock.priors
                ),
                "saturation": channel.saturation.type,
                "saturation_priors": _transform_priors(
                    SATURATIONS[channel.saturation.type], channel.saturation.priors
                ),
                "effect": effect,
            }
        )
    season = config.seasonality
    relevant = {
        "trend": config.trend == "linear" or isinstance(config.trend, PiecewiseTrend),
        "trend_changes": isinstance(config.trend, PiecewiseTrend),
        "seasonality": bool(season and season.fourier_order),
        "controls": bool(config.controls or config.events or config.holidays),
        "nu": config.likelihood == "student_t",
    }
    priors = [
        (name, prior_text(prior))
        for name, prior in config.priors
        if isinstance(prior, Prior) and relevant.get(name, True)
    ]
    sampler = config.sampler
    return {
        "channels": channels,
        "settings": [
            ("KPI column", config.data.target_column),
            ("date column", config.data.date_column),
            ("trend", describe_trend(config)),
            (
                "seasonality",
                f"yearly Fourier, order {season.fourier_order}, period {season.period_days:g} days"
                if season and season.fourier_order
                else "none",
            ),
            ("controls", ", ".join(config.controls) or "none"),
            ("events and holidays", describe_events(config)),
            ("likelihood", config.likelihood.replace("_", "-")),
            ("transform order", config.transform_order.replace("_", " ")),
            ("reported interval", f"central {round(100 * config.interval)}%"),
            (
                "sampler",
                f"{sampler.backend} ({_sampler_setup(sampler, summary)}), "
                f"{sampler.chains} chains x {sampler.draws} draws after "
                f"{sampler.tune} tuning, target_accept {sampler.target_accept:g}, "
                f"seed {sampler.seed}",
            ),
        ],  # fmt: skip
        "priors": priors,
        "calibration": calibration_overview(config, summary),
        "yaml": config.to_yaml(),
    }


def _sampler_setup(sampler: SamplerConfig, summary: dict[str, Any]) -> str:
    """``'jax, low_rank adaptation'``: what the fit used, 'auto' resolved where it recorded it."""
    used = summary.get("diagnostics", {})
    backend = used.get("compile_backend") or sampler.compile_backend
    adaptation = used.get("adaptation") or sampler.adaptation
    return f"{backend}, {adaptation} adaptation"


def calibration_overview(config: Config, summary: dict[str, Any]) -> str:
    """One line on how the model was calibrated (config block and summary's lift tests)."""
    calibration = getattr(config, "calibration", None)
    tests = (summary.get("calibration") or {}).get("lift_tests") or []
    parts = []
    if tests:
        channels = sorted({str(t["channel"]) for t in tests})
        parts.append(f"{len(tests)} lift test(s) on {', '.join(channels)} (likelihood terms)")
    elif getattr(calibration, "lift_tests", None):
        parts.append(f"lift tests from {calibration.lift_tests}")
    roi_priors = getattr(calibration, "roi_priors", None) or {}
    if roi_priors:
        parts.append(f"ROI priors from experiments on {', '.join(roi_priors)}")
    mta = getattr(calibration, "mta", None)
    if mta is not None:
        parts.append(
            f"attribution (MTA) shares on {', '.join(mta.shares)} as a weak prior "
            f"(weight {mta.weight:g})"
        )
    return "; ".join(parts) if parts else "none: no lift tests, ROI priors or attribution priors"


def fit_stats(fitted: FittedModel, q: Quantities) -> dict[str, float]:
    """R², MAPE of the posterior mean, predictive-interval coverage of the actuals, and the
    residuals' signs of a missed slow driver.

    R² and MAPE are :func:`mmm.analysis.posterior.fit_quality` (the numbers of
    ``summary.json``); ``coverage`` is the share of periods whose actual KPI lies inside the
    central ``q.prob`` interval of the replicated data; the residual signs are
    :func:`mmm.analysis.residuals.residual_signs`.
    """
    actual = fitted.dataset.target
    band = interval(q.replicated, q.prob)
    coverage = float(np.mean((actual >= band["lo"]) & (actual <= band["hi"])))
    signs = residual_signs(actual, q.mu.mean(axis=0))
    return fit_quality(fitted, mu=q.mu) | {"coverage": coverage} | signs


#: What a failed fit-quality check means for the reader (the executive summary's warnings).
ADVICE = {
    "posterior predictive check": "the model is more certain than the data allow; a driver "
    "may be missing or the noise model may be wrong",
    "R²": "the model misses much of the KPI's movement; channel effects may absorb what it "
    "misses, so treat them with caution",
    "MAPE": "the typical error per period is large compared with the KPI",
    "holdout": "the model predicts periods it did not see poorly; it may be overfitting",
    "residuals": "the model misses a slow movement of the KPI (a bent trend, a missing "
    "driver); channels whose spend moves with it may absorb it, so their ROI may be off. Try a "
    "flexible trend (trend: {type: gp} or {type: piecewise}) or the missing control",
}


def _row(
    check: str, value: str, threshold: str, ok: bool, meaning: str, advice: str = ""
) -> dict[str, str]:
    return {"check": check, "value": value, "threshold": threshold,
            "status": "pass" if ok else "warn", "meaning": meaning, "advice": advice}  # fmt: skip


def diagnostics_rows(
    fitted: FittedModel, quality: dict[str, float], summary: dict[str, Any], prob: float
) -> list[dict[str, str]]:
    """Pass/warn rows for convergence, predictive check and fit quality."""
    d = fitted.diagnostics
    pct = round(100 * prob)
    rows = [
        _row("R-hat (max)", f"{d.rhat_max:.3f}", f"<= {RHAT_MAX}", d.rhat_max <= RHAT_MAX,
             "chains agree on the posterior"),
        _row("bulk ESS (min)", f"{d.ess_bulk_min:.0f}", f">= {ESS_MIN}", d.ess_bulk_min >= ESS_MIN,
             "enough effective draws for stable intervals"),
        _row("divergences", f"{d.divergences}", "0", d.divergences == 0,
             "the sampler explored the posterior without bias warnings"),
        _row("posterior predictive check",
             f"{100 * quality['coverage']:.0f}% of {period_word(fitted)}s inside the {pct}% "
             "predictive interval",
             f">= {pct - round(100 * COVERAGE_TOLERANCE)}%",
             quality["coverage"] >= prob - COVERAGE_TOLERANCE,
             "the model's noise level matches the data", ADVICE["posterior predictive check"]),
        _row("R² (in sample)", f"{quality['r2']:.3f}", f">= {R2_MIN}", quality["r2"] >= R2_MIN,
             "share of the KPI's variation the expected KPI explains", ADVICE["R²"]),
        _row("MAPE (in sample)", f"{100 * quality['mape']:.1f}%", f"<= {100 * MAPE_MAX:.0f}%",
             quality["mape"] <= MAPE_MAX, "mean absolute percentage error per period",
             ADVICE["MAPE"]),
    ]  # fmt: skip
    rows += _residual_rows(quality, fitted.dataset.n_periods)
    holdout = (summary.get("fit") or {}).get("holdout")
    if isinstance(holdout, dict):
        n = holdout.get("periods", "?")
        if "r2" in holdout:
            r2 = float(holdout["r2"])
            rows.append(_row(f"R² (holdout, {n} periods)", f"{r2:.3f}", f">= {HOLDOUT_R2_MIN}",
                             r2 >= HOLDOUT_R2_MIN,
                             "fit on periods the model did not see",
                             ADVICE["holdout"]))  # fmt: skip
        if "mape" in holdout:
            mape = float(holdout["mape"])
            rows.append(_row(f"MAPE (holdout, {n} periods)", f"{100 * mape:.1f}%",
                             f"<= {100 * HOLDOUT_MAPE_MAX:.0f}%", mape <= HOLDOUT_MAPE_MAX,
                             "error on periods the model did not see",
                             ADVICE["holdout"]))  # fmt: skip
        if "coverage_90" in holdout and isinstance(n, int):
            covered, least = float(holdout["coverage_90"]), holdout_coverage_min(n)
            rows.append(_row(f"90% predictive interval (holdout, {n} periods)",
                             f"{100 * covered:.0f}% inside", f">= {100 * least:.0f}%",
                             covered >= least,
                             "the forecast's intervals are as wide as its errors; CRPS "
                             f"{holdout.get('crps', float('nan')):.4g} (KPI units, lower is "
                             "better)", ADVICE["holdout"]))  # fmt: skip
    return rows


def holdout_coverage_min(periods: int) -> float:
    """The least share of ``periods`` held-out values a calibrated 90% interval holds in 95%
    of holdouts (the 5% quantile of a Binomial(periods, 0.9), as a share)."""
    from scipy.stats import binom

    return float(binom.ppf(0.05, periods, 0.9)) / periods


#: The residual checks: quality key, check, its limit for T periods, value and limit as text,
#: and what passing means.
RESIDUAL_CHECKS = (
    ("residual_autocorrelation", "residual autocorrelation (lag 1)", autocorrelation_limit,
     lambda v: f"{v:.2f}", "errors do not carry over from period to period"),
    ("residual_smooth_share", "residual curve in time", smooth_share_limit,
     lambda v: f"{100 * v:.1f}%", "no smooth curve left in the errors (a cubic in time)"),
)  # fmt: skip


def _residual_rows(quality: dict[str, float], n_periods: int) -> list[dict[str, str]]:
    """Pass/warn rows for the residuals' signs of a missed slow driver (when computable)."""
    rows = []
    for key, check, limit_of, text, meaning in RESIDUAL_CHECKS:
        value = quality.get(key, float("nan"))
        if np.isfinite(value):
            limit = limit_of(n_periods)
            rows.append(_row(check, text(value), f"<= {text(limit)}", value <= limit, meaning,
                             ADVICE["residuals"]))  # fmt: skip
    return rows


def channel_rows(
    fitted: FittedModel, q: Quantities, colors: dict[str, str]
) -> list[dict[str, Any]]:
    """Per-channel spend, contribution, shares, ROI and mROI with intervals."""
    spend = fitted.dataset.spend.sum(axis=0)
    share = q.totals / q.totals.sum(axis=1, keepdims=True)
    rows = []
    for i, name in enumerate(fitted.config.channel_names):
        rows.append(
            {
                "name": name,
                "color": colors[name],
                "spend": float(spend[i]),
                "spend_share": float(spend[i] / spend.sum()),
                "contribution": Interval.of(q.totals[:, i], q.prob).to_dict(),
                "contribution_share": Interval.of(share[:, i], q.prob).to_dict(),
                "roi": Interval.of(q.roi[:, i], q.prob).to_dict(),
                "mroi": Interval.of(q.mroi[:, i], q.prob).to_dict(),
            }
        )
    return rows


def lift_rows(summary: dict[str, Any], prob: float) -> list[dict[str, Any]]:
    """Each lift test beside what the posterior implies for it (section 10)."""
    tests = (summary.get("calibration") or {}).get("lift_tests") or []
    z = float(_normal_quantile(0.5 + prob / 2))
    rows = []
    for test in tests:
        implied = test.get("implied") or {}
        measured = float(test["delta_y"])
        sigma = float(test.get("sigma", 0.0))
        row = {
            "channel": test["channel"],
            "window": f"{test.get('start', '?')} to {test.get('end', '?')}",
            "x": float(test.get("x", float("nan"))),
            "delta_x": float(test.get("delta_x", float("nan"))),
            "measured": Interval(measured, measured - z * sigma, measured + z * sigma).to_dict(),
            "sigma": sigma,
            "implied": {k: float(implied.get(k, float("nan"))) for k in STATS},
        }
        lo, hi = row["implied"]["lo"], row["implied"]["hi"]
        row["agrees"] = bool(row["measured"]["lo"] <= hi and lo <= row["measured"]["hi"])
        rows.append(row)
    return rows


def _normal_quantile(p: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(p))
