"""User-level holdout lift: posterior of the rates, MDE formula, go-dark record."""

from __future__ import annotations

from datetime import date

import pytest

from mmm.errors import MmmError
from mmm.experiments import holdout_lift
from mmm.experiments.lift import minimum_detectable_effect


def test_lift_estimates_and_intervals(seed) -> None:
    result = holdout_lift(
        50_000, 1200, 50_000, 1000, treatment_value=60_000.0, control_value=50_000.0, seed=seed
    )
    # posterior means of Beta(1 + k, 1 + n - k): (k + 1) / (n + 2)
    expected = 1201 / 50_002 - 1001 / 50_002
    assert result.absolute["mean"] == pytest.approx(expected, abs=3e-5)
    assert result.incremental_conversions["mean"] == pytest.approx(expected * 50_000, abs=1.5)
    # sd of a difference of two rates ~ sqrt(p1 q1 / n + p2 q2 / n)
    sd = (0.024 * 0.976 / 50_000 + 0.02 * 0.98 / 50_000) ** 0.5
    assert result.absolute["sd"] == pytest.approx(sd, rel=0.03)
    assert result.absolute["lo"] < expected < result.absolute["hi"]
    assert set(result.absolute) == {"mean", "lo", "hi", "sd"}
    # a 90% central interval of a near-normal posterior spans about 2 * 1.645 sd
    width = result.absolute["hi"] - result.absolute["lo"]
    assert width == pytest.approx(2 * 1.645 * result.absolute["sd"], rel=0.05)
    assert result.prob == 0.9
    assert result.relative["mean"] == pytest.approx(0.2, abs=0.01)
    # value per user = rate * 50 per conversion -> incremental value = 50 * conversions
    assert result.incremental_value["mean"] == pytest.approx(
        50 * result.incremental_conversions["mean"], rel=1e-9
    )
    assert result.prob_positive > 0.99


def test_minimum_detectable_effect_formula() -> None:
    # (1.959964 + 0.841621) * sqrt(0.02 * 0.98 * (1/50000 + 1/50000))
    assert minimum_detectable_effect(0.02, 50_000, 50_000) == pytest.approx(0.00248063, rel=1e-5)


def test_go_dark_record_per_period(seed) -> None:
    result = holdout_lift(10_000, 300, 10_000, 200, seed=seed)
    record = result.record("social", date(2025, 1, 6), date(2025, 2, 2), spend=40_000.0)
    assert record.x == pytest.approx(10_000.0)  # 28 days = 4 weekly periods
    assert record.delta_x == pytest.approx(-10_000.0)
    assert record.delta_y == pytest.approx(-result.incremental_conversions["mean"])
    assert record.sigma == pytest.approx(result.incremental_conversions["sd"])


def test_bad_counts() -> None:
    with pytest.raises(MmmError, match="treatment conversions must be between 0 and the users"):
        holdout_lift(100, 150, 100, 10)
    with pytest.raises(MmmError, match="control users must be positive"):
        holdout_lift(100, 10, 0, 0)
    with pytest.raises(MmmError, match=r"'prob': interval probability must be between 0 and 1"):
        holdout_lift(100, 10, 100, 5, prob=1.5)


def test_wider_prob_gives_wider_interval(seed) -> None:
    narrow = holdout_lift(20_000, 600, 20_000, 400, prob=0.5, seed=seed).absolute
    wide = holdout_lift(20_000, 600, 20_000, 400, prob=0.99, seed=seed).absolute
    assert wide["lo"] < narrow["lo"] < narrow["hi"] < wide["hi"]
    assert wide["mean"] == narrow["mean"]  # same seed, same draws
