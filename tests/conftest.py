"""Shared fixtures: one seed for every random draw in the suite."""

from __future__ import annotations

import numpy as np
import pytest

SEED = 20261123


@pytest.fixture
def seed() -> int:
    """The suite's single seed."""
    return SEED


@pytest.fixture
def rng(seed: int) -> np.random.Generator:
    """A fresh generator from the suite's seed."""
    return np.random.default_rng(seed)
