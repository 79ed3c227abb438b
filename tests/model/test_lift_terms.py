"""The model's implied lift of a lift test, against a case computed by hand."""

from __future__ import annotations

from datetime import date

import numpy as np

from mmm.experiments.records import LiftRecord
from mmm.model.lift_terms import LiftWindow, implied_lift, window_lags
from mmm.model.transforms import ChannelPlan

PLAN = ChannelPlan(channels=("tv",), adstock=("geometric",), max_lag=(2,), saturation=("logistic",))
PARAMS = {"geometric_alpha": np.array([0.5]), "logistic_lam": np.array([1.0])}


def test_implied_lift_of_a_two_week_test_equals_the_hand_computed_value():
    # scaled spend 1, 2, [x], [x], 1, 1 (scale 2); the test runs weeks 3-4 at x = 1 (base)
    # against x + delta_x = 4 (test), i.e. 0.5 and 2.0 in scaled units
    spend = np.array([[2.0], [4.0], [0.0], [6.0], [2.0], [2.0]])
    rows, scale = np.array([2, 3]), np.array([2.0])
    record = LiftRecord("tv", date(2024, 1, 15), date(2024, 1, 22), 1.0, 3.0, 0.5, 0.1)
    window = LiftWindow(
        record=record,
        channel=0,
        geo=None,
        rows=rows,
        lagged_base=window_lags(spend, 0, rows, record.x, scale, PLAN),
        lagged_test=window_lags(spend, 0, rows, record.x + record.delta_x, scale, PLAN),
    )
    # weights (1, 0.5) / 1.5; adstocked base: week 3 = 2/3 * 0.5 + 1/3 * 2 = 1.0,
    # week 4 = 0.5; test: 2.0 in both weeks; logistic(x) = tanh(x / 2); beta 0.7.
    # Only the window's weeks count (the carry-over into week 5 does not).
    by_hand = 0.7 * ((np.tanh(1.0) - np.tanh(0.5)) + (np.tanh(1.0) - np.tanh(0.25)))
    assert np.isclose(by_hand, 0.5713067448569677)
    lift = implied_lift(window, PLAN, PARAMS, np.array([0.7]))
    np.testing.assert_allclose(lift, by_hand, rtol=1e-12)
    draws = implied_lift(window, PLAN, {k: np.stack([v, v]) for k, v in PARAMS.items()},
                         np.array([[0.7], [1.4]]))  # fmt: skip
    np.testing.assert_allclose(draws, [by_hand, 2 * by_hand], rtol=1e-12)
