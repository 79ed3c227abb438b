"""Markov attribution: exact removal effects against hand-computed chains."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmm.attribution import markov, read_paths
from mmm.errors import MmmError


@pytest.fixture
def issue_example():
    return read_paths(
        pd.DataFrame(
            {"path": ["C1>C2>C3", "C1", "C2>C3"], "conversions": [1, 0, 0], "nulls": [0, 1, 1]}
        )
    )


def test_first_order_issue_example(issue_example) -> None:
    result = markov(issue_example)
    assert result.details["conversion_probability"] == pytest.approx(1 / 3)
    effects = result.removal_effects.set_index("channel")["removal_effect"]
    assert effects.to_dict() == pytest.approx({"C1": 0.5, "C2": 1.0, "C3": 1.0})
    assert list(result.table["share"]) == pytest.approx([0.2, 0.4, 0.4])
    assert result.table["conversions"].sum() == pytest.approx(1.0)


def test_second_order_uses_history() -> None:
    # A>C always converts, B>C never: order 1 cannot tell them apart, order 2 can
    data = read_paths(
        pd.DataFrame({"path": ["A > C", "B > C"], "conversions": [1, 0], "nulls": [0, 1]})
    )
    first = markov(data, order=1).table.set_index("channel")["share"]
    assert first.to_dict() == pytest.approx({"A": 0.25, "B": 0.25, "C": 0.5})
    second = markov(data, order=2).table.set_index("channel")["share"]
    assert second.to_dict() == pytest.approx({"A": 0.5, "B": 0.0, "C": 0.5})


def test_tree_chain_reproduces_the_observed_rate(rng) -> None:
    # paths of distinct channels no longer than the order form a tree: P(conv) is exact
    channels = list("abcdef")
    paths = {" > ".join(rng.permutation(channels)[: rng.integers(1, 5)]) for _ in range(60)}
    frame = pd.DataFrame({"path": sorted(paths)})
    frame["conversions"] = rng.integers(0, 10, len(frame))
    frame["nulls"] = rng.integers(1, 30, len(frame))
    result = markov(read_paths(frame), order=4)
    rate = frame["conversions"].sum() / (frame["conversions"] + frame["nulls"]).sum()
    assert result.details["conversion_probability"] == pytest.approx(rate)


def test_value_removal_effects_and_transition_matrix() -> None:
    data = read_paths(
        pd.DataFrame(
            {
                "path": ["C1 > C2 > C3", "C1", "C2 > C3", "C1 > C1 > C2"],
                "conversions": [1, 0, 0, 2],
                "value": [10.0, 0, 0, 5.0],
                "nulls": [0, 1, 1, 1],
            }
        )
    )
    result = markov(data, transition_matrix=True)
    # by hand: P(conv) = 5/6*4/5*(2/5 + 2/5*1/2) + 1/6*(...) = 1/2; removing C3 leaves 1/3
    assert result.details["conversion_probability"] == pytest.approx(0.5)
    effects = result.removal_effects.set_index("channel")
    assert effects["removal_effect"].to_dict() == pytest.approx({"C1": 0.8, "C2": 1.0, "C3": 1 / 3})
    assert effects.loc["C3", "removal_effect_value"] == pytest.approx(2 / 3)
    assert result.table["value"].sum() == pytest.approx(15.0)
    sums = result.transition_matrix.groupby("from")["probability"].sum()
    assert np.allclose(sums, 1.0)
    row = result.transition_matrix.query("`from` == 'C1' and to == 'C2'")
    assert row["probability"].item() == pytest.approx(0.8)


@pytest.mark.parametrize("order", [0, 5])
def test_order_out_of_range(issue_example, order) -> None:
    with pytest.raises(MmmError, match=f"'order': Markov order must be 1, 2, 3 or 4, got {order}"):
        markov(issue_example, order=order)


def test_iterative_solver_matches_direct(rng, monkeypatch) -> None:
    import sys

    channels = np.array(list("abcde"))
    paths = [" > ".join(rng.choice(channels, size=rng.integers(1, 8))) for _ in range(300)]
    frame = pd.DataFrame(
        {
            "path": paths,
            "conversions": rng.integers(0, 5, 300),
            "value": rng.uniform(0, 50, 300),
            "nulls": rng.integers(1, 20, 300),
        }
    )
    data = read_paths(frame)
    direct = markov(data, order=3)
    monkeypatch.setattr(sys.modules["mmm.attribution.markov_chain"], "DIRECT_MAX_STATES", 0)
    iterative = markov(read_paths(frame), order=3)
    np.testing.assert_allclose(
        iterative.removal_effects.iloc[:, 1:], direct.removal_effects.iloc[:, 1:], rtol=1e-10
    )
    assert iterative.details["conversion_probability"] == pytest.approx(
        direct.details["conversion_probability"], rel=1e-12
    )
