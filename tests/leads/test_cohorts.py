"""Kaplan-Meier, Beta intervals and censoring-aware rates against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mmm.leads.cohorts import (
    beta_interval,
    cohort_table,
    completion_adjusted_rate,
    conversion_rate,
    kaplan_meier,
    survival_at,
)

AS_OF = pd.Timestamp("2025-03-31")


def test_kaplan_meier_textbook_example() -> None:
    # events at 1, 2, 3, 5; censored at 2 and 4
    curve = kaplan_meier(np.array([1, 2, 2, 3, 4, 5]), np.array([1, 1, 0, 1, 0, 1], bool))
    assert curve["t"].tolist() == [1, 2, 3, 5]
    assert curve["at_risk"].tolist() == [6, 5, 3, 1]
    np.testing.assert_allclose(curve["survival"], [5 / 6, 2 / 3, 4 / 9, 0.0])
    # Greenwood at t=1: S^2 * d / (r (r - d)) = (25/36) / 30
    assert curve["variance"].iloc[0] == pytest.approx(25 / 36 / 30)
    np.testing.assert_allclose(
        survival_at(curve, [0.5, 1, 2.5, 4.9, 99]), [1, 5 / 6, 2 / 3, 4 / 9, 0]
    )


def test_beta_interval_matches_scipy() -> None:
    lo, hi = beta_interval(3, 10, prob=0.9)
    assert lo == pytest.approx(stats.beta.ppf(0.05, 4, 8))
    assert hi == pytest.approx(stats.beta.ppf(0.95, 4, 8))
    lo, hi = beta_interval(3, 10, prob=0.5)
    assert (lo, hi) == pytest.approx(stats.beta.ppf([0.25, 0.75], 4, 8))
    assert np.isnan(beta_interval(0, 0)[0])


def test_opportunity_to_won_by_hand(small_leads: pd.DataFrame) -> None:
    # opportunities: L1 won after 30 d, L4 won after 20 d, L2 lost (age 49 d), L5 open (age 30 d)
    r = conversion_rate(small_leads["opportunity"], small_leads["won"], AS_OF)
    assert (r.entered, r.converted) == (4, 2)
    assert r.naive == 0.5
    # KM: t=20 at risk 4 -> 3/4; t=30 at risk 3 (L1 event, L5 censored at 30, L2) -> 1/2
    assert r.rate == pytest.approx(0.5)
    assert r.median_days == 25.0
    assert r.lo < 0.5 < r.hi
    narrow = conversion_rate(small_leads["opportunity"], small_leads["won"], AS_OF, prob=0.5)
    assert r.lo < narrow.lo < narrow.hi < r.hi and narrow.rate == r.rate
    assert r.method == "kaplan-meier, horizon 180 d"


def test_censoring_changes_the_rate(small_leads: pd.DataFrame) -> None:
    # lead->mql: L6 created the day before the export has not had time; KM removes it at 1 d
    r = conversion_rate(small_leads["created"], small_leads["mql"], AS_OF)
    assert r.naive == pytest.approx(5 / 6)
    # events at 2,4,4,4,6 days among 6 leads, L6 censored at 1 day: all 5 others converted
    assert r.rate == pytest.approx(1.0)


def test_mature_method_by_hand(small_leads: pd.DataFrame) -> None:
    # horizon 40 d: mature opportunities are L1 (58 d old), L2 (49), L4 (54); L1, L4 won < 40 d
    r = conversion_rate(
        small_leads["opportunity"], small_leads["won"], AS_OF, method="mature", horizon=40
    )
    assert r.rate == pytest.approx(2 / 3)
    assert (r.lo, r.hi) == pytest.approx(beta_interval(2, 3))
    assert "mature cohorts only" in r.method


def test_unknown_method() -> None:
    s = pd.Series(pd.to_datetime(["2025-01-01"]))
    with pytest.raises(ValueError, match="method must be one of"):
        conversion_rate(s, s, AS_OF, method="magic")


def test_completion_adjusted_closed_forms() -> None:
    conv = np.array([True, True, False, False, False, False, False, False])
    ages = np.full(8, 10.0)
    # G = 1: the ordinary proportion
    p, lo, hi = completion_adjusted_rate(ages, conv, lambda t: np.ones_like(t))
    assert p == pytest.approx(2 / 8, abs=1e-6)
    # G = 1/2 for the open leads: k/p = m/2 / (1 - p/2)  ->  p = 2k / (k + m) = 0.5
    p, _, _ = completion_adjusted_rate(ages, conv, lambda t: np.full_like(t, 0.5))
    assert p == pytest.approx(0.5, abs=1e-6)


def test_cohort_table_columns_and_counts(small_leads: pd.DataFrame) -> None:
    tab = cohort_table(small_leads["created"], small_leads["mql"], AS_OF)
    assert tab["cohort"].tolist() == ["2025-01", "2025-02", "2025-03"]
    assert tab["entered"].tolist() == [4, 1, 1]
    assert tab["naive"].tolist() == [1.0, 1.0, 0.0]
    assert tab.loc[0, "maturity"] == pytest.approx(1.0)
