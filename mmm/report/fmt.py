"""Number formatting for the report's text and tables (registered as jinja2 filters)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from mmm.numbers import compact


def number(value: float | None, digits: int = 3) -> str:
    """Compact human-readable number: ``1.23M``, ``45.6k``, ``0.123``, ``-12``; ``n/a`` for
    a missing (None, NaN) or infinite value (see :func:`mmm.numbers.compact`)."""
    if value is None:
        return "n/a"
    value = float(value)
    return compact(value, digits) if math.isfinite(value) else "n/a"


def percent(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage: ``0.1234 -> '12.3%'``; ``n/a`` for a missing value."""
    if value is None:
        return "n/a"
    value = float(value)
    if not math.isfinite(value):
        return "n/a"
    return f"{100 * value:.{digits}f}%"


def signed(value: float) -> str:
    """A compact number with an explicit sign: ``+1.2k``, ``-30``."""
    text = number(value)
    return text if text.startswith("-") or text == "n/a" else f"+{text}"


def signed_percent(value: float, digits: int = 1) -> str:
    """A fraction as a percentage with an explicit sign: ``0.05 -> '+5.0%'``."""
    text = percent(value, digits)
    return text if text.startswith("-") or text == "n/a" else f"+{text}"


def interval(stat: Mapping[str, float], kind: str = "number") -> str:
    """``mean [lo, hi]`` from a ``{"mean", "lo", "hi"}`` mapping.

    Parameters
    ----------
    stat : mapping
        Holds ``mean``, ``lo`` and ``hi``.
    kind : {'number', 'percent', 'signed'}
        How to format each value.
    """
    fmt = {"number": number, "percent": percent, "signed": signed}[kind]
    return f"{fmt(stat['mean'])} [{fmt(stat['lo'])}, {fmt(stat['hi'])}]"


def certainty(probability: float) -> str:
    """Plain words for how sure a posterior probability lets us be."""
    if probability >= 0.95:
        return "very sure"
    if probability >= 0.8:
        return "fairly sure"
    if probability >= 0.6:
        return "somewhat sure"
    return "not sure"


FILTERS = {
    "num": number,
    "pct": percent,
    "signed": signed,
    "spct": signed_percent,
    "ival": interval,
}
