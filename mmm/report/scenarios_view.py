"""Turn :func:`mmm.planning.scenarios.run_scenarios` output into the rows of section 9."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mmm.analysis.intervals import STATS, Interval


def _stat(value: Any) -> dict[str, float] | None:
    if isinstance(value, Mapping) and all(k in value for k in STATS):
        return Interval.from_dict(value).to_dict()
    return None


def _describe(item: Mapping[str, Any]) -> str:
    if item.get("kind") == "optimize":
        objective = item.get("objective")
        return f"optimized ({objective})" if objective else "optimized"
    return "fixed allocation"


def scenarios_view(
    result: Mapping[str, Any], channels: Sequence[str], period: str = "period"
) -> dict[str, Any]:
    """Rows of the scenario table and the facts the summary quotes.

    Parameters
    ----------
    result : mapping
        The output of :func:`mmm.planning.scenarios.run_scenarios`.
    channels : sequence of str
        The model's channels (column order of the table).
    period : str
        'week' or 'day', for the notes.

    Returns
    -------
    dict
        ``reference``, ``channels``, ``notes`` and ``rows`` (each: name, description, spend
        per channel, total, kpi, delta (uplift versus the reference), delta_pct, roi, p_gain,
        is_reference, beyond (the channels planned outside the spend range seen in the data)
        and warnings (their messages), and ``warnings``: ``(scenario, message)`` pairs.
    """
    reference = str(result.get("reference", ""))
    items = list(result.get("scenarios", []))
    ref_kpi = next((_stat(i.get("kpi")) for i in items if i.get("name") == reference), None)
    rows = []
    for item in items:
        spend = {str(k): float(v) for k, v in (item.get("spend") or {}).items()}
        delta = _stat(item.get("uplift"))
        is_reference = item.get("name") == reference
        rows.append(
            {
                "name": str(item.get("name", "?")),
                "description": _describe(item),
                "spend": spend,
                "total": float(item.get("total_spend", sum(spend.values()))),
                "kpi": _stat(item.get("kpi")),
                "roi": _stat(item.get("roi")),
                "delta": None if is_reference else delta,
                "delta_pct": (
                    delta["mean"] / ref_kpi["mean"]
                    if delta and ref_kpi and ref_kpi["mean"] and not is_reference
                    else None
                ),
                "p_gain": None if is_reference else item.get("p_beats_reference"),
                "is_reference": is_reference,
                "beyond": {str(w["channel"]) for w in item.get("warnings") or []},
                "warnings": [str(w["message"]) for w in item.get("warnings") or []],
            }
        )
    listed = list(result.get("channels") or channels)
    used = [c for c in listed if any(c in row["spend"] for row in rows)]
    notes = []
    if result.get("horizon"):
        notes.append(
            f"Each plan covers the {result['horizon']} {period}s after the data "
            f"({result.get('pattern', 'flat')} spend pattern), including carry-over, on "
            f"{result.get('draws', '?')} posterior draws; changes are paired draw by draw "
            f"against '{reference}'."
        )
    warnings = [(row["name"], message) for row in rows for message in row["warnings"]]
    return {
        "reference": reference,
        "rows": rows,
        "channels": used,
        "notes": notes,
        "warnings": warnings,
    }


def best_scenario(view: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The scenario with the largest expected gain over the reference, for the summary."""
    if not view:
        return None
    rows = [row for row in view["rows"] if row["delta"] is not None]
    if not rows:
        return None
    best = max(rows, key=lambda row: row["delta"]["mean"])
    return {
        "name": best["name"],
        "reference": view["reference"],
        "delta": best["delta"],
        "delta_pct": best["delta_pct"],
        "p_gain": best["p_gain"],
        "total": best["total"],
    }
