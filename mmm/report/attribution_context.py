"""Numbers for the attribution report: models side by side, journeys, transitions.

:func:`model_comparison` puts every model's share of conversions per channel in one table with
the spread across models (the uncertainty of the method itself); :func:`path_lengths`,
:func:`time_to_conversion` and :func:`top_paths` describe the journeys; :func:`transition_grid`
turns the Markov transition list into a from x to matrix for the heat map.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm.attribution.heuristics import Attribution
from mmm.attribution.paths import SEP, PathData

#: Short model names for headers and legends.
SHORT_MODELS = {
    "first_touch": "first",
    "last_touch": "last",
    "last_non_direct": "last non-direct",
    "linear": "linear",
    "time_decay": "time decay",
    "position_based": "position",
    "markov": "Markov",
    "shapley": "Shapley",
}
#: Models that learn from the data (the others apply a fixed rule).
DATA_DRIVEN = ("markov", "shapley")


def model_label(result: Attribution) -> str:
    """``'Markov (order 2)'``, ``'Shapley'``, ``'first'``."""
    name = SHORT_MODELS.get(result.model, result.model)
    if result.model == "markov":
        return f"{name} (order {result.details.get('order', 1)})"
    return name


def model_comparison(results: list[Attribution]) -> pd.DataFrame:
    """Share of conversions per channel under every model, with the spread across models.

    Returns
    -------
    DataFrame
        One row per channel: a column per model label (share of conversions), ``mean``,
        ``lo`` and ``hi`` (lowest and highest share over the models), ``spread``
        (``hi - lo``), ``lo_model`` and ``hi_model``; sorted by ``mean``, highest first.
    """
    shares = pd.DataFrame(
        {model_label(r): r.table.set_index("channel")["share"] for r in results}
    ).fillna(0.0)
    labels = list(shares.columns)
    values = shares.to_numpy(float)
    out = shares.copy()
    out["mean"] = values.mean(axis=1)
    out["lo"], out["hi"] = values.min(axis=1), values.max(axis=1)
    out["spread"] = out["hi"] - out["lo"]
    out["lo_model"] = [labels[i] for i in values.argmin(axis=1)]
    out["hi_model"] = [labels[i] for i in values.argmax(axis=1)]
    out = out.rename_axis("channel").reset_index()
    return out.sort_values(["mean", "channel"], ascending=[False, True], ignore_index=True)


def path_lengths(data: PathData, cap: int = 15) -> pd.DataFrame:
    """Journeys by number of touches (``cap`` collects longer ones), converting or not.

    Returns
    -------
    DataFrame
        ``touches``, ``conversions``, ``nulls`` (journeys), ``rate`` (conversion rate).
    """
    t = data.touches()
    length = np.minimum(t.length, cap)
    conv = data.table["conversions"].to_numpy(float)
    nulls = data.table["nulls"].to_numpy(float)
    out = pd.DataFrame(
        {
            "touches": np.arange(1, cap + 1),
            "conversions": np.bincount(length, weights=conv, minlength=cap + 1)[1:],
            "nulls": np.bincount(length, weights=nulls, minlength=cap + 1)[1:],
        }
    )
    total = out["conversions"] + out["nulls"]
    out["rate"] = np.where(total > 0, out["conversions"] / total.where(total > 0, 1), np.nan)
    return out


def time_to_conversion(data: PathData, cap_days: int = 60) -> pd.DataFrame | None:
    """Converting journeys by days from their first counted touch to the conversion.

    Only event logs carry times; ``None`` for an aggregated path table.

    Returns
    -------
    DataFrame or None
        ``days`` (whole days, ``cap_days`` collects longer ones) and ``journeys``.
    """
    timed = data.event_touches()
    if timed is None:
        return None
    cap = int(cap_days)
    days = np.minimum(np.floor(timed.journey_age()), cap).astype(np.int64)
    return pd.DataFrame(
        {
            "days": np.arange(cap + 1, dtype=float),
            "journeys": np.bincount(days, minlength=cap + 1).astype(float),
        }
    )


def top_paths(data: PathData, limit: int = 15) -> pd.DataFrame:
    """The paths with most conversions: touches, conversions, journeys, rate, value."""
    table = data.table
    journeys = table["conversions"] + table["nulls"]
    out = pd.DataFrame(
        {
            "path": table["path"],
            "touches": table["path"].str.count(SEP) + 1,
            "conversions": table["conversions"],
            "journeys": journeys,
            "rate": table["conversions"] / journeys.where(journeys > 0, np.nan),
            "value": table["value"],
        }
    )
    return out.nlargest(limit, ["conversions", "journeys"]).reset_index(drop=True)


def transition_grid(matrix: pd.DataFrame, max_states: int = 20) -> pd.DataFrame:
    """The Markov transition list as a from x to probability grid for a heat map.

    States beyond ``max_states`` (by how many transitions they are part of, which matters
    for higher orders) are left out; rows are sorted with ``(start)`` first, columns end with
    ``(conversion)`` and ``(null)``.
    """
    absorbing = ["(conversion)", "(null)"]
    states = [s for s in pd.unique(matrix["from"]) if s != "(start)"]
    weight = matrix.groupby("from")["probability"].size().reindex(states).fillna(0)
    keep = sorted(weight.sort_values(ascending=False).index[:max_states])
    rows = ["(start)", *keep]
    cols = [*keep, *absorbing]
    grid = matrix.pivot_table(index="from", columns="to", values="probability", aggfunc="sum")
    return grid.reindex(index=rows, columns=cols).fillna(0.0)
