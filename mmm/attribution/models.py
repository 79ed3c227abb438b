"""The attribution models by name: lookup with typo hints and a by-name runner."""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from typing import Any

from mmm.attribution.heuristics import (
    Attribution,
    first_touch,
    last_non_direct,
    last_touch,
    linear,
    position_based,
    time_decay,
)
from mmm.attribution.markov_chain import markov
from mmm.attribution.paths import PathData
from mmm.attribution.shapley_values import shapley
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
