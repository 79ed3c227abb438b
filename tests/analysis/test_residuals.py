"""Residual signs of a missed slow driver: hand-computed cases, noise, and a missed bend."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.polynomial import legendre

from mmm.analysis.posterior import predicted_mean
from mmm.analysis.residuals import autocorrelation_limit, residual_signs, smooth_share_limit
from mmm.model.config import parse_config
from mmm.model.data import dataset_from_frame
from mmm.model.fit import fit
from mmm.model.simulate import simulate, simulation_config


def test_alternating_residuals_have_autocorrelation_minus_five_sixths():
    # residuals 1, -1, 1, -1, 1, -1: mean 0, sum of squares 6, lag-1 products sum to -5
    actual = np.array([3.0, 1.0, 3.0, 1.0, 3.0, 1.0])
    signs = residual_signs(actual, np.full(6, 2.0))
    assert signs["residual_autocorrelation"] == pytest.approx(-5 / 6)


def test_a_cubic_in_time_is_all_smooth_share():
    time = np.linspace(-1.0, 1.0, 40)
    curve = legendre.legval(time, [0.0, 0.3, -1.0, 0.5])  # degrees 1-3, no mean
    signs = residual_signs(curve + 10.0, np.full(40, 10.0))
    assert signs["residual_smooth_share"] == pytest.approx(1.0, abs=1e-12)


def test_noise_stays_under_the_limits(rng):
    n = 156
    hits = [residual_signs(rng.normal(size=n), np.zeros(n)) for _ in range(200)]
    auto = np.array([h["residual_autocorrelation"] for h in hits])
    smooth = np.array([h["residual_smooth_share"] for h in hits])
    # the limits are set for a 1% false-alarm rate each
    assert (auto > autocorrelation_limit(n)).mean() < 0.04
    assert (smooth > smooth_share_limit(n)).mean() < 0.04
    assert abs(auto.mean()) < 0.03 and smooth.mean() == pytest.approx(3 / n, rel=0.3)


def test_too_few_periods_give_nan():
    signs = residual_signs(np.arange(4.0), np.zeros(4))
    assert np.isnan(signs["residual_autocorrelation"]) and np.isnan(signs["residual_smooth_share"])


@pytest.mark.slow
def test_a_straight_trend_on_a_bent_baseline_leaves_a_curve_the_check_flags(seed):
    """The baseline doubles and levels off: a straight trend leaves a curve in the residuals
    (over the limit), the piecewise trend does not."""
    sim = simulate(seed=seed, weeks=156, n_channels=4, trend_shape="concave", trend_growth=1.0,
                   spend_growth=1.0)  # fmt: skip
    share = {}
    for trend in ("linear", "piecewise"):
        raw = simulation_config(sim, "x.csv", draws=300, tune=300)
        config = parse_config(raw | {"trend": trend if trend == "linear" else {"type": trend}})
        fitted = fit(config, dataset_from_frame(sim.frame, config), progress=False)
        signs = residual_signs(fitted.dataset.target, predicted_mean(fitted).mean(axis=0))
        share[trend] = signs["residual_smooth_share"]
    assert share["linear"] > smooth_share_limit(156) > share["piecewise"], share
