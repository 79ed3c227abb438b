"""Posterior quantities in original units, from a fitted (or loaded) model.

- :mod:`~mmm.analysis.posterior`: contributions, ROI and mROI draws, the additive
  decomposition, predictions and fit quality.
- :mod:`~mmm.analysis.intervals`: the one summary vocabulary (:class:`Interval`: mean, lo, hi).
- :mod:`~mmm.analysis.summary`: per-channel tables and the ``summary.json`` schema.
- :mod:`~mmm.analysis.curves`: response curves, adstock decay and the decomposition as xarray.
"""

from __future__ import annotations

from mmm._lazy import lazy_exports

# Exports load on first use, so importing the package stays cheap.
_EXPORTS = {
    "MROI_STEP": "posterior",
    "channel_contributions": "posterior",
    "channel_response": "posterior",
    "component_draws": "posterior",
    "fit_quality": "posterior",
    "mroi_draws": "posterior",
    "posterior_predictive": "posterior",
    "predicted_mean": "posterior",
    "roi_draws": "posterior",
    "geo_response": "posterior",
    "geo_contributions": "posterior",
    "geo_contribution_totals": "posterior",
    "geo_roi_draws": "posterior",
    "geo_mroi_draws": "posterior",
    "geo_component_draws": "posterior",
    "geo_predicted_mean": "posterior",
    "geo_fit_quality": "posterior",
    "DEFAULT_PROB": "intervals",
    "Interval": "intervals",
    "STATS": "intervals",
    "check_prob": "intervals",
    "interval": "intervals",
    "channel_summary": "summary",
    "channel_table": "summary",
    "contribution_shares": "summary",
    "summary_dict": "summary",
    "geo_table": "summary",
    "adstock_curves": "curves",
    "decomposition": "curves",
    "multiplier_grid": "curves",
    "response_curves": "curves",
    "geo_response_curves": "curves",
}

__all__ = list(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
