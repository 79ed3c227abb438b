"""Compact numbers for people: ``45.6k``, ``2.47M``, ``1.2T``, ``3.2x``.

One formatter for every place that shows an amount in few characters: the terminal tables
(:mod:`mmm.cli.tables`), the planner's refusals and range warnings (:mod:`mmm.planning.limits`)
and the reports (:mod:`mmm.report.fmt`). Rounding happens before the suffix is chosen, so
999,600 reads ``1M``, never ``1e+03k``.
"""

from __future__ import annotations

import math

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def _rounds_up_to(magnitude: float, limit: float, digits: int) -> bool:
    """Whether ``magnitude`` is at least ``limit`` once rounded to ``digits`` significant digits."""
    return magnitude >= limit * (1 - 5 * 10.0 ** -(digits + 1))


def compact(value: float | None, digits: int = 3) -> str:
    """A number in ``digits`` significant digits with a thousands suffix (k, M, B, T).

    Parameters
    ----------
    value : float or None
        The number; None and NaN read ``n/a``.
    digits : int
        Significant digits.

    Returns
    -------
    str
        ``'1.23M'``, ``'45.6k'``, ``'0.123'``, ``'-3.2T'``, ``'1M'`` for 999,600; beyond the
        T range (and for infinity) the plain ``g`` format: ``'1e+15'``, ``'inf'``.

    Examples
    --------
    >>> [compact(v) for v in (999.4, 999.6, 45_600, 999_600, None)]
    ['999', '1k', '45.6k', '1M', 'n/a']
    """
    if value is None or math.isnan(value):
        return "n/a"
    value = float(value)
    magnitude = abs(value)
    if math.isinf(value) or _rounds_up_to(magnitude, 1e15, digits):
        return f"{value:.{digits}g}"
    for limit, suffix in _SUFFIXES:
        if _rounds_up_to(magnitude, limit, digits):
            return f"{value / limit:.{digits}g}{suffix}"
    return f"{value:.{digits}g}"


def times(ratio: float) -> str:
    """A ratio as a multiple: ``'3.21x'``, ``'0.15x'``, ``'1,000x'`` (whole from 999.5 up).

    Parameters
    ----------
    ratio : float
        The multiple; NaN and infinity read ``n/a``.

    Returns
    -------
    str

    Examples
    --------
    >>> [times(r) for r in (3.214, 0.15, 999.9, 1500)]
    ['3.21x', '0.15x', '1,000x', '1,500x']
    """
    if not math.isfinite(ratio):
        return "n/a"
    return f"{ratio:,.0f}x" if _rounds_up_to(abs(ratio), 1e3, 3) else f"{ratio:.3g}x"
