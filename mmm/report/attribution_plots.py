"""Figures of the attribution report (``mmm attribute --report``), in the house style of
:mod:`mmm.report.plots`, channel colours from :mod:`mmm.report.palette`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from mmm.report import palette
from mmm.report.plots import NUMBER, new_figure

#: Markers of the rule-based models, in the order given (Markov: diamond, Shapley: square).
MARKERS = "o^v<>p"


def model_spread(
    comparison: pd.DataFrame, models: Sequence[str], colors: Mapping[str, str]
) -> Figure:
    """Per channel: every model's share of conversions (markers) and the range across models
    (a bar from the lowest to the highest share)."""
    channels = [str(c) for c in comparison["channel"]]
    y = np.arange(len(channels))[::-1].astype(float)
    fig, axes = new_figure((10.0, 1.2 + 0.5 * len(channels)))
    ax = axes[0, 0]
    for yi, (_, row) in zip(y, comparison.iterrows(), strict=True):
        ax.plot([row["lo"], row["hi"]], [yi, yi], color=colors[row["channel"]], lw=7,
                alpha=0.25, solid_capstyle="round")  # fmt: skip
    offsets = np.linspace(-0.22, 0.22, len(models)) if len(models) > 1 else [0.0]
    for k, model in enumerate(models):
        strong = model.startswith(("Markov", "Shapley"))
        marker = ("D" if model.startswith("Markov") else "s") if strong else MARKERS[k % 6]
        ax.scatter(comparison[model], y + offsets[k], marker=marker, s=44 if strong else 30,
                   color=palette.PREDICTED if strong else "#7A7A7A", zorder=3,
                   edgecolor="white", linewidth=0.6, label=model)  # fmt: skip
    ax.set_yticks(y, channels)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("share of conversions credited")
    ax.set_title("Credit by model; the shaded bar spans the lowest to the highest model")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.grid(axis="y", visible=False)
    return fig


def transition_heatmap(grid: pd.DataFrame, order: int) -> Figure:
    """Markov transition probabilities between states as a heat map (row = from)."""
    n_rows, n_cols = grid.shape
    size = (min(10.0, 2.6 + 0.55 * n_cols), 1.6 + 0.38 * n_rows)
    fig, axes = new_figure(size)
    ax = axes[0, 0]
    values = grid.to_numpy(float)
    image = ax.imshow(values, cmap="Blues", vmin=0.0, vmax=max(float(values.max()), 1e-9),
                      aspect="auto")  # fmt: skip
    ax.set_xticks(range(n_cols), list(grid.columns), rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(n_rows), list(grid.index), fontsize=8)
    if n_rows * n_cols <= 400:
        for i in range(n_rows):
            for j in range(n_cols):
                v = values[i, j]
                if v >= 0.005:
                    ax.text(j, i, f"{100 * v:.0f}", ha="center", va="center", fontsize=7,
                            color="white" if v > 0.55 * values.max() else "#1F1F1F")  # fmt: skip
    ax.grid(False)
    ax.set_xlabel("to")
    ax.set_ylabel("from")
    ax.set_title(f"Markov transition probabilities, order {order} (% of moves out of each state)")
    fig.colorbar(image, ax=ax, format=PercentFormatter(1.0, decimals=0), shrink=0.8)
    return fig


def removal_effects(effects: pd.DataFrame, colors: Mapping[str, str]) -> Figure:
    """Share of conversions lost if a channel were removed from every journey (Markov)."""
    effects = effects.sort_values("removal_effect")
    channels = [str(c) for c in effects["channel"]]
    fig, axes = new_figure((10.0, 0.9 + 0.4 * len(channels)))
    ax = axes[0, 0]
    ax.barh(channels, effects["removal_effect"], color=[colors[c] for c in channels])
    for yi, v in enumerate(effects["removal_effect"]):
        ax.annotate(f"{100 * v:.1f}%", (v, yi), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8)  # fmt: skip
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("conversions lost without the channel")
    ax.set_title("Removal effects (Markov)")
    ax.grid(axis="y", visible=False)
    return fig


def journeys(lengths: pd.DataFrame, ttc: pd.DataFrame | None) -> Figure:
    """Journeys by number of touches (converting and not, with the conversion rate) and, for
    event logs, converting journeys by days from first touch to conversion."""
    fig, axes = new_figure((10.0, 3.3), 1, 2 if ttc is not None else 1)
    ax = axes[0, 0]
    x = lengths["touches"].to_numpy()
    ax.bar(x - 0.2, lengths["nulls"], width=0.4, color=palette.GRID, edgecolor="#9E9E9E",
           label="did not convert")  # fmt: skip
    ax.bar(x + 0.2, lengths["conversions"], width=0.4, color=palette.PREDICTED, label="converted")
    ax.set_yscale("symlog", linthresh=1)
    ax.set_xlabel(f"touches in the journey ({x[-1]} = {x[-1]} or more)")
    ax.set_ylabel("journeys (log scale)")
    ax.set_title("Path length")
    rate = ax.twinx()
    rate.plot(x, lengths["rate"], "o-", color=palette.ACTUAL, ms=3, lw=1.2, label="conversion rate")
    rate.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    rate.set_ylim(0, max(0.05, float(np.nanmax(lengths["rate"].to_numpy(float), initial=0)) * 1.2))
    rate.grid(False)
    rate.spines["right"].set_visible(True)
    handles = ax.get_legend_handles_labels()
    more = rate.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], loc="upper right")
    if ttc is not None:
        ax = axes[0, 1]
        ax.bar(ttc["days"], ttc["journeys"], width=0.85, color=palette.BAND)
        last = int(ttc["days"].max())
        ax.set_xlabel(f"days from first touch to conversion ({last} = {last} or more)")
        ax.set_ylabel("converting journeys")
        ax.yaxis.set_major_formatter(NUMBER)
        ax.set_title("Time to conversion")
        ax.grid(axis="x", visible=False)
    return fig
