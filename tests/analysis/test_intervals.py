"""The one summary vocabulary: Interval, interval(), check_prob and their JSON forms."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from mmm.analysis.intervals import Interval, check_prob, interval, interval_array
from mmm.errors import MmmError
from mmm.planning.plans import stat


def test_interval_of_evenly_spaced_draws() -> None:
    # 0..100: the 5% and 95% quantiles (linear interpolation) are 5 and 95 exactly
    out = Interval.of(np.arange(101.0), prob=0.9)
    assert (out.mean, out.lo, out.hi) == pytest.approx((50.0, 5.0, 95.0))
    half = Interval.of(np.arange(101.0), prob=0.5)
    assert (half.mean, half.lo, half.hi) == pytest.approx((50.0, 25.0, 75.0))
    assert out.contains(90.0) and not out.contains(95.5)


def test_missing_draws_give_nan_and_strict_json() -> None:
    for draws in (np.array([]), np.array([1.0, np.nan]), np.array([1.0, np.inf])):
        out = Interval.of(draws)
        assert all(math.isnan(v) for v in (out.mean, out.lo, out.hi))
        assert out.to_dict(missing_as_none=True) == {"mean": None, "lo": None, "hi": None}
        assert stat(draws, 0.9) == {"mean": None, "lo": None, "hi": None}
    assert json.dumps(stat(np.array([1.0, np.inf]), 0.9), allow_nan=False)


def test_from_dict_inverts_to_dict_including_nulls() -> None:
    value = Interval(1.0, 0.5, 2.0)
    assert Interval.from_dict(value.to_dict()) == value
    back = Interval.from_dict({"mean": None, "lo": None, "hi": None})
    assert all(math.isnan(v) for v in (back.mean, back.lo, back.hi))


def test_interval_along_an_axis_matches_each_column(rng) -> None:
    draws = rng.normal(size=(400, 3)) * [1.0, 2.0, 3.0]
    out = interval(draws, 0.8)
    stacked = interval_array(draws, 0.8)
    assert stacked.shape == (3, 3)
    for m in range(3):
        one = Interval.of(draws[:, m], 0.8)
        assert (out["mean"][m], out["lo"][m], out["hi"][m]) == pytest.approx(
            (one.mean, one.lo, one.hi)
        )
        assert stacked[m] == pytest.approx([one.mean, one.lo, one.hi])
        assert stat(draws[:, m], 0.8) == one.to_dict()  # the planner's JSON form


@pytest.mark.parametrize("prob", [0.0, 1.0, 1.5, -0.1, 90])
def test_check_prob_refuses_values_outside_zero_one(prob: float) -> None:
    with pytest.raises(
        MmmError, match=rf"'level': interval probability must be between 0 and 1, got {prob}"
    ):
        check_prob(prob, key="level")


def test_check_prob_accepts_a_probability() -> None:
    assert check_prob(0.9) == 0.9
    assert isinstance(check_prob(np.float32(0.5)), float)
