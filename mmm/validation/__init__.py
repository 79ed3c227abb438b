"""Out-of-sample validation: holdout, time-slice cross-validation and model comparison.

Entry points
------------
* :func:`fit_with_holdout`, :func:`forecast`: fit on the earlier periods, predict the rest.
* :func:`predictive_scores`: R², MAPE, CRPS and 90% coverage of a prediction.
"""

from __future__ import annotations

from mmm._lazy import lazy_exports

# Exports load on first use, so importing one submodule (or the CLI) stays cheap.
_EXPORTS = {
    "Forecast": "holdout",
    "fit_with_holdout": "holdout",
    "forecast": "holdout",
    "training_window": "holdout",
    "predictive_scores": "metrics",
}

__all__ = list(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
