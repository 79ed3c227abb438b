"""The report's figures: matplotlib only, no file or HTML handling.

Every function takes plain arrays or xarray objects and returns a :class:`matplotlib.figure.
Figure` built without pyplot (no global state, no GUI backend). Channel colours come from
:mod:`mmm.report.palette` through the ``colors`` mapping, so a channel looks the same in every
figure. Wrap calls in :data:`STYLE` (``matplotlib.rc_context(STYLE)``) for the house style.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from mmm.report import palette
from mmm.report.fmt import number
from mmm.report.page import STYLE as STYLE  # the house style, re-exported

WIDE = (10.0, 3.6)
#: Axis formatter of compact numbers (``45.6k``, ``1.2M``).
NUMBER = FuncFormatter(lambda v, _pos: number(v))
_NUMBER = NUMBER


def new_figure(size: tuple[float, float] = WIDE, nrows: int = 1, ncols: int = 1, **kw) -> tuple:
    """A constrained-layout figure (no pyplot) and its 2-D array of axes."""
    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


_figure = new_figure


def panel_grid(n: int, ncols: int = 3, height: float = 2.6, width: float = 10.0) -> tuple:
    """Small multiples: ``n`` panels in rows of ``ncols``; unused panels are hidden."""
    ncols = max(1, min(ncols, n))
    nrows = max(1, -(-n // ncols))
    fig, axes = new_figure((width, height * nrows + 0.4), nrows, ncols)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes


def _date_axis(ax) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def data_overview(
    dates: pd.DatetimeIndex,
    target: np.ndarray,
    spend: np.ndarray,
    channels: Sequence[str],
    colors: Mapping[str, str],
    target_name: str,
    period: str,
) -> Figure:
    """KPI over time (top) and stacked spend per channel (bottom)."""
    fig, axes = _figure((10.0, 5.2), 2, 1, sharex=True)
    top, bottom = axes[0, 0], axes[1, 0]
    top.plot(dates, target, color=palette.ACTUAL, lw=1.3)
    top.set_title(f"{target_name} over time")
    top.set_ylabel(f"{target_name} per {period}")
    top.yaxis.set_major_formatter(_NUMBER)
    bottom.stackplot(
        dates, spend.T, labels=list(channels), colors=[colors[c] for c in channels], alpha=0.9
    )
    bottom.set_title("Media spend by channel (stacked)")
    bottom.set_ylabel(f"spend per {period}")
    bottom.yaxis.set_major_formatter(_NUMBER)
    bottom.legend(loc="upper left", ncols=min(len(channels), 6))
    bottom.set_xlabel("date")
    _date_axis(bottom)
    return fig


def actual_vs_predicted(
    dates: pd.DatetimeIndex,
    actual: np.ndarray,
    mean: np.ndarray,
    band: tuple[np.ndarray, np.ndarray],
    pp_band: tuple[np.ndarray, np.ndarray],
    target_name: str,
    period: str,
    prob: float,
) -> Figure:
    """Observed KPI against the posterior mean, with the expected and predictive bands."""
    pct = round(100 * prob)
    fig, axes = _figure((10.0, 4.0))
    ax = axes[0, 0]
    ax.fill_between(dates, *pp_band, color=palette.BAND, alpha=0.25, lw=0,
                    label=f"{pct}% predictive interval")  # fmt: skip
    ax.fill_between(dates, *band, color=palette.BAND, alpha=0.55, lw=0,
                    label=f"{pct}% interval of the expected {target_name}")  # fmt: skip
    ax.plot(dates, mean, color=palette.PREDICTED, lw=1.4, label="predicted (posterior mean)")
    ax.plot(dates, actual, "o", ms=2.8, color=palette.ACTUAL, label="actual")
    ax.set_title(f"Actual versus predicted {target_name}")
    ax.set_ylabel(f"{target_name} per {period}")
    ax.set_xlabel("date")
    ax.yaxis.set_major_formatter(_NUMBER)
    ax.legend(loc="upper left", ncols=2)
    _date_axis(ax)
    return fig


def predictive_check(actual: np.ndarray, replicated: np.ndarray, target_name: str) -> Figure:
    """Distribution of the observed KPI against replicated data sets (posterior predictive)."""
    fig, axes = _figure((10.0, 3.2))
    ax = axes[0, 0]
    lo = min(actual.min(), np.quantile(replicated, 0.005))
    hi = max(actual.max(), np.quantile(replicated, 0.995))
    bins = np.linspace(lo, hi, 31)
    for i, rep in enumerate(replicated):
        counts, _ = np.histogram(rep, bins=bins, density=True)
        ax.stairs(counts, bins, color=palette.BAND, alpha=0.35, lw=0.8,
                  label="replicated data sets" if i == 0 else None)  # fmt: skip
    counts, _ = np.histogram(actual, bins=bins, density=True)
    ax.stairs(counts, bins, color=palette.ACTUAL, lw=2.0, label=f"observed {target_name}")
    ax.set_title("Posterior predictive check: distribution of the KPI")
    ax.set_xlabel(f"{target_name} per period")
    ax.set_ylabel("frequency (density)")
    ax.set_yticks([])
    ax.xaxis.set_major_formatter(_NUMBER)
    ax.legend(loc="upper right")
    return fig


def decomposition_area(
    decomp: xr.Dataset,
    colors: Mapping[str, str],
    actual: np.ndarray,
    target_name: str,
    period: str,
) -> Figure:
    """Stacked area of every component's mean: positive parts up, negative parts down."""
    names = [str(c) for c in decomp.component.to_numpy()]
    dates = pd.DatetimeIndex(decomp.date.to_numpy())
    values = decomp["mean"].to_numpy()
    pos, neg = np.clip(values, 0, None), np.clip(values, None, 0)
    fig, axes = _figure((10.0, 4.6))
    ax = axes[0, 0]
    cols = [colors[n] for n in names]
    ax.stackplot(dates, pos, colors=cols, labels=names, alpha=0.95, lw=0)
    if (neg < 0).any():
        ax.stackplot(dates, neg, colors=cols, alpha=0.95, lw=0)
        ax.axhline(0, color="#555555", lw=0.8)
    ax.plot(dates, actual, color=palette.ACTUAL, lw=1.0, label=f"actual {target_name}")
    ax.set_title(f"What drove {target_name}: contribution of each component")
    ax.set_ylabel(f"{target_name} per {period}")
    ax.set_xlabel("date")
    ax.yaxis.set_major_formatter(_NUMBER)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    _date_axis(ax)
    return fig


def contribution_shares(
    names: Sequence[str], shares: np.ndarray, colors: Mapping[str, str], target_name: str
) -> Figure:
    """Horizontal bars: each component's share of the total expected KPI."""
    order = np.argsort(shares)
    fig, axes = _figure((10.0, 0.5 + 0.32 * len(names)))
    ax = axes[0, 0]
    labels = [names[i] for i in order]
    ax.barh(labels, shares[order], color=[colors[n] for n in labels])
    for y, share in enumerate(shares[order]):
        ax.annotate(f"{100 * share:.1f}%", (share, y), xytext=(3 if share >= 0 else -3, 0),
                    textcoords="offset points", va="center",
                    ha="left" if share >= 0 else "right", fontsize=8)  # fmt: skip
    ax.axvline(0, color="#555555", lw=0.8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(f"share of total expected {target_name} over the period")
    ax.set_title("Contribution shares")
    ax.grid(axis="y", visible=False)
    return fig


def forest(ax, channels, stats, colors, title, xlabel) -> None:
    """Dots (mean) and lines (interval) per row on ``ax``; ``stats`` is (N, 3) mean/lo/hi."""
    y = np.arange(len(channels))[::-1]
    for yi, name, (mean, lo, hi) in zip(y, channels, stats, strict=True):
        ax.plot([lo, hi], [yi, yi], color=colors[name], lw=2.6, solid_capstyle="round")
        ax.plot(mean, yi, "o", ms=7, color=colors[name], mec="white", mew=1.2)
    ax.set_yticks(y, channels)
    ax.set_ylim(-0.6, len(channels) - 0.4)
    ax.axvline(0, color="#555555", lw=0.8)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)


def roi_forest(
    channels: Sequence[str],
    roi: np.ndarray,
    mroi: np.ndarray,
    colors: Mapping[str, str],
    target_name: str,
    prob: float,
) -> Figure:
    """ROI and marginal ROI per channel: posterior mean (dot) and central interval (line).

    ``roi`` and ``mroi`` are (M, 3) arrays of (mean, lo, hi).
    """
    pct = round(100 * prob)
    fig, axes = _figure((10.0, 0.9 + 0.45 * len(channels)), 1, 2, sharey=True)
    forest(axes[0, 0], channels, roi, colors, f"ROI (mean, {pct}% interval)",
            f"{target_name} per unit of spend")  # fmt: skip
    forest(axes[0, 1], channels, mroi, colors, f"Marginal ROI at current spend ({pct}%)",
            f"extra {target_name} per extra unit of spend")  # fmt: skip
    return fig


def share_comparison(
    channels: Sequence[str],
    spend_share: np.ndarray,
    contribution_share: np.ndarray,
    colors: Mapping[str, str],
    prob: float,
) -> Figure:
    """Share of media spend versus share of media contribution, per channel.

    ``contribution_share`` is (M, 3): mean, lo, hi of each channel's share of the total media
    contribution.
    """
    y = np.arange(len(channels))[::-1]
    fig, axes = _figure((10.0, 0.9 + 0.5 * len(channels)))
    ax = axes[0, 0]
    cols = [colors[c] for c in channels]
    ax.barh(y + 0.19, spend_share, height=0.36, color=cols, alpha=0.35, label="share of spend")
    mean, lo, hi = contribution_share.T
    ax.barh(y - 0.19, mean, height=0.36, color=cols, label="share of media contribution")
    ax.errorbar(mean, y - 0.19, xerr=[mean - lo, hi - mean], fmt="none", ecolor="#333333",
                elinewidth=1, capsize=2.5, label=f"{round(100 * prob)}% interval")  # fmt: skip
    ax.set_yticks(y, channels)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share of total over the period (all channels = 100%)")
    ax.set_title("Spend share versus contribution share")
    ax.legend(loc="lower right")
    ax.grid(axis="y", visible=False)
    return fig


def response_curves(
    curves: xr.Dataset, colors: Mapping[str, str], target_name: str, prob: float
) -> Figure:
    """One panel per channel: total contribution against total spend, current spend marked."""
    channels = [str(c) for c in curves.channel.to_numpy()]
    ncols = min(3, len(channels))
    nrows = -(-len(channels) // ncols)
    fig, axes = _figure((10.0, 2.7 * nrows + 0.3), nrows, ncols)
    multipliers = curves.multiplier.to_numpy()
    current = int(np.argmin(np.abs(multipliers - 1.0)))
    for i, ax in enumerate(axes.flat):
        if i >= len(channels):
            ax.set_visible(False)
            continue
        row = curves.sel(channel=channels[i])
        spend = row["spend"].to_numpy()
        color = colors[channels[i]]
        ax.fill_between(spend, row["contribution_lo"], row["contribution_hi"], color=color,
                        alpha=0.2, lw=0, label=f"{round(100 * prob)}% interval")  # fmt: skip
        ax.plot(spend, row["contribution_mean"], color=color, lw=1.8, label="mean")
        ax.axvline(spend[current], color="#555555", ls="--", lw=0.9)
        ax.plot(spend[current], row["contribution_mean"][current], "o", ms=7, color=color,
                mec="black", mew=1.0, label="current spend")  # fmt: skip
        ax.set_title(channels[i])
        ax.xaxis.set_major_formatter(_NUMBER)
        ax.yaxis.set_major_formatter(_NUMBER)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        if i % ncols == 0:
            ax.set_ylabel(f"{target_name} (total over period)")
        if i >= len(channels) - ncols:
            ax.set_xlabel("spend (total over period)")
        if i == 0:
            ax.legend(loc="lower right")
    return fig


def adstock_curves(
    adstock: xr.Dataset, colors: Mapping[str, str], period: str, prob: float
) -> Figure:
    """Share of a period's spend that acts at each lag: one small panel per channel."""
    channels = [str(c) for c in adstock.channel.to_numpy()]
    ncols = min(5, len(channels))
    nrows = -(-len(channels) // ncols)
    fig, axes = _figure((10.0, 2.4 * nrows + 0.5), nrows, ncols, sharex=True, sharey=True)
    lags = adstock.lag.to_numpy()
    for i, ax in enumerate(axes.flat):
        if i >= len(channels):
            ax.set_visible(False)
            continue
        row = adstock.sel(channel=channels[i])
        color = colors[channels[i]]
        ax.bar(lags, row["weight_mean"], color=color, alpha=0.85, width=0.7)
        ax.errorbar(lags, row["weight_mean"],
                    yerr=[row["weight_mean"] - row["weight_lo"],
                          row["weight_hi"] - row["weight_mean"]],
                    fmt="none", ecolor="#333333", elinewidth=0.9, capsize=2)  # fmt: skip
        ax.set_title(channels[i])
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        ax.grid(axis="x", visible=False)
        if i % ncols == 0:
            ax.set_ylabel("share of the effect")
        if i >= len(channels) - ncols:
            ax.set_xlabel(f"{period}s after spend")
    fig.suptitle(
        f"Adstock decay: how spend carries over (mean and {round(100 * prob)}% interval)",
        fontweight="bold",
        fontsize=10.5,
    )
    return fig


def interval_rows(
    labels: Sequence[str],
    series: Sequence[tuple[str, np.ndarray, str]],
    title: str,
    xlabel: str,
) -> Figure:
    """Rows of point estimates with intervals, one marker style per series.

    ``series`` holds ``(label, values (N, 3) of mean/lo/hi, colour)``; used for scenario
    outcomes and for lift tests (measured versus implied).
    """
    y = np.arange(len(labels))[::-1].astype(float)
    n = len(series)
    offsets = (np.arange(n) - (n - 1) / 2) * 0.22
    fig, axes = _figure((10.0, 0.9 + 0.45 * len(labels) * max(1, n / 1.5)))
    ax = axes[0, 0]
    markers = "osD^"
    for k, (label, values, color) in enumerate(series):
        values = np.asarray(values, dtype=float)
        yy = y - offsets[k]
        ax.hlines(yy, values[:, 1], values[:, 2], color=color, lw=2.4)
        ax.plot(values[:, 0], yy, markers[k % 4], color=color, ms=6.5, mec="white", label=label)
    ax.set_yticks(y, labels)
    ax.axvline(0, color="#555555", lw=0.8)
    ax.xaxis.set_major_formatter(_NUMBER)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    if n > 1:
        ax.legend(loc="best")
    return fig
