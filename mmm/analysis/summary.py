"""The model summary: one schema for ``summary.json``, ``mmm summary`` and the report.

:func:`channel_table` and :func:`channel_summary` give per-channel spend, contribution, ROI,
mROI and shares as xarray; :func:`summary_dict` turns them, the diagnostics, the fit quality and
the calibration into the JSON mapping that :mod:`mmm.model.store` writes as ``summary.json`` and
that ``mmm summary --json`` prints (the same schema; ``mmm summary`` recomputes it at the
interval probability it is asked for).
"""

from __future__ import annotations

import xarray as xr

from mmm.analysis.intervals import (
    STATS,
    Interval,
    channel_draw_summary,
    interval_array,
    table_interval,
)
from mmm.analysis.posterior import (
    channel_contributions,
    component_draws,
    fit_quality,
    geo_contribution_totals,
    geo_fit_quality,
    geo_mroi_draws,
    geo_roi_draws,
    mroi_draws,
)
from mmm.model.fit import FittedModel
from mmm.model.lift_terms import implied_lift, lift_windows, window_target_scale

#: Per-channel quantities of the summary, each an interval (spend is a plain number).
CHANNEL_QUANTITIES = ("contribution", "roi", "mroi", "share_of_media", "share_of_kpi")


def _prob(fitted: FittedModel, prob: float | None) -> float:
    return float(fitted.config.interval if prob is None else prob)


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
    spend = fitted.dataset.spend.sum(axis=0)
    contribution = channel_contributions(fitted).sum(axis=1)
    quantities = {
        "contribution": contribution,
        "roi": contribution / spend,
        "mroi": mroi_draws(fitted, base=contribution),
    }
    table = channel_draw_summary(quantities, fitted.config.channel_names, _prob(fitted, prob))
    table["spend"] = ("channel", spend)
    return table


def contribution_shares(fitted: FittedModel, prob: float | None = None) -> xr.Dataset:
    """Each channel's share of media contribution and of the expected KPI, per draw summarized.

    Parameters
    ----------
    fitted : FittedModel
    prob : float, optional
        Central interval probability; ``fitted.config.interval`` when omitted.

    Returns
    -------
    xarray.Dataset
        Dims (channel, stat) with stat in (mean, lo, hi). ``share_of_media``: channel
        contribution / all channels' contribution; ``share_of_kpi``: channel contribution /
        expected KPI (sum of every additive component), both over the data period.
    """
    contribution = channel_contributions(fitted).sum(axis=1)  # (S, M)
    kpi = sum(part.sum(axis=1) for part in component_draws(fitted).values())  # (S,)
    shares = {
        "share_of_media": contribution / contribution.sum(axis=1, keepdims=True),
        "share_of_kpi": contribution / kpi[:, None],
    }
    return channel_draw_summary(shares, fitted.config.channel_names, _prob(fitted, prob))


def channel_summary(fitted: FittedModel, prob: float | None = None) -> xr.Dataset:
    """Spend, contribution, ROI, mROI and shares per channel over the data period.

    Parameters
    ----------
    fitted : FittedModel
    prob : float, optional
        Central interval probability; ``fitted.config.interval`` when omitted.

    Returns
    -------
    xarray.Dataset
        ``spend`` (channel) and :data:`CHANNEL_QUANTITIES` (channel, stat), original units.
        mROI is the extra contribution from +1% spend in every period divided by that extra
        spend (:func:`mmm.analysis.posterior.mroi_draws`).
    """
    return channel_table(fitted, prob).merge(contribution_shares(fitted, prob))


#: Per-geo quantities of the summary, each an interval.
GEO_QUANTITIES = ("contribution", "roi", "mroi")


def geo_table(fitted: FittedModel, prob: float | None = None) -> xr.Dataset:
    """Per geo and channel: spend, contribution, ROI and mROI with central intervals.

    Parameters
    ----------
    fitted : FittedModel
    prob : float, optional
        Central interval probability; ``fitted.config.interval`` when omitted.

    Returns
    -------
    xarray.Dataset
        ``spend`` (geo, channel) and :data:`GEO_QUANTITIES` (geo, channel, stat), original
        units; ROI and mROI are NaN where a geo never spent on the channel.
    """
    prob = _prob(fitted, prob)
    totals = geo_contribution_totals(fitted)  # (S, G, M)
    draws = {
        "contribution": totals,
        "roi": geo_roi_draws(fitted, totals),
        "mroi": geo_mroi_draws(fitted, base=totals),
    }
    dims = ("geo", "channel", "stat")
    table = xr.Dataset(
        {name: (dims, interval_array(values, prob)) for name, values in draws.items()},
        coords={
            "geo": list(fitted.dataset.geos),
            "channel": list(fitted.config.channel_names),
            "stat": list(STATS),
        },
        attrs={"interval": prob},
    )
    table["spend"] = (("geo", "channel"), fitted.dataset.geo_spend.sum(axis=1))
    return table


def geos_dict(fitted: FittedModel, prob: float | None = None) -> dict:
    """The summary's ``geos`` block: per geo, its fit and its channels' intervals."""
    table = geo_table(fitted, prob)
    quality = geo_fit_quality(fitted)
    out = {}
    for g, geo in enumerate(fitted.dataset.geos):
        channels = {}
        for channel in fitted.config.channel_names:
            cell = table.sel(geo=geo, channel=channel)
            channels[channel] = {"spend": float(cell["spend"])} | {
                name: table_interval(table, name, geo=geo, channel=channel).to_dict(
                    missing_as_none=True
                )
                for name in GEO_QUANTITIES
            }
        fit = {k: round(float(v[g]), 4) for k, v in quality.items()}
        out[str(geo)] = {"fit": fit, "channels": channels}
    return out


def splits_dict(fitted: FittedModel) -> dict:
    """How national channels were split across geos: basis and each geo's share."""
    geos = fitted.dataset.geos
    return {
        channel: {
            "basis": split.basis,
            "shares": {g: round(float(v), 6) for g, v in zip(geos, split.shares, strict=True)},
        }
        for channel, split in fitted.dataset.splits.items()
    }


def summary_dict(fitted: FittedModel, prob: float | None = None) -> dict:
    """The model summary: the content of ``summary.json`` and of ``mmm summary --json``.

    Parameters
    ----------
    fitted : FittedModel
    prob : float, optional
        Central interval probability; ``fitted.config.interval`` when omitted.

    Returns
    -------
    dict
        ``model``, ``period`` (start, end), ``interval`` (the probability), ``draws``,
        ``diagnostics``, ``warnings``, ``fit`` (R², MAPE), ``channels`` (per channel ``spend``
        and an interval ``{"mean", "lo", "hi"}`` for each of :data:`CHANNEL_QUANTITIES`; sums
        over geos for a panel), for a panel ``geos`` (:func:`geos_dict`), ``geo_splits``
        (:func:`splits_dict`) and ``data_notes``, and for a calibrated model ``calibration``.
    """
    prob = _prob(fitted, prob)
    table = channel_summary(fitted, prob)
    channels = {}
    for channel in table.channel.to_numpy().tolist():
        channels[channel] = {"spend": float(table["spend"].sel(channel=channel))} | {
            name: table_interval(table, name, channel=channel).to_dict()
            for name in CHANNEL_QUANTITIES
        }
    dates = fitted.dataset.dates
    out = {
        "model": fitted.config.name,
        "period": {"start": str(dates[0].date()), "end": str(dates[-1].date())},
        "interval": prob,
        "draws": int(fitted.n_draws),
        "diagnostics": fitted.diagnostics.to_dict(),
        "warnings": fitted.diagnostics.warnings(),
        "fit": {k: round(v, 4) for k, v in fit_quality(fitted).items()},
        "channels": channels,
    }
    if fitted.dataset.is_panel:
        out["geos"] = geos_dict(fitted, prob)
        out["geo_splits"] = splits_dict(fitted)
        out["data_notes"] = list(fitted.dataset.notes)
    calibration = calibration_summary(fitted, prob)
    if calibration:
        out["calibration"] = calibration
    return out


def calibration_summary(fitted: FittedModel, prob: float | None = None) -> dict:
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
            scale = window_target_scale(window, fitted.scales.target)
            draws = implied_lift(window, fitted.plan, params, beta) * scale
            implied = Interval.of(draws, _prob(fitted, prob))
            tests.append(window.record.to_row() | {"implied": implied.to_dict()})
        out["lift_tests"] = tests
    if calibration.roi_priors:
        out["roi_priors"] = {
            k: v.model_dump(mode="json") for k, v in calibration.roi_priors.items()
        }
    if calibration.mta is not None:
        out["mta"] = calibration.mta.model_dump(mode="json")
    return out
