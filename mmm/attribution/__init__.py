"""Multi-touch attribution: user journeys (paths, event logs) -> per-channel credit.

Entry points
------------
* :func:`read_input`, :func:`read_paths`, :func:`paths_from_events` -> :class:`PathData`
* :func:`attribute` (any model by name) or the model functions themselves: rule-based
  heuristics, :func:`markov` (removal effects) and :func:`shapley`.

MTA shares are biased toward lower-funnel channels: the MMM reads them only as a weak prior on
relative contribution (``calibration.mta`` in the config), never as incrementality.
"""

from __future__ import annotations

from mmm._lazy import lazy_exports

#: Attribution model names, in the order the CLI lists them (see :mod:`mmm.attribution.models`).
MODEL_NAMES = (
    "first_touch",
    "last_touch",
    "last_non_direct",
    "linear",
    "time_decay",
    "position_based",
    "markov",
    "shapley",
)

# Exports load on first use, so importing one submodule (or the CLI) stays cheap.
_EXPORTS = {
    "MODELS": "models",
    "attribute": "models",
    "model_function": "models",
    "paths_from_events": "events",
    "Attribution": "heuristics",
    "first_touch": "heuristics",
    "last_non_direct": "heuristics",
    "last_touch": "heuristics",
    "linear": "heuristics",
    "position_based": "heuristics",
    "time_decay": "heuristics",
    "PathData": "paths",
    "read_input": "inputs",
    "is_event_log": "tables",
    "read_paths": "paths",
    "markov": "markov_chain",
    "shapley": "shapley_values",
}

__all__ = ["MODEL_NAMES", *_EXPORTS]


__getattr__ = lazy_exports(__name__, _EXPORTS)
