"""Figures of the report's geo section (panel models): per-geo fit and the shrinkage plot.

Like :mod:`mmm.report.plots`, every function takes plain arrays and returns a matplotlib
figure built without pyplot; wrap calls in ``matplotlib.rc_context(plots.STYLE)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from mmm.report import palette
from mmm.report.plots import NUMBER, new_figure, panel_grid

#: The shrinkage plot's axes reach this many interquartile ranges beyond the quartiles of all
#: estimates (and no further than the data); own estimates beyond are drawn at the edge.
CLIP_IQR = 3.0


@dataclass(frozen=True)
class FitPanel:
    """One small multiple of the per-geo fit figure (KPI units per period)."""

    title: str
    actual: np.ndarray  # (T,)
    mean: np.ndarray  # (T,) posterior mean of the expected KPI
    lo: np.ndarray  # (T,)
    hi: np.ndarray  # (T,)


def geo_fit(
    dates: pd.DatetimeIndex,
    panels: Sequence[FitPanel],
    target_name: str,
    period: str,
    prob: float,
) -> Figure:
    """Observed against predicted KPI, one small panel per geo (or the national sum).

    Each panel has its own y axis (geos differ in size): the interval band of the expected
    KPI, its posterior mean and the observed values as dots.
    """
    fig, axes = panel_grid(len(panels), ncols=min(3, len(panels)), height=2.5)
    pct = round(100 * prob)
    for i, (ax, panel) in enumerate(zip(axes.flat, panels, strict=False)):
        ax.fill_between(dates, panel.lo, panel.hi, color=palette.BAND, alpha=0.55, lw=0,
                        label=f"{pct}% interval")  # fmt: skip
        ax.plot(dates, panel.mean, color=palette.PREDICTED, lw=1.2, label="predicted (mean)")
        ax.plot(dates, panel.actual, "o", ms=2.2, color=palette.ACTUAL, label="actual")
        ax.set_title(panel.title)
        ax.yaxis.set_major_formatter(NUMBER)
        locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        if i % axes.shape[1] == 0:
            ax.set_ylabel(f"{target_name} per {period}")
        if i == 0:
            ax.legend(loc="upper left", fontsize=7.5)
    return fig


def axis_range(values: np.ndarray, reach: float = CLIP_IQR) -> tuple[float, float]:
    """The data's range, cut at ``reach`` interquartile ranges beyond the quartiles.

    Parameters
    ----------
    values : ndarray
        Finite values (an empty array gives (0, 1)).
    reach : float

    Returns
    -------
    (float, float)
    """
    if not values.size:
        return 0.0, 1.0
    q1, q3 = np.quantile(values, [0.25, 0.75])
    iqr = q3 - q1
    return max(float(values.min()), q1 - reach * iqr), min(float(values.max()), q3 + reach * iqr)


def _clip(values: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """``values`` clipped to [lo, hi] and a mask of the clipped ones."""
    clipped = np.clip(values, lo, hi)
    return clipped, clipped != values


def shrinkage_scatter(
    own: np.ndarray,
    pooled: np.ndarray,
    channel_mean: np.ndarray,
    channels: Sequence[str],
    colors: Mapping[str, str],
    target_name: str,
) -> Figure:
    """Each geo's own ROI (x) against its pooled ROI (y), per channel.

    Parameters
    ----------
    own, pooled : ndarray (G, M)
        See :class:`mmm.analysis.shrinkage.Shrinkage`; NaN cells are left out.
    channel_mean : ndarray (M,)
        The ROI each channel's geos are pooled toward, drawn as a horizontal mark across that
        channel's own estimates (where full pooling would put every geo).
    channels : sequence of str
    colors : mapping
        Channel colours.
    target_name : str

    Notes
    -----
    Points on the dashed y = x line were not moved by pooling. Own estimates beyond
    :func:`axis_range` are drawn hollow at the edge of the axes, so one wild least-squares
    estimate does not squash the rest.
    """
    fig, axes = new_figure((10.0, 5.2))
    ax = axes[0, 0]
    both = np.isfinite(own) & np.isfinite(pooled)
    spread = np.concatenate([own[both], pooled[both], channel_mean[np.isfinite(channel_mean)]])
    lo, hi = axis_range(spread)
    if both.any():  # the pooled estimates are always in view
        lo, hi = min(lo, pooled[both].min()), max(hi, pooled[both].max())
    pad = 0.06 * (hi - lo or 1.0)
    lo, hi = lo - pad, hi + pad
    ax.plot([lo, hi], [lo, hi], ls="--", color="#777777", lw=0.9, label="y = x (no pooling)")
    for m, name in enumerate(channels):
        keep = both[:, m]
        if not keep.any():
            continue
        color = colors[name]
        x, clipped = _clip(own[keep, m], lo, hi)
        y = pooled[keep, m]
        ax.scatter(x[~clipped], y[~clipped], s=30, color=color, edgecolor="white", lw=0.6,
                   label=name, zorder=3)  # fmt: skip
        if clipped.any():
            ax.scatter(x[clipped], y[clipped], s=30, facecolor="none", edgecolor=color, lw=1.2,
                       zorder=3)  # fmt: skip
        span = (max(x.min(), lo), min(x.max(), hi))
        if span[1] - span[0] < 0.04 * (hi - lo):
            center = channel_mean[m]
            span = (center - 0.02 * (hi - lo), center + 0.02 * (hi - lo))
        ax.hlines(channel_mean[m], *span, color=color, lw=2.2, alpha=0.8, zorder=2)
    ax.plot([], [], color="#777777", lw=2.2, label="channel's national ROI")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.xaxis.set_major_formatter(NUMBER)
    ax.yaxis.set_major_formatter(NUMBER)
    ax.set_xlabel(f"own estimate: ROI from the geo's data alone ({target_name} per unit spend)")
    ax.set_ylabel("pooled estimate: posterior mean ROI")
    ax.set_title("Shrinkage: each geo's own ROI against the pooled one")
    ax.legend(loc="upper left", ncols=2)
    return fig
