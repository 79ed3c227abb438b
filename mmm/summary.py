"""Per-channel ROI, marginal ROI and contribution shares with intervals (``mmm summary``)."""

from __future__ import annotations

import xarray as xr

from mmm.analysis import (
    STATS,
    channel_contributions,
    channel_draw_summary,
    channel_table,
    component_draws,
)
from mmm.fit import FittedModel


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
    prob = float(fitted.config.interval if prob is None else prob)
    contribution = channel_contributions(fitted).sum(axis=1)  # (S, M)
    kpi = sum(part.sum(axis=1) for part in component_draws(fitted).values())  # (S,)
    shares = {
        "share_of_media": contribution / contribution.sum(axis=1, keepdims=True),
        "share_of_kpi": contribution / kpi[:, None],
    }
    return channel_draw_summary(shares, fitted.config.channel_names, prob)


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
        ``spend`` (channel) and ``contribution``, ``roi``, ``mroi``, ``share_of_media``,
        ``share_of_kpi`` (channel, stat), original units. mROI is the extra contribution from
        +1% spend in every period divided by that extra spend (:func:`mmm.analysis.mroi_draws`).
    """
    return channel_table(fitted, prob).merge(contribution_shares(fitted, prob))


def summary_json(fitted: FittedModel, prob: float | None = None) -> dict:
    """JSON-ready :func:`channel_summary` (what ``mmm summary --json`` prints)."""
    table = channel_summary(fitted, prob)
    channels = {}
    for channel in table.channel.to_numpy().tolist():
        row = table.sel(channel=channel)
        channels[channel] = {"spend": float(row["spend"])} | {
            name: {s: float(row[name].sel(stat=s)) for s in STATS}
            for name in ("contribution", "roi", "mroi", "share_of_media", "share_of_kpi")
        }
    dates = fitted.dataset.dates
    return {
        "model": fitted.config.name,
        "period": {"start": str(dates[0].date()), "end": str(dates[-1].date())},
        "interval": table.attrs["interval"],
        "draws": int(fitted.n_draws),
        "channels": channels,
    }
