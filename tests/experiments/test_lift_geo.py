"""Geo lift: PyMC regression on controls recovers a known incremental KPI; placebo is null."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmm.errors import MmmError
from mmm.experiments import geo_lift

EFFECT_PER_WEEK = 20.0
TEST_WEEKS = slice(40, 48)  # 8 weeks -> true incremental KPI 160


@pytest.fixture
def geo_frame(rng) -> pd.DataFrame:
    weeks = 52
    dates = pd.date_range("2024-01-01", periods=weeks, freq="W-MON")
    base = 100 + 10 * np.sin(np.arange(weeks) / 5)
    frame = pd.DataFrame({"date": dates})
    for geo in ("north", "south", "east", "west"):
        frame[geo] = base * rng.uniform(0.8, 1.2) + rng.normal(0, 2, weeks)
    frame["treated"] = 1.1 * base + rng.normal(0, 2, weeks)
    frame.loc[frame.index[TEST_WEEKS], "treated"] += EFFECT_PER_WEEK
    return frame


def test_geo_lift_recovers_effect_and_passes_placebo(geo_frame, seed) -> None:
    dates = geo_frame["date"]
    result = geo_lift(
        geo_frame, treated=["treated"], start=dates[40], end=dates[47], draws=300, seed=seed
    )
    truth = EFFECT_PER_WEEK * 8
    assert result.periods == 8
    inc = result.incremental
    # a 90% interval misses 1 time in 10 by design; 3 posterior sd is the robust check
    assert abs(inc["mean"] - truth) < 3 * inc["sd"]
    assert inc["lo"] < inc["mean"] < inc["hi"]
    assert 2 < inc["sd"] < 20  # window noise alone: 2 * sqrt(8) = 5.7
    # The placebo window has no effect: its estimate is within 3 sd of zero (on this dataset it
    # sits 1.6 sd out, so whether the 90% interval covers 0 is decided by Monte Carlo noise).
    placebo = result.placebo
    assert abs(placebo["mean"]) < 3 * placebo["sd"]
    assert result.placebo_passed == (placebo["lo"] <= 0.0 <= placebo["hi"])
    series = result.series
    assert list(series.columns) == ["date", "observed", "counterfactual", "lo", "hi"]
    assert (series["lo"] < series["counterfactual"]).all()
    assert (series["counterfactual"] < series["hi"]).all()
    assert result.placebo_window == (dates[32].date(), dates[39].date())  # 8 weeks
    assert result.pre_fit_r2 > 0.8
    record = result.record("tv", x=1000.0, delta_x=500.0)
    assert (record.x, record.delta_x) == (1000.0, 500.0)
    assert record.delta_y == pytest.approx(result.incremental["mean"])
    assert record.start == dates[40].date()


def test_geo_bad_inputs(geo_frame) -> None:
    with pytest.raises(MmmError, match="no column 'treatd'"):
        geo_lift(geo_frame, treated=["treatd"], start="2024-10-07")
    with pytest.raises(MmmError, match="need at least 8 pre-period dates"):
        geo_lift(geo_frame, treated=["treated"], start="2024-01-15")
    bad = geo_frame.astype({"north": object})
    bad.loc[5, "north"] = "n/a"
    with pytest.raises(MmmError, match=r"'north', row 7: expected a number"):
        geo_lift(bad, treated=["treated"], start="2024-10-07", source="geo.csv")
    with pytest.raises(MmmError, match=r"'prob': interval probability must be between 0 and 1"):
        geo_lift(geo_frame, treated=["treated"], start="2024-10-07", prob=0.0)
