"""Transforms against hand-computed values, closed forms, and numpy == pytensor."""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
import pytest
from scipy import stats

from mmm.model.transforms import (
    SATURATIONS,
    ChannelPlan,
    delayed_weights,
    geometric_weights,
    hill_saturation,
    lag_matrix,
    logistic_saturation,
    michaelis_menten_saturation,
    padded_spend,
    shifted_response,
    weibull_weights,
)


def test_geometric_weights_are_powers_of_alpha():
    weights = geometric_weights(np.arange(3.0), np.array([0.5]))
    np.testing.assert_allclose(weights, [[1.0, 0.5, 0.25]])


def test_geometric_adstock_of_an_impulse_by_hand():
    plan = ChannelPlan(("tv",), ("geometric",), (3,), ("logistic",))
    weights = plan.weights({"geometric_alpha": np.array([0.5])})
    np.testing.assert_allclose(weights, [[4 / 7, 2 / 7, 1 / 7]])
    spend = np.array([[7.0], [0.0], [0.0], [0.0]])
    adstocked = np.einsum("tml,ml->tm", lag_matrix(spend, 3), weights)
    np.testing.assert_allclose(adstocked[:, 0], [4.0, 2.0, 1.0, 0.0])


def test_adstock_keeps_total_spend_when_the_tail_fits():
    rng = np.random.default_rng(0)
    spend = np.vstack([rng.uniform(0, 10, (20, 2)), np.zeros((8, 2))])
    plan = ChannelPlan(("a", "b"), ("geometric", "delayed"), (8, 5), ("logistic", "logistic"))
    weights = plan.weights(
        {
            "geometric_alpha": np.array([0.7]),
            "delayed_alpha": np.array([0.6]),
            "delayed_theta": np.array([2.0]),
        }
    )
    adstocked = np.einsum("tml,ml->tm", lag_matrix(spend, plan.n_lags), weights)
    np.testing.assert_allclose(adstocked.sum(axis=0), spend.sum(axis=0))
    np.testing.assert_allclose(weights[1, 5:], 0.0)  # channel b stops at its max_lag of 5


def test_lag_matrix_shifts_and_uses_history():
    x = np.array([[1.0], [2.0], [3.0]])
    lagged = lag_matrix(x, 2, history=np.array([[9.0]]))
    np.testing.assert_allclose(lagged[:, 0, 0], [1, 2, 3])
    np.testing.assert_allclose(lagged[:, 0, 1], [9, 1, 2])


def test_delayed_weights_peak_at_theta():
    weights = delayed_weights(np.arange(8.0), np.array([0.5]), np.array([3.0]))
    assert int(np.argmax(weights[0])) == 3
    np.testing.assert_allclose(weights[0, 3], 1.0)
    np.testing.assert_allclose(weights[0, 1], 0.5**4)


def test_weibull_weights_match_scipy_pdf():
    lags = np.arange(6.0)
    weights = weibull_weights(lags, np.array([1.7]), np.array([2.5]))
    expected = stats.weibull_min.pdf(lags + 1, c=1.7, scale=2.5)
    np.testing.assert_allclose(weights[0], expected, rtol=1e-12)


def test_logistic_saturation_closed_form():
    x = np.array([0.0, 0.5, 1.0, 4.0])
    lam = 1.3
    expected = (1 - np.exp(-lam * x)) / (1 + np.exp(-lam * x))
    np.testing.assert_allclose(logistic_saturation(x, lam), expected, rtol=1e-12)


def test_hill_saturation_closed_form_and_half_point():
    x = np.array([0.0, 0.3, 1.0, 2.0, 5.0])
    k, s = 1.0, 2.5
    expected = x**s / (x**s + k**s)
    np.testing.assert_allclose(hill_saturation(x, k, s), expected, atol=1e-12)
    np.testing.assert_allclose(hill_saturation(np.array([0.7]), 0.7, 3.0), [0.5])


def test_michaelis_menten_by_hand():
    np.testing.assert_allclose(
        michaelis_menten_saturation(np.array([0.0, 1.0, 3.0]), 1.0), [0, 0.5, 0.75]
    )


def test_saturation_derivatives_by_hand():
    # logistic: f'(0) = lam / 2; Michaelis-Menten: f'(0) = 1 / k, f'(k) = 1 / (4 k);
    # Hill: f'(k) = s / (4 k) (the slope at the half-saturation point).
    logistic, hill, mm = (SATURATIONS[n] for n in ("logistic", "hill", "michaelis_menten"))
    np.testing.assert_allclose(logistic.derivative(np.array([0.0]), 1.3), [0.65])
    np.testing.assert_allclose(mm.derivative(np.array([0.0, 2.0]), 2.0), [0.5, 1 / 8])
    np.testing.assert_allclose(hill.derivative(np.array([0.7]), 0.7, 3.0), [3.0 / 2.8])


def test_only_hill_is_marked_s_shaped():
    assert {name for name, c in SATURATIONS.items() if c.s_shaped} == {"hill"}


PLAN = ChannelPlan(
    channels=("tv", "search", "radio"),
    adstock=("geometric", "weibull", "geometric"),
    max_lag=(6, 4, 3),
    saturation=("hill", "logistic", "michaelis_menten"),
)
PARAMS = {
    "geometric_alpha": np.array([0.6, 0.3]),
    "weibull_shape": np.array([1.5]),
    "weibull_scale": np.array([2.0]),
    "hill_k": np.array([0.8]),
    "hill_s": np.array([1.7]),
    "logistic_lam": np.array([2.0]),
    "michaelis_menten_k": np.array([1.2]),
}


@pytest.mark.parametrize("adstock_first", [True, False])
def test_numpy_and_pytensor_give_the_same_response(rng, adstock_first):
    plan = ChannelPlan(**{**PLAN.__dict__, "adstock_first": adstock_first})
    lagged = lag_matrix(rng.uniform(0, 3, (15, 3)), plan.n_lags)
    expected = plan.response(lagged, PARAMS)
    symbolic = plan.response(lagged, {k: pt.as_tensor(v) for k, v in PARAMS.items()}, xp=pt)
    np.testing.assert_allclose(symbolic.eval(), expected, rtol=1e-10)


@pytest.mark.parametrize("adstock_first", [True, False])
def test_the_model_graph_holding_every_transform_gives_the_same_response(rng, adstock_first):
    """With the lag layout and :meth:`ChannelPlan.family_index` as inputs (as the model takes
    them), every adstock and saturation is in the graph, unused ones with empty parameters."""
    plan = ChannelPlan(**{**PLAN.__dict__, "adstock_first": adstock_first})
    lagged = lag_matrix(rng.uniform(0, 3, (15, 3)), plan.n_lags)
    expected = plan.response(lagged, PARAMS)
    empty = {"delayed_alpha": np.zeros(0), "delayed_theta": np.zeros(0)}
    params = {k: pt.as_tensor(v) for k, v in (PARAMS | empty).items()}
    layout = tuple(pt.as_tensor(v) for v in plan.lag_layout())
    families = {k: pt.as_tensor(v) for k, v in plan.family_index().items()}
    symbolic = plan.response(pt.as_tensor(lagged), params, pt, layout, families)
    np.testing.assert_allclose(symbolic.eval(), expected, rtol=1e-10)
    padded = padded_spend(lagged[:, :, 0][None], plan.n_lags)
    panel = shifted_response(plan, pt.as_tensor(padded), params, pt, families)
    np.testing.assert_allclose(panel.eval()[0].T, expected, rtol=1e-10)


def test_response_with_draws_matches_each_draw(rng):
    lagged = lag_matrix(rng.uniform(0, 3, (10, 3)), PLAN.n_lags)
    draws = {k: np.stack([v, v * 1.1]) for k, v in PARAMS.items()}
    stacked = PLAN.response(lagged, draws)
    second = PLAN.response(lagged, {k: v * 1.1 for k, v in PARAMS.items()})
    np.testing.assert_allclose(stacked[1], second)


def test_saturation_first_differs_from_adstock_first(rng):
    lagged = lag_matrix(rng.uniform(0, 3, (10, 3)), PLAN.n_lags)
    other = ChannelPlan(**{**PLAN.__dict__, "adstock_first": False})
    hill_first = other.response(lagged, PARAMS)
    # By hand for the radio channel (Michaelis-Menten, geometric with 3 lags, alpha 0.3).
    w = 0.3 ** np.arange(3) / (0.3 ** np.arange(3)).sum()
    by_hand = (lagged[:, 2, :3] / (1.2 + lagged[:, 2, :3])) @ w
    np.testing.assert_allclose(hill_first[:, 2], by_hand)
    assert not np.allclose(hill_first, PLAN.response(lagged, PARAMS))


@pytest.mark.parametrize("adstock_first", [True, False])
def test_shifted_response_of_a_panel_equals_the_lag_tensor_response_per_geo(rng, adstock_first):
    plan = ChannelPlan(**{**PLAN.__dict__, "adstock_first": adstock_first})
    spend = rng.uniform(0, 3, (4, 12, 3))  # 4 geos: carry-over must never cross geos
    per_geo = np.stack([plan.response(lag_matrix(geo, plan.n_lags), PARAMS) for geo in spend])
    padded = padded_spend(spend, plan.n_lags)
    assert padded.shape == (4, 3, 12 + plan.n_lags - 1)  # time last
    per_geo = np.swapaxes(per_geo, -1, -2)
    np.testing.assert_allclose(shifted_response(plan, padded, PARAMS, np), per_geo, rtol=1e-12)
    params = {k: pt.as_tensor(v) for k, v in PARAMS.items()}
    symbolic = shifted_response(plan, pt.as_tensor(padded), params, pt)
    np.testing.assert_allclose(symbolic.eval(), per_geo, rtol=1e-10)
