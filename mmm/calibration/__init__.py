"""Calibration evidence: multi-touch attribution (paths) and incrementality (lift tests).

Entry points
------------
* :func:`read_input`, :func:`read_paths`, :func:`paths_from_events` -> :class:`PathData`
* :func:`attribute` (any model by name) or the model functions themselves
* :func:`holdout_lift`, :func:`geo_lift` -> lift estimates and :class:`LiftRecord`
* :func:`read_records`, :func:`write_records`: the lift-record CSV the MMM consumes
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from typing import Any

from mmm.calibration.events import paths_from_events
from mmm.calibration.heuristics import (
    Attribution,
    first_touch,
    last_non_direct,
    last_touch,
    linear,
    position_based,
    time_decay,
)
from mmm.calibration.lift import GeoLift, HoldoutLift, geo_lift, holdout_lift
from mmm.calibration.markov import markov
from mmm.calibration.paths import PathData, read_input, read_paths
from mmm.calibration.records import LiftRecord, read_records, write_records
from mmm.calibration.shapley import shapley
from mmm.errors import MmmError

MODELS: dict[str, Callable[..., Attribution]] = {
    "first_touch": first_touch,
    "last_touch": last_touch,
    "last_non_direct": last_non_direct,
    "linear": linear,
    "time_decay": time_decay,
    "position_based": position_based,
    "markov": markov,
    "shapley": shapley,
}

__all__ = [
    "MODELS",
    "Attribution",
    "GeoLift",
    "HoldoutLift",
    "LiftRecord",
    "PathData",
    "attribute",
    "first_touch",
    "geo_lift",
    "holdout_lift",
    "last_non_direct",
    "last_touch",
    "linear",
    "markov",
    "model_function",
    "paths_from_events",
    "position_based",
    "read_input",
    "read_paths",
    "read_records",
    "shapley",
    "time_decay",
    "write_records",
]


def model_function(name: str) -> Callable[..., Attribution]:
    """Return the attribution function called ``name`` (``-`` and ``_`` are interchangeable).

    Raises
    ------
    MmmError
        For an unknown name, with a did-you-mean hint.
    """
    key = name.strip().lower().replace("-", "_")
    if key in MODELS:
        return MODELS[key]
    close = difflib.get_close_matches(key, list(MODELS), n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise MmmError(
        f"unknown attribution model '{name}'.{hint} Known models: {', '.join(MODELS)}",
        key="model",
    )


def attribute(data: PathData, model: str, **options: Any) -> Attribution:
    """Run one attribution model by name.

    Parameters
    ----------
    data : PathData
        From :func:`read_input`, :func:`read_paths` or :func:`paths_from_events`.
    model : str
        One of :data:`MODELS` (``first_touch``, ``last_touch``, ``last_non_direct``,
        ``linear``, ``time_decay``, ``position_based``, ``markov``, ``shapley``).
    **options
        Passed to the model function (e.g. ``order=2`` for Markov, ``half_life=3`` for time
        decay, ``first=0.3, last=0.5`` for position based, ``ordered=True`` for Shapley).

    Returns
    -------
    Attribution
    """
    func = model_function(model)
    accepted = [p for p in inspect.signature(func).parameters if p != "data"]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise MmmError(
            f"model '{model}' has no option {', '.join(unknown)}; its options: "
            f"{', '.join(accepted) or 'none'}",
            key="model",
        )
    return func(data, **options)
