"""Response curves, adstock curves, decomposition and shares on the quick model."""

from __future__ import annotations

import numpy as np
import pytest

from mmm import load
from mmm.analysis.curves import adstock_curves, decomposition, multiplier_grid, response_curves
from mmm.analysis.posterior import channel_contributions, component_draws
from mmm.analysis.summary import channel_summary, contribution_shares, summary_dict


@pytest.fixture(scope="module")
def fitted(quick_model_dir):
    return load(quick_model_dir)


def test_multiplier_grid_always_holds_one():
    np.testing.assert_array_equal(multiplier_grid(5, 2.0), [0.0, 0.5, 1.0, 1.5, 2.0])
    grid = multiplier_grid(4, 2.0)  # 0, 2/3, 4/3, 2 plus 1.0
    assert 1.0 in grid and len(grid) == 5
    with pytest.raises(ValueError, match="at least 1"):
        multiplier_grid(5, 0.5)


def test_response_curves(fitted):
    curves = response_curves(fitted, n_points=21, prob=0.8)
    assert curves["contribution_mean"].dims == ("channel", "multiplier")
    current = curves.sel(multiplier=1.0)
    observed = channel_contributions(fitted).sum(axis=1).mean(axis=0)
    np.testing.assert_allclose(current["contribution_mean"], observed, rtol=1e-12)
    np.testing.assert_allclose(current["spend"], fitted.dataset.spend.sum(axis=0))
    np.testing.assert_allclose(curves.sel(multiplier=0.0)["contribution_mean"], 0.0, atol=1e-9)
    mean = curves["contribution_mean"].to_numpy()
    assert np.all(np.diff(mean, axis=1) > 0)  # more spend, more contribution
    assert np.all(np.diff(mean, axis=1)[:, 1:] <= np.diff(mean, axis=1)[:, :-1] + 1e-6)
    assert np.all(curves["contribution_lo"] <= curves["contribution_mean"])
    assert np.all(curves["contribution_hi"] >= curves["contribution_mean"])
    assert curves.attrs["interval"] == 0.8


def test_adstock_curves_are_normalized_decays(fitted):
    curves = adstock_curves(fitted)
    np.testing.assert_allclose(curves["weight_mean"].sum("lag"), 1.0)
    alpha = fitted.draws("geometric_alpha")
    lag0 = ((1 - alpha) / (1 - alpha**fitted.plan.n_lags)).mean(axis=0)
    np.testing.assert_allclose(curves["weight_mean"].sel(lag=0), lag0)
    assert curves.attrs["interval"] == fitted.config.interval


def test_decomposition_adds_up(fitted):
    parts = decomposition(fitted)
    draws = component_draws(fitted)
    assert list(parts.component.to_numpy()) == list(draws)
    assert set(fitted.config.channel_names) <= set(parts.component.to_numpy())
    total = sum(d for d in draws.values()).mean(axis=0)
    np.testing.assert_allclose(parts["mean"].sum("component"), total, rtol=1e-10)
    assert float(parts["share"].sum()) == pytest.approx(1.0)
    assert parts.sizes["date"] == fitted.dataset.n_periods


def test_shares_and_summary(fitted):
    shares = contribution_shares(fitted)
    # The mean of per-draw shares that sum to one sums to one.
    assert float(shares["share_of_media"].sel(stat="mean").sum()) == pytest.approx(1.0)
    media = shares["share_of_media"].sel(stat="mean").to_numpy()
    kpi = shares["share_of_kpi"].sel(stat="mean").to_numpy()
    assert np.all(kpi < media)
    table = channel_summary(fitted)
    roi = table["roi"].sel(stat="mean").to_numpy()
    expected = channel_contributions(fitted).sum(axis=1) / fitted.dataset.spend.sum(axis=0)
    np.testing.assert_allclose(roi, expected.mean(axis=0))
    summary = summary_dict(fitted)
    assert set(summary["channels"]) == set(fitted.config.channel_names)
    row = summary["channels"][fitted.config.channel_names[0]]
    assert row["roi"]["lo"] <= row["roi"]["mean"] <= row["roi"]["hi"]
    assert set(row) == {"spend", "contribution", "roi", "mroi", "share_of_media", "share_of_kpi"}
