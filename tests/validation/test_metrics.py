"""The out-of-sample metrics against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from mmm.validation.metrics import covered, crps, predictive_scores, r2_mape


def test_r2_and_mape_by_hand():
    actual = np.array([10.0, 20.0, 30.0])
    predicted = np.array([12.0, 18.0, 33.0])
    # residuals -2, 2, -3: SSR 17; SST 200; APE 0.2, 0.1, 0.1
    out = r2_mape(actual, predicted)
    assert out["r2"] == pytest.approx(1 - 17 / 200)
    assert out["mape"] == pytest.approx(0.4 / 3)


def test_mape_skips_zero_periods_and_r2_of_a_constant_kpi_is_nan():
    out = r2_mape(np.array([0.0, 10.0]), np.array([1.0, 11.0]))
    assert out["mape"] == pytest.approx(0.1)
    assert np.isnan(r2_mape(np.array([5.0, 5.0]), np.array([4.0, 6.0]))["r2"])


def test_crps_by_hand():
    # draws 1, 2, 4 and y = 3: E|X - y| = (2 + 1 + 1) / 3; E|X - X'| over the 9 ordered
    # pairs = 2 * (1 + 3 + 2) / 9, so CRPS = 4/3 - 6/9.
    draws = np.array([[1.0], [2.0], [4.0]])
    assert crps(np.array([3.0]), draws) == pytest.approx([4 / 3 - 6 / 9])


def test_crps_of_a_point_prediction_is_its_absolute_error_and_matches_the_pairwise_form(rng):
    assert crps(np.array([3.0, -1.0]), np.array([[5.0, 1.0]] * 4)) == pytest.approx([2.0, 2.0])
    draws = rng.normal(size=(50, 3))
    actual = rng.normal(size=3)
    pairwise = np.abs(draws[:, None, :] - draws[None, :, :]).mean(axis=(0, 1))
    expected = np.abs(draws - actual).mean(axis=0) - pairwise / 2
    assert crps(actual, draws) == pytest.approx(expected)


def test_coverage_counts_periods_inside_the_central_90_percent():
    draws = np.tile(np.arange(101.0)[:, None], (1, 3))  # 5% quantile 5, 95% quantile 95
    assert covered(np.array([4.0, 50.0, 95.0]), draws).tolist() == [False, True, True]


def test_predictive_scores_combine_them():
    actual = np.array([10.0, 20.0])
    mu = np.array([[9.0, 21.0], [11.0, 19.0]])  # mean equals actual
    replicated = np.array([[0.0, 0.0], [100.0, 100.0]])
    out = predictive_scores(actual, mu, replicated)
    assert out["periods"] == 2
    assert out["r2"] == pytest.approx(1.0)
    assert out["mape"] == pytest.approx(0.0)
    assert out["coverage_90"] == pytest.approx(1.0)
    # CRPS per period: mean(|0 - y|, |100 - y|) - 100 / 4
    assert out["crps"] == pytest.approx(np.mean([50 - 25, 50 - 25]))
