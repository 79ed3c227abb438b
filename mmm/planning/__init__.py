"""Budget planning on a fitted model, without refitting.

- :mod:`~mmm.planning.response`: the posterior response of a future horizon to a budget, with
  exact gradients.
- :mod:`~mmm.planning.objectives`: objectives, bounds and fixed channels.
- :mod:`~mmm.planning.optimizer`: the allocation optimizer (:func:`optimize`).
- :mod:`~mmm.planning.plans`: an allocation evaluated on the draws and its summary.
- :mod:`~mmm.planning.scenarios`: scenario files compared side by side.
- :mod:`~mmm.planning.cells`: geo panels: cells (geo x channel) and channels with the geo split
  held.
"""

from __future__ import annotations

from mmm._lazy import lazy_exports

# Exports load on first use, so importing the package stays cheap.
_EXPORTS = {
    "Objective": "objectives",
    "parse_bounds": "objectives",
    "parse_fixed": "objectives",
    "optimize": "optimizer",
    "Plan": "plans",
    "evaluate_plan": "plans",
    "plan_summary": "plans",
    "geo_plan_summary": "plans",
    "SplitResponse": "cells",
    "ResponseModel": "response",
    "compare": "scenarios",
    "load_scenarios": "scenarios",
    "run_scenarios": "scenarios",
}

__all__ = list(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
