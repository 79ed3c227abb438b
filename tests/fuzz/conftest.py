"""Hypothesis profiles for the fuzz tests and the shipped examples they start from.

The default profile ``ci`` is deterministic (``derandomize=True``, no example database), so a
run on CI explores the same inputs every time. ``HYPOTHESIS_PROFILE=dev`` explores new random
inputs on each run, with more examples, to look for new bugs locally.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, settings

from mmm.model.simulate import simulate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = ROOT / "configs" / "example.yaml"
EXAMPLE_CRM = ROOT / "configs" / "leads" / "example_crm.csv"
EXAMPLE_MAPPING = ROOT / "configs" / "leads" / "hubspot_mapping.yaml"

_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("ci", max_examples=100, derandomize=True, database=None, **_COMMON)
settings.register_profile("dev", max_examples=500, database=None, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@cache
def example_csv_text() -> str:
    """``data/example.csv`` as ``mmm simulate --seed 1`` writes it (the file is not in git)."""
    return simulate(seed=1).frame.to_csv(index=False, date_format="%Y-%m-%d")
