"""Planning objectives and the parsing of bounds and fixed channels.

Objectives (all over the posterior draws of ``U``, the incremental KPI of a plan over the
horizon and its carry-over tail, summed over channels):

* ``mean``: ``E[U]``.
* ``mean_minus_std:k``: ``E[U] - k sd(U)`` (risk-averse; ``k >= 0``).
* ``cvar:alpha``: the mean of the worst ``alpha`` fraction of draws of ``U`` (0 < alpha <= 1).
* ``target_kpi:X``: the least total spend whose ``E[U]`` reaches ``X``.
* ``max_kpi_roi_floor:R``: the most ``E[U]`` with ``E[U] / spend >= R``, spending at most
  the budget.
* ``max_kpi_cpa_ceiling:C``: the same with a ceiling on cost per KPI unit,
  ``spend / E[U] <= C`` (that is an ROI floor of ``1 / C``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mmm.errors import MmmError
from mmm.planning.cells import unknown_name
from mmm.planning.limits import ObservedSpend, check_amount

#: Objective names and what their value means (for help texts and errors).
#: An amount written with thousands separators, e.g. ``1,500,000`` or ``2,000.5x``.
THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d*)?[xX]?")

#: What may follow a thousands separator in an amount or a bounds pair ('000', '500:2').
AMOUNT_REST = re.compile(r"\d[\d.:xX_]*")

OBJECTIVES = {
    "mean": "expected incremental KPI",
    "mean_minus_std": "mean_minus_std:k, expected KPI minus k posterior sd",
    "cvar": "cvar:alpha, mean KPI over the worst alpha fraction of draws",
    "target_kpi": "target_kpi:X, least spend whose expected KPI reaches X",
    "max_kpi_roi_floor": "max_kpi_roi_floor:R, most KPI with ROI >= R",
    "max_kpi_cpa_ceiling": "max_kpi_cpa_ceiling:C, most KPI with cost per KPI unit <= C",
}
#: Objectives that maximize a posterior functional under the budget equality.
BUDGET_OBJECTIVES = ("mean", "mean_minus_std", "cvar")


@dataclass(frozen=True)
class Objective:
    """A parsed objective: ``kind`` plus its number (None for ``mean``)."""

    kind: str
    value: float | None = None

    @classmethod
    def parse(cls, text: str | Objective) -> Objective:
        """Parse ``'mean'``, ``'cvar:0.1'``, ``'target_kpi:2e6'`` and the like.

        Raises
        ------
        MmmError
            For an unknown name or a missing / out-of-range number.
        """
        if isinstance(text, Objective):
            return text
        raw = str(text).strip()
        kind, _, number = raw.partition(":")
        kind = kind.strip().lower().replace("-", "_")
        if kind not in OBJECTIVES:
            choices = "; ".join(OBJECTIVES.values())
            raise MmmError(f"unknown objective '{raw}'; use one of: {choices}", key="objective")
        if kind == "mean":
            if number:
                raise MmmError("'mean' takes no number", key="objective")
            return cls("mean")
        try:
            value = float(number)
        except ValueError:
            raise MmmError(
                f"objective '{raw}' needs a number: {OBJECTIVES[kind]}", key="objective"
            ) from None
        valid = {
            "mean_minus_std": value >= 0,
            "cvar": 0 < value <= 1,
            "target_kpi": value > 0,
            "max_kpi_roi_floor": value > 0,
            "max_kpi_cpa_ceiling": value > 0,
        }[kind]
        if not (valid and math.isfinite(value)):
            raise MmmError(
                f"objective '{raw}' is out of range ({OBJECTIVES[kind]})", key="objective"
            )
        return cls(kind, value)

    @property
    def roi_floor(self) -> float | None:
        """The ROI floor of the floor/ceiling modes (None otherwise)."""
        if self.kind == "max_kpi_roi_floor":
            return self.value
        if self.kind == "max_kpi_cpa_ceiling":
            return 1.0 / self.value
        return None

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value:g}"

    def score(self, kpi: np.ndarray, marginal: np.ndarray) -> tuple[float, np.ndarray]:
        """Value and gradient of the risk functional to maximize.

        Parameters
        ----------
        kpi : ndarray (S,)
            Incremental KPI per draw.
        marginal : ndarray (S, M)
            Its derivative with respect to each channel's spend, per draw.

        Returns
        -------
        value : float
        gradient : ndarray (M,)
        """
        if self.kind == "mean_minus_std" and self.value:
            centred = kpi - kpi.mean()
            sd = float(np.sqrt(np.mean(centred**2)))
            grad_sd = centred @ marginal / (len(kpi) * sd) if sd > 0 else 0.0 * marginal[0]
            return float(kpi.mean()) - self.value * sd, marginal.mean(0) - self.value * grad_sd
        if self.kind == "cvar":
            n_tail = max(1, math.ceil(self.value * len(kpi)))
            worst = np.argpartition(kpi, n_tail - 1)[:n_tail] if n_tail < len(kpi) else slice(None)
            return float(kpi[worst].mean()), marginal[worst].mean(axis=0)
        return float(kpi.mean()), marginal.mean(axis=0)


def parse_amount(
    text: str, current: float, what: str, observed: ObservedSpend | None = None
) -> float:
    """``'1.5x'`` (relative to current) or an absolute number, checked by
    :func:`mmm.planning.limits.check_amount` (finite, >= 0, not absurd)."""
    text = text.strip().replace("_", "")
    if THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    try:
        value = float(text[:-1]) * current if text.lower().endswith("x") else float(text)
    except ValueError:
        raise MmmError(
            f"cannot read '{text}' as an amount (a number such as 5e4, or a multiple of current "
            "spend such as 1.5x)",
            key=what,
        ) from None
    shown = f"the amount '{text}'" + (f" (= {value:g})" if text.lower().endswith("x") else "")
    return check_amount(value, what, observed, shown)


def _side_text(value: object) -> str | None:
    """A mapping value as text: ``[low, high]`` lists become ``'low:high'``."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return ":".join("" if v is None else str(v) for v in value)
    return str(value)


def _entries(
    spec: str | Mapping | Sequence | None, channels: Sequence[str]
) -> list[tuple[str, str | None]]:
    """``(name, text after '=' or None)`` per entry of a bounds or fixed spec."""
    if spec is None:
        return []
    if isinstance(spec, Mapping):
        return [(str(k), _side_text(v)) for k, v in spec.items()]
    items = [spec] if isinstance(spec, str) else [str(s) for s in spec]
    out = []
    for entry in (e for item in items for e in split_entries(item, channels)):
        name, sep, rest = entry.partition("=")
        out.append((name.strip(), rest if sep else None))
    return out


def split_entries(text: str, channels: Sequence[str]) -> list[str]:
    """Split ``'a=1,b=2'`` into entries at the commas that start a new entry.

    A comma may also sit inside a name (a geo such as ``'Portland, OR'`` in a cell
    ``'Portland, OR/tv'``) or an amount (``'1,000'``). So a piece between commas starts an
    entry when its name (the text before ``=``, or all of it) is one of ``channels`` or when it
    has an ``=``; a piece of digits continues the amount before it; any other piece begins a
    name that the next pieces complete.

    Parameters
    ----------
    text : str
    channels : sequence of str
        The names an entry may start with.

    Returns
    -------
    list of str
        The entries, stripped; an unknown name is left for :func:`channel_index` to report.
    """
    known = {c.strip() for c in channels}
    entries: list[str] = []
    pending = ""  # the start of a name that is not complete yet (a name with a comma)
    for piece in text.split(","):
        name, has_value, _ = piece.partition("=")
        if pending:
            pending = f"{pending},{piece}"
            if pending.partition("=")[0].strip() in known or has_value:
                entries.append(pending)
                pending = ""
        elif name.strip() in known or has_value:  # an unknown 'x=...' is reported by name
            entries.append(piece)
        elif entries and AMOUNT_REST.fullmatch(piece.strip()):  # '000' of a '1,000'
            entries[-1] = f"{entries[-1]},{piece}"
        elif piece.strip():
            pending = piece
    if pending:
        entries.append(pending)
    return [e.strip() for e in entries if e.strip()]


def channel_index(name: str, channels: Sequence[str], what: str) -> int:
    """Position of channel ``name`` among the model's ``channels``.

    Parameters
    ----------
    name : str
    channels : sequence of str
        The model's channel names (a panel planned by geo: its cell names ``'geo/channel'``).
    what : str
        The option or key the name was given under (named in the message).

    Returns
    -------
    int

    Raises
    ------
    MmmError
        For a name that is not a channel of the model, listing the channels (for a panel, a
        message about its cells and geos: :meth:`mmm.planning.cells.PanelNames.unknown`).
    """
    if name not in channels:
        raise MmmError(unknown_name(name, channels), key=what)
    return list(channels).index(name)


def parse_bounds(
    spec: str | Mapping | Sequence | None,
    channels: Sequence[str],
    current: np.ndarray,
    observed: ObservedSpend | None = None,
) -> dict[str, tuple[float, float]]:
    """Per-channel spend bounds over the horizon, in original units.

    Parameters
    ----------
    spec : str, mapping or list
        ``"tv=0.5x:1.5x,search=1e4:5e4"``, or ``{"tv": "0.5x:1.5x"}``. Each side is absolute
        or a multiple of the channel's current spend (``x``); an empty side means 0 / no limit.
    channels : sequence of str
    current : ndarray (M,)
        Current spend per channel over the horizon.
    observed : ObservedSpend, optional
        The data's spend levels: amounts above :func:`mmm.planning.limits.check_amount`'s
        limit are refused.

    Returns
    -------
    dict of str -> (low, high)

    Raises
    ------
    MmmError
        Naming ``bounds.<channel>``, for an unreadable, non-finite, negative or absurd side.
    """
    out = {}
    for name, text in _entries(spec, channels):
        i = channel_index(name, channels, "bounds")
        key = f"bounds.{name}"
        if text is None or ":" not in text:
            raise MmmError(f"write bounds as {name}=LOW:HIGH (e.g. {name}=0.5x:1.5x)", key=key)
        low_text, high_text = text.split(":", 1)
        if high_text.strip().lower().lstrip("+") in ("inf", "infinity"):
            raise MmmError(f"leave the upper side empty for no limit ({name}=LOW:)", key=key)
        low = parse_amount(low_text, current[i], key, observed) if low_text.strip() else 0.0
        high = parse_amount(high_text, current[i], key, observed) if high_text.strip() else math.inf
        if low > high:
            raise MmmError(f"lower bound {low:g} is above the upper bound {high:g}", key=key)
        out[name] = (low, high)
    return out


def parse_fixed(
    spec: str | Mapping | Sequence | None,
    channels: Sequence[str],
    current: np.ndarray,
    observed: ObservedSpend | None = None,
) -> dict[str, float]:
    """Channels held fixed: ``"radio"`` (at current spend), ``"radio=2e4"`` or ``"radio=0.8x"``.

    Parameters
    ----------
    spec : str, mapping or list
    channels : sequence of str
    current : ndarray (M,)
        Current spend per channel over the horizon.
    observed : ObservedSpend, optional
        The data's spend levels (absurd amounts are refused).

    Returns
    -------
    dict of str -> float
        Fixed horizon spend per channel, original units.

    Raises
    ------
    MmmError
        Naming ``fixed.<channel>``, for an unreadable, non-finite, negative or absurd amount.
    """
    out = {}
    for name, text in _entries(spec, channels):
        i = channel_index(name, channels, "fixed")
        key = f"fixed.{name}"
        out[name] = (
            float(current[i]) if text is None else parse_amount(text, current[i], key, observed)
        )
    return out
