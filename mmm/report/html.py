"""Assemble the report: numbers from :mod:`mmm.report.context`, figures from
:mod:`mmm.report.plots`, page from the jinja2 template ``templates/report.html.j2``.

The page is self-contained: figures are inlined as base64 PNG, the stylesheet is inlined, and
there are no scripts, web fonts or links to other files. A panel model's report adds a "Geos"
section (:mod:`mmm.report.geo_section`, whose heat map is inline SVG).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from mmm.analysis.intervals import STATS, interval
from mmm.model.fit import FittedModel
from mmm.report import context, palette, plots
from mmm.report.geo_section import geo_section
from mmm.report.narrative import executive_summary, fit_warnings
from mmm.report.page import environment, page_figure, page_meta, without_lazy_jax, write_page
from mmm.report.scenarios_view import best_scenario, scenarios_view

TEMPLATE = "report.html.j2"

#: Section anchors and titles, in page order.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Executive summary"),
    ("data", "Data"),
    ("model", "Model"),
    ("diagnostics", "Diagnostics"),
    ("fit", "Fit"),
    ("decomposition", "Decomposition"),
    ("roi", "ROI and mROI"),
    ("curves", "Response curves"),
    ("scenarios", "Scenarios"),
    ("calibration", "Calibration"),
)
#: The section a panel model's report adds after them (:mod:`mmm.report.geo_section`).
GEO_SECTION: tuple[str, str] = ("geos", "Geos")


@dataclass(frozen=True)
class ReportResult:
    """What :func:`write_report` produced."""

    html: Path
    pdf: Path | None
    seconds: float


def _fig(fig_id: str, fig: Figure, alt: str, caption: str) -> dict[str, Any]:
    return page_figure(fig_id, fig, alt, caption)


def build_figures(
    fitted: FittedModel,
    q: context.Quantities,
    colors: dict[str, str],
    channel_rows: list[dict[str, Any]],
    scenarios: dict[str, Any] | None,
    lifts: list[dict[str, Any]],
) -> dict[str, dict[str, Any] | None]:
    """Every figure of the report, encoded for the page."""
    ds, cfg = fitted.dataset, fitted.config
    target, period, prob = cfg.data.target_column, context.period_word(fitted), q.prob
    pct = round(100 * prob)
    channels = list(cfg.channel_names)
    expected, predictive = interval(q.mu, prob), interval(q.replicated, prob)
    band = (expected["lo"], expected["hi"])
    pp_band = (predictive["lo"], predictive["hi"])
    pick = np.linspace(0, q.replicated.shape[0] - 1, context.N_REPLICATES).astype(int)
    roi = np.array([[r["roi"][k] for k in STATS] for r in channel_rows])
    mroi = np.array([[r["mroi"][k] for k in STATS] for r in channel_rows])
    cshare = np.array([[r["contribution_share"][k] for k in STATS] for r in channel_rows])
    decomp = q.decomposition
    names = [str(c) for c in decomp.component.to_numpy()]
    out: dict[str, dict[str, Any] | None] = {}
    with matplotlib.rc_context(plots.STYLE), without_lazy_jax():
        out["data"] = _fig(
            "data",
            plots.data_overview(ds.dates, ds.target, ds.spend, channels, colors, target, period),
            f"{target} and media spend over time",
            f"Top: {target} per {period}. Bottom: spend per {period}, stacked by channel.",
        )
        out["ppc"] = _fig(
            "ppc",
            plots.predictive_check(ds.target, q.replicated[pick], target),
            "posterior predictive check",
            f"Observed distribution of {target} per {period} against {len(pick)} data sets "
            "replicated from the posterior; the black line should look like one of the blue ones.",
        )
        out["fit"] = _fig(
            "fit",
            plots.actual_vs_predicted(
                ds.dates, ds.target, expected["mean"], band, pp_band, target, period, prob
            ),
            f"actual versus predicted {target}",
            f"Dark band: {pct}% interval of the expected {target}; light band: {pct}% interval "
            "for a new observation (adds the noise). Most dots should sit in the light band.",
        )
        out["decomposition"] = _fig(
            "decomposition",
            plots.decomposition_area(decomp, colors, ds.target, target, period),
            f"decomposition of {target} over time",
            "Posterior mean of each additive term, stacked; terms that are negative in a period "
            f"stack below zero. The black line is the actual {target}.",
        )
        out["shares"] = _fig(
            "shares",
            plots.contribution_shares(names, decomp["share"].to_numpy(), colors, target),
            "contribution shares",
            f"Share of the total expected {target} over the period, by term (posterior mean).",
        )
        out["roi"] = _fig(
            "roi",
            plots.roi_forest(channels, roi, mroi, colors, target, prob),
            "ROI and marginal ROI forest plot",
            f"Dots: posterior mean; lines: central {pct}% interval. ROI averages over all spend; "
            "marginal ROI is the return on the next unit at today's spend.",
        )
        out["share_comparison"] = _fig(
            "share-comparison",
            plots.share_comparison(
                channels, [r["spend_share"] for r in channel_rows], cshare, colors, prob
            ),  # fmt: skip
            "spend share versus contribution share",
            "A channel whose contribution share exceeds its spend share returns more than the "
            "media average per unit of spend.",
        )
        out["response"] = _fig(
            "response",
            plots.response_curves(q.curves, colors, target, prob),
            "response curves",
            f"Total contribution over the period if each channel's spend were scaled from 0 to "
            f"{float(q.curves.multiplier.max()):g}x its actual level (same timing); the dot "
            "and dashed line mark the current spend.",
        )
        out["adstock"] = _fig(
            "adstock",
            plots.adstock_curves(q.adstock, colors, period, prob),
            "adstock decay curves",
            f"Share of one {period}'s media effect that acts 0, 1, 2, ... {period}s later.",
        )
        out["scenarios"] = None
        rows = [row for row in (scenarios or {}).get("rows", []) if row["delta"]]
        if rows:
            values = np.array([[row["delta"][k] for k in STATS] for row in rows])
            out["scenarios"] = _fig(
                "scenarios",
                plots.interval_rows(
                    [row["name"] for row in rows],
                    [(f"change in expected {target}", values, palette.PREDICTED)],
                    f"Change in expected {target} versus "
                    f"'{scenarios['reference']}' ({pct}% interval)",
                    f"extra {target} over the planning horizon",
                ),  # fmt: skip
                "scenario gains versus the reference",
                f"Posterior mean and {pct}% interval of each plan's gain over the reference, "
                "paired draw by draw.",
            )
        out["lift"] = None
        if lifts:
            labels = [f"{r['channel']} {r['window']}" for r in lifts]
            measured = np.array([[r["measured"][k] for k in STATS] for r in lifts])
            implied = np.array([[r["implied"][k] for k in STATS] for r in lifts])
            out["lift"] = _fig(
                "lift",
                plots.interval_rows(
                    labels,
                    [
                        ("measured by the test", measured, palette.MEASURED),
                        ("implied by the posterior", implied, palette.IMPLIED),
                    ],
                    "Lift tests: measured versus implied",
                    f"extra {target} (Δy)",
                ),  # fmt: skip
                "lift tests versus posterior",
                f"Measured Δy with its {pct}% interval from the test's standard error, beside "
                "the posterior's Δy for the same spend change and window.",
            )
    return out


def render_report(
    fitted: FittedModel,
    summary: dict[str, Any] | None = None,
    scenarios: dict[str, Any] | None = None,
    model_dir: str | Path | None = None,
) -> str:
    """The report for a fitted model as one HTML string.

    Parameters
    ----------
    fitted : FittedModel
    summary : dict, optional
        The model's ``summary.json`` content (calibration and holdout blocks are read from it);
        computed with :func:`mmm.analysis.posterior.summary_dict` when omitted.
    scenarios : dict, optional
        The output of :func:`mmm.planning.scenarios.run_scenarios`.
    model_dir : str or Path, optional
        Shown in the header.
    """
    from mmm.analysis.summary import summary_dict

    summary = summary_dict(fitted) if summary is None else summary
    cfg = fitted.config
    colors = palette.component_colors(cfg.channel_names, fitted.dataset.control_names)
    q = context.compute(fitted)
    quality = context.fit_stats(fitted, q)
    diagnostics = context.diagnostics_rows(fitted, quality, summary, q.prob)
    channels = context.channel_rows(fitted, q, colors)
    lifts = context.lift_rows(summary, q.prob)
    scenario_data = (
        scenarios_view(scenarios, cfg.channel_names, context.period_word(fitted))
        if scenarios
        else None
    )
    warnings = fit_warnings(fitted, summary, diagnostics, lifts)
    facts = executive_summary(
        fitted, q, channels, warnings, quality, best_scenario(scenario_data), lifts
    )
    figures = build_figures(fitted, q, colors, channels, scenario_data, lifts)
    geos = geo_section(fitted, q.mu, colors, q.prob) if fitted.dataset.is_panel else None
    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            meta={**page_meta(cfg.name, model_dir), "model_dir": str(model_dir or "")},
            sections=SECTIONS + ((GEO_SECTION,) if geos else ()),
            colors=colors,
            summary=facts,
            data=context.data_section(fitted, colors),
            model=context.model_section(cfg, summary),
            diagnostics=diagnostics,
            channels=channels,
            scenarios=scenario_data,
            lifts=lifts,
            figures=figures,
            geos=geos,
        )
    )


def write_report(
    model_dir: str | Path,
    output: str | Path,
    scenarios: str | Path | None = None,
    pdf: bool = False,
) -> ReportResult:
    """Load a model folder, write its HTML report (and optionally a PDF beside it).

    Parameters
    ----------
    model_dir : str or Path
        A folder written by ``mmm fit``.
    output : str or Path
        The HTML file; replaced only once the new report is complete.
    scenarios : str or Path, optional
        A scenario file as ``mmm optimize --scenarios`` reads.
    pdf : bool
        Also print the page to ``output`` with the ``.pdf`` suffix, via headless Chromium.
    """
    from mmm.model.store import load_model, read_summary

    start = time.perf_counter()
    browser = None
    if pdf:
        from mmm.report.pdf import find_browser, print_to_pdf

        browser = find_browser()
        if browser is None:  # fail before the slow part
            print_to_pdf(output, Path(output).with_suffix(".pdf"))
    model_dir = Path(model_dir)
    fitted = load_model(model_dir)
    summary = read_summary(model_dir)
    scenario_result = None
    if scenarios is not None:
        from mmm.planning.scenarios import run_scenarios

        scenario_result = run_scenarios(fitted, scenarios)
    page = render_report(fitted, summary, scenario_result, model_dir)
    output = write_page(page, output)
    pdf_path = None
    if pdf:
        pdf_path = print_to_pdf(output, output.with_suffix(".pdf"), browser)
    return ReportResult(output, pdf_path, time.perf_counter() - start)
