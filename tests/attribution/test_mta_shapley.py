"""Shapley attribution: closed form, enumeration and sampling agree with hand answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmm.attribution import linear, read_paths, shapley
from mmm.attribution.shapley_values import enumerate_shapley
from mmm.errors import MmmError


def _random_paths(rng, n_channels: int, n_paths: int = 200) -> pd.DataFrame:
    channels = np.array([f"ch{i:02d}" for i in range(n_channels)])
    paths = [" > ".join(rng.choice(channels, size=rng.integers(1, 6))) for _ in range(n_paths)]
    return pd.DataFrame(
        {
            "path": paths,
            "conversions": rng.integers(0, 10, n_paths),
            "value": rng.uniform(0, 100, n_paths),
            "nulls": rng.integers(1, 40, n_paths),
        }
    )


def test_simplified_equals_linear_over_distinct_channels(rng) -> None:
    frame = _random_paths(rng, 6)
    distinct = frame.assign(path=[" > ".join(dict.fromkeys(p.split(" > "))) for p in frame["path"]])
    ours = shapley(read_paths(frame)).table
    expected = linear(read_paths(distinct)).table
    np.testing.assert_allclose(ours["conversions"], expected["conversions"])
    np.testing.assert_allclose(ours["value"], expected["value"])


def test_enumeration_matches_closed_form(rng) -> None:
    data = read_paths(_random_paths(rng, 7))
    closed = shapley(data).table["conversions"].to_numpy()
    np.testing.assert_allclose(enumerate_shapley(data, "conversions"), closed)


def test_ordered_splits_credit_over_positions() -> None:
    data = read_paths(pd.DataFrame({"path": ["a > b > a"], "conversions": [3.0]}))
    result = shapley(data, ordered=True)
    assert result.table.set_index("channel")["conversions"].to_dict() == {"a": 1.5, "b": 1.5}
    by_pos = result.by_position.set_index(["channel", "position"])["conversions"]
    assert by_pos.to_dict() == {("a", 1): 0.75, ("a", 3): 0.75, ("b", 2): 1.5}


def test_conversion_rate_worth_by_hand() -> None:
    # v({a}) = 1/2, v({b}) = 0/2, v({a,b}) = 4/8 -> phi_a = 1/2, phi_b = 0, scaled to 4 conversions
    data = read_paths(
        pd.DataFrame({"path": ["a", "b", "a > b"], "conversions": [1, 0, 3], "nulls": [1, 2, 1]})
    )
    table = shapley(data, worth="conversion_rate").table.set_index("channel")
    assert table["conversions"].to_dict() == pytest.approx({"a": 4.0, "b": 0.0})
    assert table["conversions_se"].eq(0).all()


@pytest.mark.parametrize("worth", ["conversions", "conversion_rate"])
def test_sampling_agrees_with_exact_within_its_error(rng, worth, seed) -> None:
    data = read_paths(_random_paths(rng, 6))
    exact = shapley(data, worth=worth, method="exact").table
    sampled = shapley(data, worth=worth, method="sampled", n_samples=3000, seed=seed).table
    se = sampled["conversions_se"].to_numpy()
    assert (se > 0).all()
    diff = np.abs(sampled["conversions"].to_numpy() - exact["conversions"].to_numpy())
    assert (diff <= 4 * se + 1e-9).all()
    assert sampled["conversions"].sum() == pytest.approx(exact["conversions"].sum())


def test_many_channels_are_sampled_and_exact_refuses(rng) -> None:
    data = read_paths(_random_paths(rng, 18, 150))
    result = shapley(data, worth="conversion_rate", n_samples=200)
    assert result.details["method"] == "sampled"
    assert result.table["conversions_se"].gt(0).any()
    with pytest.raises(MmmError, match="limited to 15 channels; this data has 18"):
        shapley(data, worth="conversion_rate", method="exact")
    with pytest.raises(MmmError, match="unknown Shapley worth"):
        shapley(data, worth="revenue")
