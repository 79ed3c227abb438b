"""Incrementality experiments: user-level holdouts and geo / time-series lift tests.

Entry points
------------
* :func:`holdout_lift`, :func:`geo_lift` -> lift estimates with intervals and a
  :class:`LiftRecord` each.
* :func:`read_records`, :func:`write_records`: the lift-record CSV that the MMM's calibration
  terms (:mod:`mmm.model.lift_terms`) read.
"""

from __future__ import annotations

from mmm._lazy import lazy_exports

# Exports load on first use, so importing one submodule (or the CLI) stays cheap.
_EXPORTS = {
    "GeoLift": "lift",
    "HoldoutLift": "lift",
    "geo_lift": "lift",
    "holdout_lift": "lift",
    "LiftRecord": "records",
    "read_records": "records",
    "write_records": "records",
}

__all__ = list(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
