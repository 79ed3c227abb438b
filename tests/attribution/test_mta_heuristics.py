"""Rule-based attribution: hand-computed answers and conservation of the totals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmm.attribution import (
    attribute,
    first_touch,
    last_non_direct,
    last_touch,
    linear,
    position_based,
    read_paths,
    time_decay,
)
from mmm.errors import MmmError


@pytest.fixture
def data():
    return read_paths(
        pd.DataFrame(
            {
                "path": ["a > b > c > direct", "direct", "b > direct > c"],
                "conversions": [1, 2, 3],
                "value": [10.0, 20.0, 30.0],
            }
        )
    )


def _conv(result) -> dict[str, float]:
    return dict(zip(result.table["channel"], result.table["conversions"], strict=True))


def test_first_last_and_last_non_direct(data) -> None:
    assert _conv(first_touch(data)) == {"a": 1, "b": 3, "c": 0, "direct": 2}
    assert _conv(last_touch(data)) == {"a": 0, "b": 0, "c": 3, "direct": 3}
    assert _conv(last_non_direct(data)) == {"a": 0, "b": 0, "c": 4, "direct": 2}


def test_linear_and_position_based(data) -> None:
    assert _conv(linear(data)) == pytest.approx({"a": 0.25, "b": 1.25, "c": 1.25, "direct": 3.25})
    # a>b>c>direct: .4 .1 .1 .4 ; b>direct>c (x3): 1.2 .6 1.2 ; direct: 2
    expected = {"a": 0.4, "b": 1.3, "c": 1.3, "direct": 3.0}
    assert _conv(position_based(data)) == pytest.approx(expected)
    two = read_paths(pd.DataFrame({"path": ["x > y"], "conversions": [1.0]}))
    split = _conv(position_based(two, first=0.3, last=0.6))
    assert split == pytest.approx({"x": 1 / 3, "y": 2 / 3})


def test_time_decay_on_paths_counts_touches(data) -> None:
    # half-life of one touch: weights 1/8, 1/4, 1/2, 1 on a 4-touch path
    result = _conv(time_decay(data, half_life=1.0))
    w4 = np.array([1, 2, 4, 8]) / 15
    w3 = np.array([1, 2, 4]) / 7
    assert result["a"] == pytest.approx(w4[0])
    assert result["b"] == pytest.approx(w4[1] + 3 * w3[0])
    assert result["direct"] == pytest.approx(w4[3] + 2 + 3 * w3[1])


def test_value_follows_the_same_weights(data) -> None:
    table = linear(data).table.set_index("channel")
    assert table.loc["direct", "value"] == pytest.approx(2.5 + 20 + 10)


@pytest.mark.parametrize(
    "model",
    ["first_touch", "last_touch", "last_non_direct", "linear", "position_based", "time_decay"],
)
def test_heuristics_conserve_totals(model, rng) -> None:
    channels = np.array(["search", "email", "display", "social", "direct"])
    paths = [" > ".join(rng.choice(channels, size=rng.integers(1, 7))) for _ in range(300)]
    frame = pd.DataFrame(
        {
            "path": paths,
            "conversions": rng.integers(0, 20, 300),
            "value": rng.uniform(0, 500, 300),
            "nulls": rng.integers(1, 50, 300),
        }
    )
    data = read_paths(frame)
    table = attribute(data, model).table
    assert table["conversions"].sum() == pytest.approx(frame["conversions"].sum())
    assert table["value"].sum() == pytest.approx(frame["value"].sum())
    assert table["share"].sum() == pytest.approx(1.0)


def test_bad_position_shares_and_unknown_model(data) -> None:
    with pytest.raises(MmmError, match="first \\+ last <= 1"):
        position_based(data, first=0.7, last=0.5)
    with pytest.raises(MmmError, match="Did you mean 'linear'"):
        attribute(data, "lineer")
    with pytest.raises(MmmError, match="model 'linear' has no option order; its options: none"):
        attribute(data, "linear", order=2)
