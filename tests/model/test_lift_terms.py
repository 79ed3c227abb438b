"""The model's implied lift of a lift test: against a case computed by hand, and against the
simulator's lift computed from whole counterfactual series."""

from __future__ import annotations

from datetime import date

import numpy as np

from mmm.experiments.records import LiftRecord
from mmm.model.config import parse_config
from mmm.model.data import dataset_from_frame
from mmm.model.inputs import compute_scales
from mmm.model.lift_terms import LiftWindow, implied_lift, lift_windows, window_lags
from mmm.model.simulate import simulate, simulation_config, true_lift_record, true_plan
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
    # The carry-over into week 5 (max_lag 2: one week after the window) counts too: week 5's
    # own spend is 1, its lag the window's last week: base 2/3 + 1/3 * 0.5 = 5/6, test
    # 2/3 + 1/3 * 2 = 4/3. Week 6 is past the carry-over.
    window_part = (np.tanh(1.0) - np.tanh(0.5)) + (np.tanh(1.0) - np.tanh(0.25))
    carry_over = np.tanh(2 / 3) - np.tanh(5 / 12)
    by_hand = 0.7 * (window_part + carry_over)
    assert np.isclose(by_hand, 0.7033718087654344)
    lift = implied_lift(window, PLAN, PARAMS, np.array([0.7]))
    np.testing.assert_allclose(lift, by_hand, rtol=1e-12)
    draws = implied_lift(window, PLAN, {k: np.stack([v, v]) for k, v in PARAMS.items()},
                         np.array([[0.7], [1.4]]))  # fmt: skip
    np.testing.assert_allclose(draws, [by_hand, 2 * by_hand], rtol=1e-12)


def test_the_model_implies_the_lift_simulated_from_the_whole_counterfactual_series(seed):
    """At the true parameters the model's implied lift equals the simulator's, which compares
    two whole KPI series (carry-over after the window included) without the lift code."""
    sim = simulate(seed=seed, weeks=60, n_channels=3)
    config = parse_config(simulation_config(sim, "unused.csv"))
    dataset = dataset_from_frame(sim.frame, config)
    plan = true_plan(sim.channels)
    truth = sim.truth["channels"]
    params = {
        "geometric_alpha": np.array([truth[c]["adstock"]["alpha"] for c in sim.channels]),
        "logistic_lam": np.array([truth[c]["saturation"]["lam"] for c in sim.channels]),
    }
    beta = np.array([truth[c]["beta"] for c in sim.channels])
    for first_week, change in ((20, -1.0), (55, 0.5)):  # the second's carry-over is cut at 60
        record = true_lift_record(sim, "tv", first_week, n_weeks=3, change=change,
                                  relative_sigma=1e-12)  # fmt: skip
        (window,) = lift_windows([record], dataset, compute_scales(dataset).spend, plan)
        # rtol: the data's spend is rounded to cents, the truth's spend scale is not (2.5e-7);
        # leaving out the carry-over after the window is off by percents
        np.testing.assert_allclose(implied_lift(window, plan, params, beta), record.delta_y,
                                   rtol=1e-6)  # fmt: skip
