"""Convergence diagnostics of MCMC draws: rank-normalized split R-hat and bulk ESS.

The formulas are those of Vehtari, Gelman, Simpson, Carpenter and Bürkner (2021), "Rank-
normalization, folding, and localization: an improved R-hat", as ArviZ computes them
(``arviz_stats.rhat(method="rank")`` and ``arviz_stats.ess(method="bulk")``); the tests check
both against ArviZ. They are written here because every ``mmm fit`` needs these two numbers and
importing ``arviz_stats`` (SciPy's statistics with it) took 0.5 s of a 4.4 s refit.

Draws are arrays of shape ``(chain, draw, *element)``; each function returns one value per
element, NaN where the draws hold a NaN or are too short (fewer than 4 draws; R-hat also needs
two chains).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import ndtri

#: Blom's offset for turning ranks into normal scores.
_BLOM = 3 / 8


def rank_normalized_rhat(draws: np.ndarray) -> np.ndarray:
    """Rank-normalized split R-hat: the larger of the bulk and the folded (tail) R-hat.

    Parameters
    ----------
    draws : numpy.ndarray
        Shape ``(chain, draw, *element)``.

    Returns
    -------
    numpy.ndarray
        Shape ``element`` (0-d for scalar draws).
    """

    def bulk_and_tail(split: np.ndarray) -> np.ndarray:
        folded = np.abs(split - np.median(split.reshape(len(split), -1), axis=1)[:, None, None])
        return np.maximum(_rhat(_normal_scores(split)), _rhat(_normal_scores(folded)))

    return _per_element(draws, bulk_and_tail, min_chains=2)


def bulk_ess(draws: np.ndarray) -> np.ndarray:
    """Bulk effective sample size: the ESS of the rank-normalized split chains.

    Parameters
    ----------
    draws : numpy.ndarray
        Shape ``(chain, draw, *element)``.

    Returns
    -------
    numpy.ndarray
        Shape ``element`` (0-d for scalar draws).
    """
    return _per_element(draws, lambda split: _ess(_normal_scores(split)), min_chains=1)


def _per_element(
    draws: np.ndarray, statistic: Callable[[np.ndarray], np.ndarray], min_chains: int
) -> np.ndarray:
    """``statistic`` of each element's split chains, NaN where the draws do not allow it."""
    draws = np.asarray(draws, dtype=float)
    if draws.ndim < 2:
        raise ValueError(f"draws need the shape (chain, draw, ...), got {draws.shape}")
    n_chain, n_draw, *shape = draws.shape
    values = np.moveaxis(draws.reshape(n_chain, n_draw, -1), 2, 0)  # (element, chain, draw)
    out = np.full(values.shape[0], np.nan)
    ok = _valid(values, min_chains)
    if ok.any():
        out[ok] = statistic(_split_chains(values[ok]))
    return out.reshape(shape)


def _valid(values: np.ndarray, min_chains: int) -> np.ndarray:
    """Which elements have enough chains and draws and no NaN."""
    _, n_chain, n_draw = values.shape
    if n_chain < min_chains or n_draw < 4:
        return np.zeros(len(values), dtype=bool)
    return ~np.isnan(values).any(axis=(1, 2))


def _split_chains(values: np.ndarray) -> np.ndarray:
    """Each chain's first and last halves as two chains (the middle draw of an odd count out)."""
    half = values.shape[2] // 2
    return np.concatenate([values[:, :, :half], values[:, :, -half:]], axis=1)


def _normal_scores(values: np.ndarray) -> np.ndarray:
    """Each element's values replaced by the normal quantiles of their pooled average ranks."""
    n_elements, n_chain, n_draw = values.shape
    flat = values.reshape(n_elements, -1)
    size = flat.shape[1]
    ranks = _average_ranks(flat)
    return ndtri((ranks - _BLOM) / (size - 2 * _BLOM + 1)).reshape(n_elements, n_chain, n_draw)


def _average_ranks(rows: np.ndarray) -> np.ndarray:
    """1-based ranks within each row, ties given the mean of the ranks they span."""
    n = rows.shape[1]
    order = np.argsort(rows, axis=1, kind="stable")
    ordered = np.take_along_axis(rows, order, axis=1)
    position = np.broadcast_to(np.arange(1, n + 1), rows.shape)
    starts = np.ones(rows.shape, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    ends = np.ones(rows.shape, dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    first = np.maximum.accumulate(np.where(starts, position, 0), axis=1)
    last = np.minimum.accumulate(np.where(ends, position, n + 1)[:, ::-1], axis=1)[:, ::-1]
    ranks = np.empty(rows.shape)
    np.put_along_axis(ranks, order, (first + last) / 2, axis=1)
    return ranks


def _rhat(values: np.ndarray) -> np.ndarray:
    """Gelman-Rubin R-hat of ``(element, chain, draw)`` values, one per element."""
    n_draw = values.shape[2]
    chain_mean = values.mean(axis=2)
    between = n_draw * chain_mean.var(axis=1, ddof=1)
    within = values.var(axis=2, ddof=1).mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt((between / within + n_draw - 1) / n_draw)


def _ess(values: np.ndarray) -> np.ndarray:
    """Effective sample size of ``(element, chain, draw)`` values, one per element: the chains'
    mean autocorrelations summed with Geyer's initial monotone sequence."""
    n_elements, n_chain, n_draw = values.shape
    out = np.empty(n_elements)
    constant = np.ptp(values.reshape(n_elements, -1), axis=1) < np.finfo(float).resolution
    out[constant] = n_chain * n_draw
    varying = np.flatnonzero(~constant)
    if len(varying):
        acov = _autocovariance(values[varying])
        mean_var = acov[:, :, 0].mean(axis=1) * n_draw / (n_draw - 1.0)
        var_plus = mean_var * (n_draw - 1.0) / n_draw
        if n_chain > 1:
            var_plus = var_plus + values[varying].mean(axis=2).var(axis=1, ddof=1)
        rho = 1.0 - (mean_var[:, None] - acov.mean(axis=1)) / var_plus[:, None]
        for row, element in enumerate(varying):
            out[element] = _geyer_ess(rho[row], n_chain * n_draw)
    return out


def _autocovariance(values: np.ndarray) -> np.ndarray:
    """Autocovariance of each chain at every lag (divided by the draw count), by FFT."""
    n_draw = values.shape[-1]
    centred = values - values.mean(axis=-1, keepdims=True)
    spectrum = np.fft.rfft(centred, n=2 * n_draw, axis=-1)
    return np.fft.irfft(spectrum * np.conjugate(spectrum), n=2 * n_draw, axis=-1)[..., :n_draw] / (
        n_draw
    )


def _geyer_ess(rho: np.ndarray, total_draws: int) -> float:
    """ESS from one element's autocorrelations ``rho`` (lag 0 first): Geyer's initial positive
    sequence, made monotone, then ``total_draws / tau``."""
    n_draw = len(rho)
    kept = np.zeros(n_draw)
    kept[0] = 1.0
    even, odd = 1.0, rho[1]
    kept[1] = odd
    t = 1
    while t < n_draw - 3 and even + odd > 0.0:
        even, odd = rho[t + 1], rho[t + 2]
        if even + odd >= 0:
            kept[t + 1], kept[t + 2] = even, odd
        t += 2
    max_t = t - 2
    if even > 0:
        kept[max_t + 1] = even
    t = 1
    while t <= max_t - 2:
        if kept[t + 1] + kept[t + 2] > kept[t - 1] + kept[t]:
            kept[t + 1] = kept[t + 2] = (kept[t - 1] + kept[t]) / 2.0
        t += 2
    tau = -1.0 + 2.0 * kept[: max_t + 1].sum() + kept[max_t + 1 : max_t + 2].sum()
    tau = max(tau, 1 / np.log10(total_draws))
    return float("nan") if np.isnan(kept).any() else total_draws / tau
