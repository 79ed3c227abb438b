"""Terminal tables of ``mmm attribute``: every one a :class:`mmm.cli.layout.StackedTable`.

With several models the default is one table of shares, a column per model and the range
across models, so the comparison reads at 80 columns; ``--wide`` adds each model's own table
(conversions, their standard error, value, share, removal effect).
"""

from __future__ import annotations

from mmm.attribution.heuristics import Attribution
from mmm.cli.layout import Column, StackedTable
from mmm.cli.tables import DASH, format_number

#: Short model names for headers.
SHORT = {
    "first_touch": "first",
    "last_touch": "last",
    "last_non_direct": "last-nd",
    "linear": "linear",
    "time_decay": "decay",
    "position_based": "position",
    "markov": "markov",
    "shapley": "shapley",
}


def share(value: float) -> str:
    """A share in percent with one decimal."""
    return f"{100 * value:.1f}%"


def comparison_table(results: list[Attribution]) -> StackedTable:
    """Share of conversions per channel under each model, and the range across the models."""
    channels = sorted({str(c) for r in results for c in r.table["channel"]})
    shares = [r.table.set_index("channel")["share"].reindex(channels).fillna(0.0) for r in results]
    columns = [
        Column(SHORT.get(r.model, r.model), [share(v) for v in s])
        for r, s in zip(results, shares, strict=True)
    ]
    if len(results) > 1:
        lo = [min(s.iloc[i] for s in shares) for i in range(len(channels))]
        hi = [max(s.iloc[i] for s in shares) for i in range(len(channels))]
        columns.append(
            Column("range", [f"{100 * a:.1f}{DASH}{share(b)}" for a, b in zip(lo, hi, strict=True)])
        )
    return StackedTable(
        title="Share of conversions by model",
        key=Column("channel", channels, justify="left"),
        columns=columns,
        continued="(continued)",
        legend="range: lowest to highest share over the models (the method's own uncertainty)."
        if len(results) > 1
        else "",
    )


def model_table(result: Attribution) -> StackedTable:
    """One model's conversions (± standard error when sampled), value, share, removal effect."""
    table = result.table
    settings = ", ".join(
        f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in result.details.items()
    )
    columns = [Column("conversions", [format_number(v) for v in table["conversions"]])]
    if "conversions_se" in table and table["conversions_se"].gt(0).any():
        columns.append(Column("± se", [format_number(v) for v in table["conversions_se"]]))
    columns += [
        Column("value", [format_number(v) for v in table["value"]]),
        Column("share", [share(v) for v in table["share"]]),
    ]
    if result.removal_effects is not None:
        effects = result.removal_effects.set_index("channel")["removal_effect"]
        columns.append(Column("removal effect", [share(effects[c]) for c in table["channel"]]))
    return StackedTable(
        title=result.model,
        key=Column("channel", [str(c) for c in table["channel"]], justify="left"),
        columns=columns,
        continued=f"{result.model} (continued)",
        legend=f"Settings: {settings}." if settings else "",
    )


def transitions_table(result: Attribution) -> StackedTable:
    """The Markov transition probabilities, one row per move."""
    matrix = result.transition_matrix
    return StackedTable(
        title="Transition probabilities",
        key=Column("from", [str(v) for v in matrix["from"]], justify="left"),
        columns=[
            Column("to", [str(v) for v in matrix["to"]], justify="left"),
            Column("probability", [f"{v:.4f}" for v in matrix["probability"]]),
        ],
    )


def positions_table(result: Attribution) -> StackedTable:
    """Ordered Shapley: conversions and value by touch position."""
    rows = result.by_position
    return StackedTable(
        title="Ordered Shapley: conversions by touch position",
        key=Column("channel", [str(v) for v in rows["channel"]], justify="left"),
        columns=[
            Column("position", [str(v) for v in rows["position"]]),
            Column("conversions", [format_number(v) for v in rows["conversions"]]),
            Column("value", [format_number(v) for v in rows["value"]]),
        ],
    )
