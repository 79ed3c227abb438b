"""Plain-language findings for the top of the attribution report (``{"headline", "detail"}``).

Attribution has no sampling uncertainty worth the name at these volumes; what is uncertain is
the method. The findings therefore say where the models agree, where they disagree and what a
disagreement means.
"""

from __future__ import annotations

import pandas as pd

from mmm.report.fmt import number, percent

#: A channel whose credit moves by more than this share between models is worth a sentence.
NOTABLE_SPREAD = 0.05


def leader(comparison: pd.DataFrame, models: list[str]) -> dict | None:
    """The channel with most credit on average, and in how many models it leads."""
    if comparison.empty:
        return None
    top = comparison.iloc[0]
    firsts = sum(comparison[m].idxmax() == 0 for m in models)
    agree = "every model" if firsts == len(models) else f"{firsts} of {len(models)} models"
    return {
        "headline": f"{top['channel']} gets the most credit: {percent(top['mean'])} of "
        f"conversions on average over the models ({percent(top['lo'])} to "
        f"{percent(top['hi'])}).",
        "detail": f"It ranks first in {agree}.",
    }


def disagreement(comparison: pd.DataFrame) -> dict | None:
    """The channel whose credit depends most on the model, and what that means."""
    if comparison.empty:
        return None
    row = comparison.sort_values("spread", ascending=False).iloc[0]
    if row["spread"] < NOTABLE_SPREAD:
        return {
            "headline": "The models broadly agree: no channel's credit moves by more than "
            f"{percent(row['spread'])} between them.",
            "detail": "The choice of model matters little for these journeys.",
        }
    lo_m, hi_m = row["lo_model"], row["hi_model"]
    meaning = {
        "first": "it opens journeys more often than it closes them",
        "last": "it closes journeys more often than it opens them",
        "last non-direct": "it closes journeys more often than it opens them",
    }.get(hi_m, "its credit depends on how the model treats its place in the journey")
    return {
        "headline": f"The models disagree most on {row['channel']}: from "
        f"{percent(row['lo'])} ({lo_m}) to {percent(row['hi'])} ({hi_m}) of conversions.",
        "detail": f"Credit this sensitive to the rule says more about position than effect: "
        f"{meaning}. Treat its share as a range, and test it (a lift test) before moving "
        "budget on it.",
    }


def removal(effects: pd.DataFrame | None, order: int) -> dict | None:
    """The channel whose removal loses the most conversions (Markov)."""
    if effects is None or effects.empty:
        return None
    row = effects.sort_values("removal_effect", ascending=False).iloc[0]
    return {
        "headline": f"Without {row['channel']}, {percent(row['removal_effect'])} of conversions "
        f"would be lost (Markov order {order} removal effect).",
        "detail": "Removal effects overlap (a journey needs all its channels), so they add up "
        "to more than 100%; the Markov shares rescale them.",
    }


def journeys(lengths: pd.DataFrame, total_conversions: float) -> dict | None:
    """How long converting journeys are and how much single-touch journeys settle."""
    conv = lengths["conversions"]
    if conv.sum() <= 0:
        return None
    single = float(conv.iloc[0] / conv.sum())
    cumulative = conv.cumsum() / conv.sum()
    median = int(lengths["touches"][cumulative >= 0.5].iloc[0])
    return {
        "headline": f"Half of the {number(total_conversions)} conversions come after "
        f"{median} touch{'es' if median > 1 else ''} or fewer; {percent(single)} are "
        "single-touch.",
        "detail": "Every model credits a single-touch journey the same way; the models differ "
        "only on the multi-touch ones.",
    }


def attribution_findings(
    comparison: pd.DataFrame,
    models: list[str],
    effects: pd.DataFrame | None,
    order: int,
    lengths: pd.DataFrame,
    total_conversions: float,
    unattributed: float = 0.0,
) -> list[dict]:
    """Every finding that applies, most important first."""
    found = [
        leader(comparison, models),
        disagreement(comparison),
        removal(effects, order),
        journeys(lengths, total_conversions),
    ]
    if unattributed:
        found.append(
            {
                "headline": f"{number(unattributed)} conversions had no touch in their "
                "lookback window and are not attributed.",
                "detail": "A longer --lookback-days keeps more of them.",
            }
        )
    return [f for f in found if f is not None]
