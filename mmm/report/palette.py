"""Colours shared by every figure and page: one colour per channel, stable across reports.

A channel's colour comes from its name (a hash of the name without case, spaces, '-' or '_'
picks its preferred slot in :data:`CHANNEL_COLORS`), not from its position in a list, so "Paid
Social" has the same colour in the MMM, funnel and attribution reports and in every figure of
each. Within one report no two channels share a colour (up to ten): names are placed in sorted
order and one whose slot is taken moves to the next free slot.
"""

from __future__ import annotations

import re
import zlib
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


def preferred_slot(name: str) -> int:
    """The index in :data:`CHANNEL_COLORS` that channel ``name`` takes when it is free."""
    key = re.sub(r"[\s_\-]+", "", str(name).casefold())
    return zlib.crc32(key.encode()) % len(CHANNEL_COLORS)


def channel_colors(channels: Sequence[str]) -> dict[str, str]:
    """Colour of each channel, from its name (see the module notes).

    Parameters
    ----------
    channels : sequence of str
        The channels of one report, in any order.

    Returns
    -------
    dict of str -> str
        Channel name -> hex colour; distinct colours for up to ten channels.
    """
    n = len(CHANNEL_COLORS)
    taken: set[int] = set()
    out: dict[str, str] = {}
    for name in sorted(set(channels), key=str):
        slot = preferred_slot(name)
        if len(taken) < n:
            while slot in taken:
                slot = (slot + 1) % n
        taken.add(slot)
        out[name] = CHANNEL_COLORS[slot]
    return {name: out[name] for name in channels}


def component_colors(channels: Sequence[str], controls: Sequence[str]) -> dict[str, str]:
    """Colour of every decomposition component: base terms, controls and channels."""
    out = dict(BASE_COLORS)
    out |= {name: CONTROL_COLORS[i % len(CONTROL_COLORS)] for i, name in enumerate(controls)}
    out |= channel_colors(channels)
    return out
