"""The cross-validation page: ``mmm cv CONFIG --html cv.html`` (see docs/validation.md).

One self-contained HTML page in the shell of the other reports (:mod:`mmm.report.page`): the
folds' out-of-sample scores, the forecast of each fold against the actual KPI, and each
channel's ROI fold by fold, so a model that predicts poorly or whose ROI moves with the data
window is visible at a glance.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from mmm.report import palette
from mmm.report.page import STYLE, environment, page_figure, page_meta, without_lazy_jax, write_page
from mmm.validation.cv import CvResult

TEMPLATE = "cv.html.j2"
SECTIONS: tuple[tuple[str, str], ...] = (
    ("scores", "Out-of-sample scores"),
    ("forecasts", "Forecast versus actual"),
    ("roi", "ROI by fold"),
)


def forecast_figure(result: CvResult, dates: pd.DatetimeIndex, actual: np.ndarray) -> Figure:
    """The KPI over all periods with each fold's forecast mean and 90% predictive band."""
    fig = Figure(figsize=(9.0, 3.4), layout="constrained")
    ax = fig.subplots()
    ax.plot(dates, actual, color=palette.ACTUAL, lw=1.1, label="actual")
    for i, fold in enumerate(result.folds):
        when = pd.DatetimeIndex(fold.dates)
        label = "forecast (90% band)" if i == 0 else None
        ax.fill_between(when, fold.lo, fold.hi, color=palette.BAND, alpha=0.35, lw=0)
        ax.plot(when, fold.mean, color=palette.PREDICTED, lw=1.4, label=label)
        ax.axvline(pd.Timestamp(fold.train_end), color=palette.GRID, lw=1.0, zorder=0)
    ax.set_ylabel("KPI")
    ax.legend(loc="upper left")
    return fig


def roi_figure(result: CvResult, colors: dict[str, str]) -> Figure:
    """Each channel's ROI mean and interval per fold (one panel per channel)."""
    channels = list(result.folds[0].roi)
    n_cols = min(3, len(channels))
    n_rows = -(-len(channels) // n_cols)
    fig = Figure(figsize=(3.1 * n_cols, 2.3 * n_rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(n_rows, n_cols, squeeze=False)).ravel()
    ends = [fold.train_end for fold in result.folds]
    unstable = set(result.unstable_channels())
    for ax, channel in zip(axes, channels, strict=False):
        rows = [fold.roi[channel] for fold in result.folds]
        means = np.array([r["mean"] for r in rows])
        errors = np.array([[r["mean"] - r["lo"], r["hi"] - r["mean"]] for r in rows]).T
        x = np.arange(len(rows))
        ax.errorbar(x, means, yerr=errors, fmt="o", color=colors[channel], capsize=3)
        ax.set_title(f"{channel} (unstable)" if channel in unstable else channel)
        ax.set_xticks(x, [end[2:] for end in ends], rotation=30, fontsize=7.5)
        ax.set_ylim(bottom=0)
    for ax in axes[len(channels) :]:
        ax.set_visible(False)
    return fig


def render_cv_report(
    result: CvResult, name: str, dates: pd.DatetimeIndex, actual: np.ndarray, source: str = ""
) -> str:
    """The cross-validation page as one HTML string.

    Parameters
    ----------
    result : CvResult
    name : str
        The model's name (the page title).
    dates : DatetimeIndex
        Every period of the data.
    actual : ndarray (T,)
        The KPI of every period (national).
    source : str
        The config file, shown in the header.
    """
    channels = list(result.folds[0].roi)
    colors = palette.channel_colors(channels)
    with matplotlib.rc_context(STYLE), without_lazy_jax():
        figures = {
            "forecasts": page_figure(
                "forecasts",
                forecast_figure(result, dates, actual),
                "forecast versus actual per fold",
                "Black: the KPI. Blue: each fold's forecast of the periods after its training "
                "window (grey line), with its central 90% predictive interval.",
            ),
            "roi": page_figure(
                "roi",
                roi_figure(result, colors),
                "ROI by fold, per channel",
                "Each point is one fold's ROI mean with its interval, labelled by the fold's last "
                "training period. A channel is marked unstable when one fold's mean lies outside "
                "another fold's interval.",
            ),
        }
    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            meta=page_meta(name, source),
            sections=SECTIONS,
            result=result.to_dict(),
            channels=channels,
            colors=colors,
            figures=figures,
        )
    )


def write_cv_report(
    result: CvResult,
    output: str | Path,
    name: str,
    dates: pd.DatetimeIndex,
    actual: np.ndarray,
    source: str = "",
) -> Path:
    """Render the page (:func:`render_cv_report`) and write it to ``output`` atomically."""
    return write_page(render_cv_report(result, name, dates, actual, source), output)
