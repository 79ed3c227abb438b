"""The attribution report: ``mmm attribute PATHS --report attribution.html`` (docs/report.md).

One self-contained HTML page in the shell of the MMM report (:mod:`mmm.report.page`): findings
first, then every model side by side per channel with the spread across models, the Markov
transition matrix as a heat map, removal effects, path length and time to conversion, and the
top paths. Numbers from :mod:`mmm.report.attribution_context`, figures from
:mod:`mmm.report.attribution_plots`, sentences from :mod:`mmm.report.attribution_findings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd

from mmm.attribution.heuristics import Attribution
from mmm.attribution.paths import PathData
from mmm.errors import MmmError
from mmm.report import attribution_context as ctx
from mmm.report import attribution_plots, palette
from mmm.report.attribution_findings import attribution_findings
from mmm.report.page import STYLE, environment, page_figure, page_meta, without_lazy_jax

TEMPLATE = "attribution.html.j2"
#: Section anchors and titles, in page order.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("findings", "Findings"),
    ("models", "Models side by side"),
    ("markov", "Markov chain"),
    ("journeys", "Journeys"),
    ("paths", "Top paths"),
)
#: Figure ids (``markov`` and ``removal`` need a Markov result with its transition matrix).
FIGURES = ("models", "markov", "removal", "journeys")


def _records(df: pd.DataFrame | None) -> list[dict[str, Any]]:
    if df is None:
        return []
    return df.astype(object).where(df.notna(), None).to_dict(orient="records")


def render_attribution_report(
    data: PathData, results: list[Attribution], source: str | Path | None = None
) -> str:
    """The attribution report as one HTML string.

    Parameters
    ----------
    data : PathData
        The journeys (:func:`mmm.attribution.read_input`).
    results : list of Attribution
        One per model, in the order to show them; a Markov result should carry its
        ``transition_matrix`` for the heat map.
    source : str or Path, optional
        The input file, shown in the header.

    Raises
    ------
    MmmError
        When ``results`` is empty.
    """
    if not results:
        raise MmmError("the attribution report needs at least one model", key="model")
    comparison = ctx.model_comparison(results)
    models = [ctx.model_label(r) for r in results]
    colors = palette.channel_colors([str(c) for c in comparison["channel"]])
    markov = next((r for r in results if r.model == "markov"), None)
    order = int(markov.details.get("order", 1)) if markov is not None else 1
    effects = markov.removal_effects if markov is not None else None
    lengths = ctx.path_lengths(data)
    ttc = ctx.time_to_conversion(data)
    figures: dict[str, dict[str, Any] | None] = {"markov": None, "removal": None}
    with matplotlib.rc_context(STYLE), without_lazy_jax():
        figures["models"] = page_figure(
            "models",
            attribution_plots.model_spread(comparison, models, colors),
            "attribution by model, per channel",
            "Each marker is one model's share of conversions for the channel; blue markers are "
            "the data-driven models (Markov, Shapley), grey ones fixed rules. The shaded bar "
            "spans the lowest to the highest model: the uncertainty of the method itself.",
        )
        if markov is not None and markov.transition_matrix is not None:
            figures["markov"] = page_figure(
                "markov",
                attribution_plots.transition_heatmap(
                    ctx.transition_grid(markov.transition_matrix), order
                ),
                "Markov transition matrix heat map",
                "Row: the state a journey is in (its last "
                f"{order} channel{'s' if order > 1 else ''}); column: where it goes next, "
                "including conversion and dropping out (null). Numbers are percentages.",
            )
        if effects is not None:
            figures["removal"] = page_figure(
                "removal",
                attribution_plots.removal_effects(effects, colors),
                "Markov removal effects",
                "Share of conversions the chain loses when every journey through the channel "
                "stops there. The Markov shares are these effects scaled to sum to 100%.",
            )
        figures["journeys"] = page_figure(
            "journeys",
            attribution_plots.journeys(lengths, ttc),
            "path length and time to conversion",
            "Journeys by number of touches (log scale) with the conversion rate at each length"
            + (
                "; converting journeys by days from the first touch in the lookback window."
                if ttc is not None
                else ". Time to conversion needs an event log (timestamps)."
            ),
        )
    findings = attribution_findings(
        comparison,
        models,
        effects,
        order,
        lengths,
        data.total_conversions,
        data.unattributed_conversions,
    )
    journeys = float(data.table["conversions"].sum() + data.table["nulls"].sum())
    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            meta=page_meta(Path(source).name if source else "journeys", source),
            sections=SECTIONS,
            colors=colors,
            models=models,
            comparison=_records(comparison),
            results=results,
            markov=markov,
            order=order,
            effects=_records(effects),
            findings=findings,
            facts={
                "paths": len(data.table),
                "journeys": journeys,
                "conversions": data.total_conversions,
                "value": data.total_value,
                "rate": data.total_conversions / journeys if journeys else float("nan"),
                "event_log": data.touches_sql is not None,
            },
            top_paths=_records(ctx.top_paths(data)),
            figures=figures,
        )
    )
