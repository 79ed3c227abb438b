"""Shapley-value attribution (Zhao, Mahboobi & Bagheri 2018), simplified and ordered.

The players are the channels; a journey's coalition is the set of distinct channels it touched.
Two worth functions are offered:

``"conversions"`` (Zhao et al.)
    ``v(S)`` = conversions of the journeys whose channel set is contained in ``S``. Its Shapley
    value has the closed form ``phi_j = sum over sets T containing j of R(T) / |T|`` (``R(T)``:
    conversions of journeys with set exactly ``T``): each converting journey splits its
    conversions equally among its distinct channels. The closed form is exact for any number
    of channels. The **ordered** variant splits a channel's share of a journey equally over the
    positions where it occurs and reports the credit by channel and touch position as well.
``"conversion_rate"``
    ``v(S)`` = conversion rate of the journeys that use only channels in ``S`` (non-additive).
    Computed exactly by enumerating all ``2**n`` coalitions for up to ``max_exact`` (15)
    channels, and by permutation sampling beyond, with the standard error of each channel's
    value reported. The values are scaled so that they sum to the total conversions.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mmm.attribution.heuristics import Attribution, channel_table
from mmm.attribution.paths import PathData
from mmm.errors import MmmError

WORTHS = ("conversions", "conversion_rate")
METHODS = ("auto", "exact", "sampled")
MAX_EXACT = 15


def _distinct_pairs(data: PathData) -> tuple[np.ndarray, np.ndarray]:
    """Unique (path, channel) pairs sorted by path: each journey's channel set."""
    t = data.touches()
    n = len(t.channels)
    key = np.sort(t.path_id * n + t.channel)  # sort-based unique: faster than hashing here
    key = key[np.r_[True, key[1:] != key[:-1]]]
    return key // n, key % n


def shapley(
    data: PathData,
    *,
    worth: str = "conversions",
    ordered: bool = False,
    method: str = "auto",
    n_samples: int = 2000,
    seed: int = 0,
    max_exact: int = MAX_EXACT,
) -> Attribution:
    """Shapley-value attribution over channels.

    Parameters
    ----------
    data : PathData
    worth : {"conversions", "conversion_rate"}, default "conversions"
        The coalition worth function (see the module docstring).
    ordered : bool, default False
        Ordered Shapley: also report the credit by touch position (``worth="conversions"``).
    method : {"auto", "exact", "sampled"}, default "auto"
        ``"auto"``: exact (closed form or enumeration) when possible, else sampled.
        ``"exact"`` refuses more than ``max_exact`` channels for ``"conversion_rate"``.
    n_samples : int, default 2000
        Number of random channel orderings when sampling.
    seed : int, default 0
        Seed of the permutation sampler.
    max_exact : int, default 15
        Most channels for exact enumeration of the ``2**n`` coalitions.

    Returns
    -------
    Attribution
        ``table`` gains ``conversions_se`` (0 when exact); ``by_position`` is set when ordered.
    """
    if worth not in WORTHS:
        raise MmmError(f"unknown Shapley worth '{worth}'; choose one of {WORTHS}", key="worth")
    if method not in METHODS:
        raise MmmError(f"unknown Shapley method '{method}'; choose one of {METHODS}", key="method")
    if ordered and worth != "conversions":
        raise MmmError("ordered Shapley is defined for worth='conversions' only", key="worth")
    if n_samples < 2:
        raise MmmError(f"n_samples must be at least 2, got {n_samples}", key="n_samples")
    channels = data.channels()
    n = len(channels)
    details: dict[str, object] = {"worth": worth, "ordered": ordered}
    if worth == "conversions" and method != "sampled":
        result = _closed_form(data, ordered)
        result.details.update(details, method="exact (closed form)")
        return result
    if method == "exact" and n > max_exact:
        raise MmmError(
            f"exact Shapley enumerates 2**n coalitions and is limited to {max_exact} channels; "
            f"this data has {n}. Use method='sampled' (or 'auto').",
            key="method",
        )
    use_exact = method == "exact" or (method == "auto" and n <= max_exact)
    if use_exact:
        phi = enumerate_shapley(data, worth)
        se = np.zeros(n)
        details.update(method="exact (enumeration)", coalitions=2**n)
    else:
        phi, se = sample_shapley(data, worth, n_samples, seed)
        details.update(method="sampled", n_samples=n_samples, seed=seed)
    total = phi.sum()
    scale_c = data.total_conversions / total if total != 0 else 0.0
    scale_v = data.total_value / total if total != 0 else 0.0
    table = channel_table(channels, phi * scale_c, phi * scale_v, data.total_conversions)
    table["conversions_se"] = se * abs(scale_c)
    details["worth_of_all_channels"] = float(total)
    return Attribution(model="shapley", table=table, details=details)


def _closed_form(data: PathData, ordered: bool) -> Attribution:
    t = data.touches()
    n = len(t.channels)
    conv = data.table["conversions"].to_numpy(dtype=float)
    value = data.table["value"].to_numpy(dtype=float)
    pid, ch = _distinct_pairs(data)
    set_size = np.bincount(pid, minlength=len(t.length))
    by_conv = np.bincount(ch, weights=conv[pid] / set_size[pid], minlength=n)
    by_value = np.bincount(ch, weights=value[pid] / set_size[pid], minlength=n)
    table = channel_table(t.channels, by_conv, by_value, data.total_conversions)
    table["conversions_se"] = 0.0
    result = Attribution(model="shapley", table=table)
    if ordered:
        occurrences = np.bincount(t.path_id * n + t.channel, minlength=len(t.length) * n)
        per_touch = 1.0 / (set_size[t.path_id] * occurrences[t.path_id * n + t.channel])
        frame = pd.DataFrame(
            {
                "code": t.channel,
                "position": t.position + 1,
                "conversions": per_touch * conv[t.path_id],
                "value": per_touch * value[t.path_id],
            }
        )
        grouped = frame.groupby(["code", "position"], as_index=False).sum()
        grouped.insert(0, "channel", np.asarray(t.channels, dtype=object)[grouped["code"]])
        result.by_position = grouped.drop(columns="code")
    return result


def _coalition_worth(data: PathData, worth: str) -> np.ndarray:
    """Worth of every coalition (bit mask) via subset sums: length ``2**n`` array."""
    n = len(data.channels())
    pid, ch = _distinct_pairs(data)
    masks = np.bincount(pid, weights=(1 << ch).astype(float)).astype(np.int64)
    conv = data.table["conversions"].to_numpy(dtype=float)
    journeys = conv + data.table["nulls"].to_numpy(dtype=float)
    size = 1 << n
    c = np.bincount(masks, weights=conv, minlength=size)
    j = np.bincount(masks, weights=journeys, minlength=size)
    for bit in range(n):  # zeta transform: sum over subsets
        c = c.reshape(-1, 2, 1 << bit)
        c[:, 1, :] += c[:, 0, :]
        j = j.reshape(-1, 2, 1 << bit)
        j[:, 1, :] += j[:, 0, :]
    c, j = c.reshape(size), j.reshape(size)
    if worth == "conversions":
        return c
    return np.divide(c, j, out=np.zeros(size), where=j > 0)


def enumerate_shapley(data: PathData, worth: str = "conversions") -> np.ndarray:
    """Exact Shapley values by enumerating all coalitions (at most ``MAX_EXACT`` channels).

    Parameters
    ----------
    data : PathData
    worth : {"conversions", "conversion_rate"}

    Returns
    -------
    numpy.ndarray
        One unscaled Shapley value per channel (they sum to the worth of all channels).
    """
    n = len(data.channels())
    if n > MAX_EXACT:
        raise MmmError(f"enumeration is limited to {MAX_EXACT} channels, got {n}", key="method")
    v = _coalition_worth(data, worth)
    masks = np.arange(1 << n)
    popcount = np.zeros(1 << n, dtype=np.int64)
    for bit in range(n):
        popcount += (masks >> bit) & 1
    fact = [math.factorial(k) for k in range(n + 1)]
    weight = np.array([fact[k] * fact[n - k - 1] / fact[n] for k in range(n)])
    phi = np.zeros(n)
    for bit in range(n):
        without = masks[((masks >> bit) & 1) == 0]
        phi[bit] = np.sum(weight[popcount[without]] * (v[without | (1 << bit)] - v[without]))
    return phi


def sample_shapley(
    data: PathData, worth: str, n_samples: int, seed: int, chunk: int = 64
) -> tuple[np.ndarray, np.ndarray]:
    """Shapley values by random channel orderings, with their standard errors.

    For each ordering the coalitions are its prefixes; a journey joins the worth at the
    prefix that completes its channel set, so one ordering costs one pass over the
    (journey, channel) pairs.

    Returns
    -------
    phi, se : numpy.ndarray
        Mean marginal contribution per channel and its standard error.
    """
    n = len(data.channels())
    rng = np.random.default_rng(seed)
    pid, ch = _distinct_pairs(data)
    starts = np.flatnonzero(np.r_[True, pid[1:] != pid[:-1]])
    paths = pid[starts]
    conv = data.table["conversions"].to_numpy(dtype=float)[paths]
    journeys = conv + data.table["nulls"].to_numpy(dtype=float)[paths]
    total = np.zeros(n)
    total_sq = np.zeros(n)
    done = 0
    while done < n_samples:
        m = min(chunk, n_samples - done)
        perm = np.argsort(rng.random((m, n)), axis=1)
        pos = np.empty_like(perm)
        np.put_along_axis(pos, perm, np.arange(n)[None, :].repeat(m, 0), axis=1)
        joins = np.maximum.reduceat(pos[:, ch], starts, axis=1) + 1  # prefix length (m, sets)
        flat = (np.arange(m)[:, None] * (n + 1) + joins).ravel()
        c = np.bincount(flat, weights=np.tile(conv, m), minlength=m * (n + 1))
        c = np.cumsum(c.reshape(m, n + 1), axis=1)
        if worth == "conversions":
            v = c
        else:
            j = np.bincount(flat, weights=np.tile(journeys, m), minlength=m * (n + 1))
            j = np.cumsum(j.reshape(m, n + 1), axis=1)
            v = np.divide(c, j, out=np.zeros_like(c), where=j > 0)
        marginal = np.diff(v, axis=1)  # contribution of the k-th channel of each ordering
        phi = np.empty((m, n))
        np.put_along_axis(phi, perm, marginal, axis=1)
        total += phi.sum(axis=0)
        total_sq += (phi**2).sum(axis=0)
        done += m
    mean = total / n_samples
    var = np.maximum(total_sq / n_samples - mean**2, 0.0) * n_samples / (n_samples - 1)
    return mean, np.sqrt(var / n_samples)
