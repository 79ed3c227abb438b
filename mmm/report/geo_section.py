"""The report's "Geos" section, for panel models: ROI by geo, fit per geo, shrinkage, splits.

:func:`geo_section` computes everything the section shows from a fitted panel (numbers from
:func:`mmm.analysis.summary.geo_table`, :func:`mmm.analysis.posterior.geo_fit_quality` and
:func:`mmm.analysis.shrinkage.shrinkage`); :func:`heatmap_svg` draws the ROI heat map as inline
SVG, so each cell carries its interval as a hover title and the page stays self-contained.
The page template is ``templates/_geos.html.j2``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib
import numpy as np
import xarray as xr
from markupsafe import Markup, escape
from matplotlib.colors import to_hex

from mmm.analysis.intervals import interval
from mmm.analysis.posterior import geo_fit_quality, geo_predicted_mean
from mmm.analysis.shrinkage import shrinkage
from mmm.analysis.summary import geo_table
from mmm.model.fit import FittedModel
from mmm.report import geo_plots, plots
from mmm.report.context import period_word
from mmm.report.fmt import number, percent
from mmm.report.page import page_figure, without_lazy_jax

#: Geos drawn in the heat map (the largest by KPI); the table lists every geo.
HEATMAP_GEOS = 25
#: Geos drawn in the per-geo fit figure (the largest by KPI), beside the national sum.
FIT_GEOS = 4
#: Colour map of the heat map (sequential, colour-blind friendly) and its legend steps.
COLORMAP = "viridis"
LEGEND_STEPS, LEGEND_STEP_W = 6, 60.0
NO_SPEND = "no spend"
NO_SPEND_FILL = "#EEEEEE"
#: Heat map geometry (px).
CELL_H, HEADER_H, LEGEND_H, CHAR_W = 28, 30, 46, 7.6
#: Split bases in words.
BASIS_WORDS = {"population": "population", "kpi": "each geo's share of the KPI"}


def geo_order(kpi: np.ndarray) -> np.ndarray:
    """Geo indices by KPI total, largest first (ties keep data order)."""
    return np.argsort(-np.asarray(kpi, dtype=float), kind="stable")


def roi_cell_text(mean: float, lo: float, hi: float) -> str:
    """A table cell: ``mean (lo–hi)``, or ``no spend`` when the ROI is missing."""
    if not np.isfinite(mean):
        return NO_SPEND
    return f"{number(mean)} ({number(lo)}\u2013{number(hi)})"


def roi_rows(table: xr.Dataset, kpi: np.ndarray) -> list[dict[str, Any]]:
    """One row per geo, largest KPI first: the geo's KPI and its ROI per channel.

    Parameters
    ----------
    table : xarray.Dataset
        :func:`mmm.analysis.summary.geo_table` (``roi`` (geo, channel, stat), ``spend``).
    kpi : ndarray (G,)
        KPI total per geo, in ``table.geo`` order.

    Returns
    -------
    list of dict
        ``geo``, ``kpi`` and ``cells`` (per channel ``channel``, ``mean``, ``lo``, ``hi``,
        ``spend``, ``no_spend`` and the table's ``text``).
    """
    geos = [str(g) for g in table.geo.to_numpy()]
    channels = [str(c) for c in table.channel.to_numpy()]
    roi = table["roi"].transpose("geo", "channel", "stat").to_numpy()
    spend = table["spend"].transpose("geo", "channel").to_numpy()
    rows = []
    for g in geo_order(kpi):
        cells = []
        for m, channel in enumerate(channels):
            mean, lo, hi = (float(v) for v in roi[g, m])
            no_spend = not (spend[g, m] > 0 and np.isfinite(mean))
            text = NO_SPEND if no_spend else roi_cell_text(mean, lo, hi)
            cell = {"channel": channel, "mean": mean, "lo": lo, "hi": hi}
            cells.append(cell | {"spend": float(spend[g, m]), "no_spend": no_spend, "text": text})
        rows.append({"geo": geos[g], "kpi": float(kpi[g]), "cells": cells})
    return rows


def _text_color(fill: str) -> str:
    """Black or white text, whichever reads better on ``fill``."""
    r, g, b = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "#111111" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 else "#FFFFFF"


def _short(name: str, limit: int) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "\u2026"


def heatmap_svg(
    rows: Sequence[Mapping[str, Any]],
    channels: Sequence[str],
    prob: float,
    max_geos: int = HEATMAP_GEOS,
) -> dict[str, Any]:
    """The ROI heat map as inline SVG: geos as rows (in ``rows`` order), channels as columns.

    Parameters
    ----------
    rows : sequence of mapping
        :func:`roi_rows`, largest geo first.
    channels : sequence of str
    prob : float
        The interval probability (for the hover titles).
    max_geos : int
        Rows drawn; the rest are left out (and counted).

    Returns
    -------
    dict
        ``svg`` (markup; each cell a ``<rect>`` with a ``<title>`` giving geo, channel, mean and
        interval, or "no spend"), ``shown``, ``left_out`` and ``total`` (geos), ``lo`` and
        ``hi`` (the colour scale's ends).
    """
    shown = list(rows[:max_geos])
    means = np.array([c["mean"] for r in shown for c in r["cells"] if not c["no_spend"]])
    lo, hi = (float(means.min()), float(means.max())) if means.size else (0.0, 1.0)
    cmap = matplotlib.colormaps[COLORMAP]

    def fill(value: float) -> str:
        return to_hex(cmap(0.5 if hi <= lo else (value - lo) / (hi - lo)))

    names = [_short(str(r["geo"]), 28) for r in shown]
    label_w = 12 + CHAR_W * max((len(n) for n in names), default=4)
    cell_w = max(110.0, 16 + CHAR_W * max((len(str(c)) for c in channels), default=4))
    width = label_w + max(cell_w * len(channels), LEGEND_STEP_W * LEGEND_STEPS) + 8
    height = HEADER_H + CELL_H * len(shown) + LEGEND_H
    pct = round(100 * prob)
    parts = [
        f'<svg class="heatmap" role="img" aria-labelledby="geo-heatmap-title" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'style="max-width:100%;height:auto;display:block;font-size:13px">',
        f'<title id="geo-heatmap-title">Posterior mean ROI by geo and channel, the '
        f"{len(shown)} largest geos by KPI</title>",
    ]
    for m, channel in enumerate(channels):
        x = label_w + cell_w * (m + 0.5)
        parts.append(f'<text x="{x:.1f}" y="{HEADER_H - 9}" text-anchor="middle" '
                     f'font-weight="600">{escape(_short(str(channel), 20))}</text>')  # fmt: skip
    for i, (row, name) in enumerate(zip(shown, names, strict=True)):
        y = HEADER_H + CELL_H * i
        parts.append(f'<text x="{label_w - 8:.1f}" y="{y + CELL_H / 2 + 4:.1f}" '
                     f'text-anchor="end">{escape(name)}</text>')  # fmt: skip
        for m, cell in enumerate(row["cells"]):
            x = label_w + cell_w * m
            where = f"{row['geo']}, {cell['channel']}"
            if cell["no_spend"]:
                color, label = NO_SPEND_FILL, NO_SPEND
                title = f"{where}: no spend"
                ink = "#666666"
            else:
                color, label = fill(cell["mean"]), number(cell["mean"])
                title = (f"{where}: ROI {number(cell['mean'])} ({pct}% interval "
                         f"{number(cell['lo'])} to {number(cell['hi'])})")  # fmt: skip
                ink = _text_color(color)
            parts.append(
                f'<g><rect x="{x + 1:.1f}" y="{y + 1}" width="{cell_w - 2:.1f}" '
                f'height="{CELL_H - 2}" fill="{color}"><title>{escape(title)}</title></rect>'
                f'<text x="{x + cell_w / 2:.1f}" y="{y + CELL_H / 2 + 4:.1f}" '
                f'text-anchor="middle" fill="{ink}" pointer-events="none">{escape(label)}</text>'
                "</g>"
            )
    parts += _legend(label_w, HEADER_H + CELL_H * len(shown) + 10, lo, hi, fill)
    parts.append("</svg>")
    return {
        "svg": Markup("".join(parts)),
        "shown": len(shown),
        "left_out": len(rows) - len(shown),
        "total": len(rows),
        "lo": lo,
        "hi": hi,
    }


def _legend(x0: float, y0: float, lo: float, hi: float, fill) -> list[str]:
    """The colour scale: :data:`LEGEND_STEPS` swatches labelled with their ROI."""
    step_w = LEGEND_STEP_W
    parts = [f'<text x="{x0 - 8:.1f}" y="{y0 + 12:.1f}" text-anchor="end">ROI</text>']
    for k, value in enumerate(np.linspace(lo, hi, LEGEND_STEPS)):
        x = x0 + step_w * k
        parts.append(f'<rect x="{x:.1f}" y="{y0:.1f}" width="{step_w - 2:.1f}" height="14" '
                     f'fill="{fill(value)}"/><text x="{x + step_w / 2 - 1:.1f}" '
                     f'y="{y0 + 28:.1f}" text-anchor="middle" font-size="12">'
                     f"{escape(number(value))}</text>")  # fmt: skip
    return parts


def split_rows(fitted: FittedModel, order: np.ndarray, top: int = 5) -> list[dict[str, Any]]:
    """National channels: how their spend was split across geos.

    Each row: ``channel``, ``basis``, ``basis_text``, ``shares`` ((geo, share) in ``order``)
    and ``largest`` (the ``top`` largest shares, largest first).
    """
    geos = fitted.dataset.geos
    rows = []
    for channel, split in fitted.dataset.splits.items():
        shares = [(geos[g], float(split.shares[g])) for g in order]
        rows.append({"channel": channel, "basis": split.basis,
                     "basis_text": BASIS_WORDS.get(split.basis, split.basis), "shares": shares,
                     "largest": sorted(shares, key=lambda pair: -pair[1])[:top]})  # fmt: skip
    return rows


def fit_rows(fitted: FittedModel, order: np.ndarray) -> list[dict[str, Any]]:
    """Per geo (largest KPI first): KPI total and share, in-sample R² and MAPE."""
    quality = geo_fit_quality(fitted)
    kpi = fitted.dataset.geo_target.sum(axis=1)
    return [
        {"geo": fitted.dataset.geos[g], "kpi": float(kpi[g]), "share": float(kpi[g] / kpi.sum()),
         "r2": float(quality["r2"][g]), "mape": float(quality["mape"][g])}
        for g in order
    ]  # fmt: skip


def _fit_figure(
    fitted: FittedModel, mu: np.ndarray, order: np.ndarray, rows: list[dict[str, Any]], prob: float
) -> dict[str, Any]:
    ds = fitted.dataset
    target, period = fitted.config.data.target_column, period_word(fitted)
    national = interval(mu, prob)
    panels = [geo_plots.FitPanel(f"National (sum of {ds.n_geos} geos)", ds.target,
                                 national["mean"], national["lo"], national["hi"])]  # fmt: skip
    for row, g in zip(rows[:FIT_GEOS], order[:FIT_GEOS], strict=True):
        band = interval(geo_predicted_mean(fitted, int(g)), prob)
        title = f"{row['geo']} (R² {row['r2']:.2f}, MAPE {percent(row['mape'])})"
        panels.append(geo_plots.FitPanel(title, ds.geo_target[g], band["mean"], band["lo"],
                                         band["hi"]))  # fmt: skip
    pct = round(100 * prob)
    n = min(FIT_GEOS, ds.n_geos)
    return page_figure(
        "geo-fit",
        geo_plots.geo_fit(ds.dates, panels, target, period, prob),
        f"actual versus predicted {target} for the national sum and the {n} largest geos",
        f"The national sum and the {n} largest geos by {target}: dots are the actual {target}, "
        f"the line and band the posterior mean and {pct}% interval of the expected {target}. "
        "Each panel has its own scale.",
    )


def geo_section(
    fitted: FittedModel, mu: np.ndarray, colors: Mapping[str, str], prob: float
) -> dict[str, Any]:
    """Everything the "Geos" section of the report shows, for a panel model.

    Parameters
    ----------
    fitted : FittedModel
        A panel (``fitted.dataset.is_panel``).
    mu : ndarray (S, T)
        The national expected KPI (:func:`mmm.analysis.posterior.predicted_mean`).
    colors : mapping
        Channel colours (:func:`mmm.report.palette.component_colors`).
    prob : float
        The interval probability.

    Returns
    -------
    dict
        ``n_geos``, ``channels``, ``pooling``, ``heatmap`` (:func:`heatmap_svg`), ``roi_rows``
        (:func:`roi_rows`), ``fit_rows`` (:func:`fit_rows`), ``shrinkage`` (mean distances
        from the channel mean), ``splits`` (:func:`split_rows`), ``notes`` and ``figures``
        (``fit``, ``shrinkage``).
    """
    ds, cfg = fitted.dataset, fitted.config
    channels = list(cfg.channel_names)
    table = geo_table(fitted, prob)
    kpi = ds.geo_target.sum(axis=1)
    order = geo_order(kpi)
    rows = roi_rows(table, kpi)
    quality = fit_rows(fitted, order)
    pooled = table["roi"].sel(stat="mean").transpose("geo", "channel").to_numpy()
    shrunk = shrinkage(fitted, pooled)
    target = cfg.data.target_column
    with matplotlib.rc_context(plots.STYLE), without_lazy_jax():
        figures = {
            "fit": _fit_figure(fitted, mu, order, quality, prob),
            "shrinkage": page_figure(
                "geo-shrinkage",
                geo_plots.shrinkage_scatter(
                    shrunk.own, shrunk.pooled, shrunk.channel_mean, channels, colors, target
                ),  # fmt: skip
                "own versus pooled ROI per geo and channel",
                "Each dot is one geo and channel: x, the ROI its own data give by least squares "
                "(transforms fixed at their posterior means, no prior); y, the model's pooled "
                "posterior mean. Dots on the dashed line were not moved by pooling; the "
                "horizontal bars mark the ROI each channel's geos are pooled toward (the "
                "median geo ROI), where full pooling would put every geo. Hollow dots: own "
                "estimates beyond the plotted range, drawn at its edge.",
            ),
        }
    return {
        "n_geos": ds.n_geos,
        "channels": [{"name": c, "color": colors[c]} for c in channels],
        "pooling": [(c.name, c.pooling) for c in cfg.channels],
        "heatmap": heatmap_svg(rows, channels, prob),
        "roi_rows": rows,
        "fit_rows": quality,
        "shrinkage": shrunk.distance_to_mean(),
        "splits": split_rows(fitted, order),
        "notes": list(ds.notes),
        "figures": figures,
    }
