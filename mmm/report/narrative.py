"""Facts for the executive summary: rankings, how sure we are, warnings (no wording of HTML).

The template turns these facts into sentences; this module decides what is worth saying.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mmm.analysis.intervals import Interval
from mmm.model.fit import FittedModel
from mmm.report.context import Quantities
from mmm.report.fmt import certainty as certainty  # shared wording, re-exported

#: Diagnostics rows whose warning already comes from :meth:`Diagnostics.warnings`.
CONVERGENCE_CHECKS = ("R-hat (max)", "bulk ESS (min)", "divergences")


def fit_warnings(
    fitted: FittedModel,
    summary: dict[str, Any],
    diagnostics: list[dict[str, str]],
    lifts: list[dict[str, Any]],
) -> list[str]:
    """Every warning about the fit, convergence first, without repeats."""
    out = list(fitted.diagnostics.warnings())
    for row in diagnostics:
        if row["status"] == "warn" and row["check"] not in CONVERGENCE_CHECKS:
            out.append(
                f"{row['check']} is {row['value']} (wanted {row['threshold']}): {row['advice']}"
            )
    for lift in lifts:
        if not lift["agrees"]:
            out.append(
                f"the lift test on {lift['channel']} ({lift['window']}) disagrees with what "
                "the posterior implies for it (section 10)"
            )
    # Warnings recorded at fit time by other stages (the convergence ones are recomputed).
    out += [w for w in summary.get("warnings", []) if not _is_convergence(w)]
    return list(dict.fromkeys(out))


def _is_convergence(text: str) -> bool:
    return text.startswith(("R-hat", "bulk ESS")) or "divergent transitions" in text


def executive_summary(
    fitted: FittedModel,
    q: Quantities,
    channels: list[dict[str, Any]],
    warnings: list[str],
    quality: dict[str, float],
    scenario: dict[str, Any] | None,
    lifts: list[dict[str, Any]],
) -> dict[str, Any]:
    """What the summary says: media's share, channel ranking with certainty, warnings.

    Parameters
    ----------
    fitted : FittedModel
    q : Quantities
    channels : list of dict
        Rows from :func:`mmm.report.context.channel_rows`.
    warnings : list of str
    quality : dict
        In-sample ``r2``, ``mape``, ``coverage``.
    scenario : dict, optional
        The best scenario versus the current plan (from the scenarios view).
    lifts : list of dict
        Lift-test rows.
    """
    prob = q.prob
    media = q.totals.sum(axis=1) / q.mu.sum(axis=1)
    order = np.argsort([-row["roi"]["mean"] for row in channels])
    ranked = [channels[i] for i in order]
    best_draw = np.argmax(q.roi, axis=1)
    facts: dict[str, Any] = {
        "media_share": Interval.of(media, prob).to_dict(),
        "ranked": ranked,
        "best": ranked[0],
        "worst": ranked[-1],
        "p_best": float(np.mean(best_draw == order[0])),
        "warnings": warnings,
        "quality": quality,
        "scenario": scenario,
        "interval_pct": round(100 * prob),
        "runner_up": None,
        "p_beats_runner_up": None,
        "mroi_best": None,
        "mroi_worst": None,
        "lifts": None,
    }
    facts["best_certainty"] = certainty(facts["p_best"])
    if len(ranked) > 1:
        second = order[1]
        p_beats = float(np.mean(q.roi[:, order[0]] > q.roi[:, second]))
        facts["runner_up"] = ranked[1]
        facts["p_beats_runner_up"] = p_beats
        mroi_order = np.argsort([-row["mroi"]["mean"] for row in channels])
        facts["mroi_best"] = channels[mroi_order[0]]
        facts["mroi_worst"] = channels[mroi_order[-1]]
    if lifts:
        facts["lifts"] = {"n": len(lifts), "agree": sum(lift["agrees"] for lift in lifts)}
    return facts
