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


def _check_unwrapped(text: str, rows: dict[str, list[str]], width: int = 80) -> None:
    """Assert that printed tables wrap no row at ``width`` columns.

    No line is longer than ``width``; no line is the continuation of a wrapped one (the tables
    start their lines at column 0, so a continuation starts blank); and every cell of ``rows``
    (row label -> expected cells) appears whole on a line whose first cell is that label.
    """
    lines = text.splitlines()
    assert max(map(len, lines)) <= width, max(lines, key=len)
    wrapped = [line for line in lines if line[:1].isspace() and line.strip()]
    assert not wrapped, wrapped
    for label, cells in rows.items():
        own = [line for line in lines if line.split("\u2502")[0].strip() == label]
        assert own, f"no line for row {label!r}"
        for cell in cells:
            assert any(cell in line for line in own), f"{cell!r} not on a line of row {label!r}"


@pytest.fixture
def check_unwrapped():
    """:func:`_check_unwrapped`: rendered tables keep every row on one line."""
    return _check_unwrapped
