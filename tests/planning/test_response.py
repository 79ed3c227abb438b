"""The horizon response model against brute force, hand-computed values and its gradient."""

from __future__ import annotations

import numpy as np
import pytest

from mmm.errors import MmmError
from mmm.model.transforms import SATURATIONS, ChannelPlan, lag_matrix
from mmm.planning.response import (
    ResponseModel,
    draw_indices,
    response_from_truth,
    spend_pattern,
)

from .conftest import spend_of


def brute_force(plan, params, beta, scale, history, pattern, budget):
    """Incremental KPI of a horizon budget from the full time series through plan.response."""
    n_lags, horizon = plan.n_lags, pattern.shape[0]
    n = len(plan.channels)

    def total(b):
        series = np.vstack([history, pattern * b, np.zeros((n_lags - 1, n))])
        response = plan.response(lag_matrix(series / scale, n_lags), params)
        return (response[..., -(horizon + n_lags - 1) :, :] * beta[:, None, :]).sum(axis=-2)

    return total(np.asarray(budget, float)) - total(np.zeros(n))


MIXED = ChannelPlan(
    channels=("a", "b", "c"),
    adstock=("geometric", "delayed", "geometric"),
    max_lag=(4, 6, 3),
    saturation=("logistic", "hill", "michaelis_menten"),
)


def mixed_params(rng: np.random.Generator, draws: int = 5) -> dict[str, np.ndarray]:
    return {
        "geometric_alpha": rng.uniform(0.2, 0.8, (draws, 2)),
        "delayed_alpha": rng.uniform(0.2, 0.8, (draws, 1)),
        "delayed_theta": rng.uniform(0.0, 2.0, (draws, 1)),
        "logistic_lam": rng.uniform(0.5, 3.0, (draws, 1)),
        "hill_k": rng.uniform(0.5, 1.5, (draws, 1)),
        "hill_s": rng.uniform(0.8, 2.5, (draws, 1)),
        "michaelis_menten_k": rng.uniform(0.5, 2.0, (draws, 1)),
    }


@pytest.mark.parametrize("adstock_first", [True, False])
def test_matches_brute_force_with_carry_over(rng, adstock_first):
    plan = ChannelPlan(**{**MIXED.__dict__, "adstock_first": adstock_first})
    params = mixed_params(rng)
    beta = rng.uniform(1e3, 5e3, (5, 3))
    scale = np.array([100.0, 250.0, 40.0])
    history = rng.uniform(0, 2, (20, 3)) * scale
    recent = rng.uniform(0, 2, (8, 3)) * scale
    pattern = spend_pattern("history", recent)
    model = ResponseModel.from_parameters(plan, params, beta, scale, pattern, history=history)
    budget = np.array([900.0, 1500.0, 300.0])
    contribution, _ = model.evaluate(budget)
    expected = brute_force(plan, params, beta, scale, history, pattern, budget)
    np.testing.assert_allclose(contribution, expected, rtol=1e-10)
    # The history alone contributes nothing to the plan's increment.
    np.testing.assert_allclose(model.evaluate(np.zeros(3))[0], 0.0, atol=1e-9)


def test_one_channel_hand_computed():
    # max_lag 1 (no carry-over), logistic: C = beta * H * tanh(lam * (b / H) / scale / 2).
    plan = ChannelPlan(("tv",), ("geometric",), (1,), ("logistic",))
    params = {"geometric_alpha": np.array([0.5]), "logistic_lam": np.array([2.0])}
    model = ResponseModel.from_parameters(
        plan, params, beta=np.array([1000.0]), spend_scale=np.array([50.0]),
        pattern=np.full((4, 1), 0.25),
    )  # fmt: skip
    contribution, marginal = model.evaluate(np.array([200.0]))
    # per period: 50 spend -> scaled 1 -> tanh(1) = 0.761594...; four periods
    assert contribution[0, 0] == pytest.approx(4000 * 0.7615941559557649)
    # derivative: beta * H * (1 - tanh(1)^2) * lam / 2 / (H * scale)
    assert marginal[0, 0] == pytest.approx(1000 * (1 - 0.7615941559557649**2) / 50)


@pytest.mark.parametrize("adstock_first", [True, False])
def test_gradient_matches_finite_differences(rng, adstock_first):
    plan = ChannelPlan(**{**MIXED.__dict__, "adstock_first": adstock_first})
    scale = np.array([100.0, 250.0, 40.0])
    model = ResponseModel.from_parameters(
        plan, mixed_params(rng), rng.uniform(1e3, 5e3, (5, 3)), scale,
        spend_pattern("flat", np.ones((6, 3))), history=rng.uniform(0, 2, (10, 3)) * scale,
    )  # fmt: skip
    budget = np.array([700.0, 2000.0, 150.0])
    _, marginal = model.evaluate(budget)
    for m in range(3):
        step = np.zeros(3)
        step[m] = 1e-3 * budget[m]
        up, _ = model.evaluate(budget + step, gradient=False)
        down, _ = model.evaluate(budget - step, gradient=False)
        numeric = (up[:, m] - down[:, m]) / (2 * step[m])
        np.testing.assert_allclose(marginal[:, m], numeric, rtol=1e-5)


@pytest.mark.parametrize(
    ("name", "values"),
    [("logistic", [1.7]), ("hill", [0.8, 2.2]), ("michaelis_menten", [1.3])],
)
def test_saturation_derivatives_match_finite_differences(name, values):
    x = np.linspace(0.05, 4.0, 50)
    component = SATURATIONS[name]
    f = component.function
    numeric = (f(x + 1e-6, *values) - f(x - 1e-6, *values)) / 2e-6
    np.testing.assert_allclose(component.derivative(x, *values), numeric, rtol=1e-6)
    value, slope = component.value_and_derivative(x, *values)
    np.testing.assert_allclose(value, f(x, *values), rtol=1e-12)
    np.testing.assert_allclose(slope, numeric, rtol=1e-6)


def test_truth_response_reproduces_simulated_roi(planning_sim):
    # Over the whole history (horizon = data, flat -> history pattern), the increment of the
    # plan equals the simulator's contribution plus the tail after the data, so >= it.
    spend = spend_of(planning_sim)
    model = response_from_truth(planning_sim.truth, spend, horizon=len(spend), pattern="history")
    contribution, _ = model.evaluate(model.current)
    truth = [planning_sim.truth["channels"][c]["contribution"] for c in planning_sim.channels]
    assert np.all(contribution[0] >= np.asarray(truth) * (1 - 1e-9))
    assert np.all(contribution[0] <= np.asarray(truth) * 1.05)


def test_patterns_and_draws():
    recent = np.array([[1.0, 0.0], [3.0, 0.0]])
    np.testing.assert_allclose(spend_pattern("history", recent), [[0.25, 0.5], [0.75, 0.5]])
    np.testing.assert_allclose(spend_pattern("flat", recent), 0.5)
    with pytest.raises(MmmError, match="unknown spend pattern"):
        spend_pattern("weekly", recent)
    np.testing.assert_array_equal(draw_indices(10, 3), [0, 4, 9])
    assert len(draw_indices(10, None)) == 10
