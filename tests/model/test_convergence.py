"""R-hat and bulk ESS (mmm.model.convergence) against ArviZ's, on draws with known features."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from mmm.model.convergence import bulk_ess, rank_normalized_rhat

arviz_stats = pytest.importorskip("arviz_stats")


def _arviz(draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dims = ("chain", "draw", *(f"d{i}" for i in range(draws.ndim - 2)))
    array = xr.DataArray(draws, dims=dims)
    with np.errstate(invalid="ignore", divide="ignore"):
        return arviz_stats.rhat(array).to_numpy(), arviz_stats.ess(array, method="bulk").to_numpy()


def _mixed_draws(rng: np.random.Generator, chains: int, draws: int) -> np.ndarray:
    """Columns that mix well, slowly (random walks), disagree between chains, tie and hold NaN."""
    walk = rng.normal(size=(chains, draws, 6)).cumsum(axis=1) * 0.1
    values = rng.normal(size=(chains, draws, 6)) + walk
    values[:, :, 1] += np.arange(chains)[:, None]  # chains apart: R-hat well above 1
    values[:, :, 2] = 4.0  # constant
    values[:, :, 3] = np.round(values[:, :, 3])  # many ties
    values[0, 3, 4] = np.nan
    return values


@pytest.mark.parametrize("chains, draws", [(2, 1000), (4, 301), (1, 50), (3, 5)])
def test_rhat_and_bulk_ess_equal_arviz(rng, chains: int, draws: int) -> None:
    values = _mixed_draws(rng, chains, draws)
    expected_rhat, expected_ess = _arviz(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        rhat = rank_normalized_rhat(values)
    np.testing.assert_allclose(rhat, expected_rhat, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(bulk_ess(values), expected_ess, rtol=1e-12, equal_nan=True)


def test_chains_apart_fail_and_independent_draws_pass(rng) -> None:
    values = _mixed_draws(rng, 2, 1000)
    rhat, ess = rank_normalized_rhat(values), bulk_ess(values)
    assert rhat[1] > 1.1  # the chains' means differ by one standard deviation
    independent = rng.normal(size=(2, 1000, 3))
    assert np.all(rank_normalized_rhat(independent) < 1.01)
    assert np.all(bulk_ess(independent) > 1500)
    assert np.isnan(rhat[4]) and np.isnan(ess[4])  # a NaN draw


def test_bulk_ess_of_an_autoregressive_chain_is_near_its_closed_form(rng) -> None:
    """AR(1) draws with coefficient phi: ESS = N (1 - phi) / (1 + phi), 2 x 5000 x 0.1 / 1.9."""
    phi, chains, draws = 0.9, 2, 5000
    noise = rng.normal(size=(chains, draws, 20))
    values = np.empty_like(noise)
    values[:, 0] = noise[:, 0] / np.sqrt(1 - phi**2)
    for t in range(1, draws):
        values[:, t] = phi * values[:, t - 1] + noise[:, t]
    expected = chains * draws * (1 - phi) / (1 + phi)
    assert np.median(bulk_ess(values)) == pytest.approx(expected, rel=0.15)


def test_element_shape_is_kept_and_short_runs_give_nan(rng) -> None:
    values = rng.normal(size=(2, 40, 3, 2))
    assert rank_normalized_rhat(values).shape == (3, 2)
    assert bulk_ess(values).shape == (3, 2)
    assert np.all(np.isnan(rank_normalized_rhat(values[:1])))  # one chain: no R-hat
    assert np.all(np.isfinite(bulk_ess(values[:1])))
    assert np.all(np.isnan(bulk_ess(values[:, :3])))  # under 4 draws
    with pytest.raises(ValueError, match="chain, draw"):
        bulk_ess(np.ones(5))
