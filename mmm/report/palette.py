"""Colours shared by every figure and the page: one colour per channel, stable across figures.

A channel's colour depends only on its position in the model's channel list, so the same
channel has the same colour in the data overview, the decomposition, the ROI forest plot and
the response curves.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Channel colours (Okabe-Ito and Tol "muted", colour-blind friendly), in channel order.
CHANNEL_COLORS: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#882255",
    "#44AA99",
    "#999933",
    "#332288",
)

#: Colours of the non-media terms of the model.
BASE_COLORS: dict[str, str] = {
    "baseline": "#C9C9C9",
    "trend": "#9E9E9E",
    "seasonality": "#D8CFAF",
}

#: Colours of control variables, in control order (cycled).
CONTROL_COLORS: tuple[str, ...] = ("#A1887F", "#BCAAA4", "#8D6E63", "#D7CCC8", "#795548")

#: Lines and bands that are not a channel.
ACTUAL = "#1F1F1F"
PREDICTED = "#3B4BA0"
BAND = "#8C9BD6"
MEASURED = "#1F1F1F"
IMPLIED = "#3B4BA0"
GRID = "#E6E6E6"

#: Status colours used by the page (pass / warn).
STATUS_COLORS: dict[str, str] = {"pass": "#1A7F37", "warn": "#B35900"}


def channel_colors(channels: Sequence[str]) -> dict[str, str]:
    """Colour of each channel, by its position in ``channels`` (cycled past ten)."""
    return {name: CHANNEL_COLORS[i % len(CHANNEL_COLORS)] for i, name in enumerate(channels)}


def component_colors(channels: Sequence[str], controls: Sequence[str]) -> dict[str, str]:
    """Colour of every decomposition component: base terms, controls and channels."""
    out = dict(BASE_COLORS)
    out |= {name: CONTROL_COLORS[i % len(CONTROL_COLORS)] for i, name in enumerate(controls)}
    out |= channel_colors(channels)
    return out
