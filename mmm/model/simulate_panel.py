"""Synthetic geo panels with known truth per geo and nationally (panel recovery tests, demos).

The data-generating process is the panel model's own (docs/model.md, "Panels"): each geo's
spend is scaled by its own mean per channel, adstock (geometric) and saturation (logistic)
parameters are shared by all geos, and each geo's ROI scatters around the channel's:
``ROI[g, m] = ROI[m] * exp(tau[m] * z[g, m])``. Geos differ in size (population), baseline,
trend and noise; seasonality is shared. Channels named in ``national`` are bought nationally:
the data carries the national value in every geo row and the truth uses its population split.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mmm.model.simulate import (
    MAX_LAG,
    MROI_STEP,
    Simulation,
    channel_names,
    simulate_spend,
    true_plan,
)
from mmm.model.transforms import lag_matrix

#: Spread of the geos' log ROI around the channel's (tau of the hierarchy).
GEO_ROI_SPREAD = 0.3


def simulate_panel(
    seed: int = 1,
    geos: int = 10,
    weeks: int = 104,
    n_channels: int = 4,
    noise: float = 0.05,
    national: tuple[str, ...] = (),
    start: str = "2022-01-02",
) -> Simulation:
    """Simulate a weekly KPI and spend panel with known channel effects per geo.

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same seed gives the same data.
    geos : int
        Number of geos (named ``geo_01``...).
    weeks : int
        Number of weekly periods.
    n_channels : int
        Number of paid channels.
    noise : float
        Noise standard deviation as a fraction of each geo's mean KPI.
    national : tuple of str
        Channels bought nationally (same value in every geo row; split by population).
    start : str
        First date.

    Returns
    -------
    Simulation
        A long table (geo, date, population, sales, spend columns, promo) and the truth:
        national ``channels`` (spend, contribution, ROI, mROI, shared transform parameters)
        and ``geos`` (per geo and channel: spend, contribution, ROI).
    """
    if geos < 1 or weeks < 10 or n_channels < 1:
        raise ValueError("need at least 1 geo, 10 weeks and 1 channel")
    rng = np.random.default_rng(seed)
    names = channel_names(n_channels)
    unknown = [c for c in national if c not in names]
    if unknown:
        raise ValueError(f"national channel(s) {unknown} not among {names}")
    geo_names = [f"geo_{g + 1:02d}" for g in range(geos)]
    dates = pd.date_range(start, periods=weeks, freq="7D")
    t = np.arange(weeks)

    population = np.round(10 ** rng.uniform(5.0, 6.5, geos))
    share = population / population.sum()
    spend = np.stack([simulate_spend(rng, names, t, 0.0) for _ in range(geos)])  # (G, T, M)
    spend = spend * (share * geos)[:, None, None] * rng.lognormal(0, 0.3, (geos, 1, n_channels))
    national_idx = [names.index(c) for c in national]
    national_spend = spend[:, :, national_idx].sum(axis=0)  # (T, N)
    spend[:, :, national_idx] = share[:, None, None] * national_spend[None]

    alpha = rng.uniform(0.1, 0.7, n_channels)
    lam = rng.uniform(0.5, 3.0, n_channels)
    roi = rng.uniform(0.5, 3.0, n_channels)
    roi_geo = roi * np.exp(GEO_ROI_SPREAD * rng.standard_normal((geos, n_channels)))
    plan = true_plan(names)
    params = {"geometric_alpha": alpha, "logistic_lam": lam}
    scale = spend.mean(axis=1)  # (G, M)

    def contributions(level: np.ndarray) -> np.ndarray:
        lagged = [lag_matrix(level[g] / scale[g], MAX_LAG) for g in range(geos)]
        return np.stack([plan.response(lags, params) for lags in lagged])  # (G, T, M)

    response = contributions(spend)
    beta = roi_geo * spend.sum(axis=1) / response.sum(axis=1)  # (G, M), KPI per unit response
    contribution = response * beta[:, None, :]
    bumped = contributions(spend * (1 + MROI_STEP)) * beta[:, None, :]
    extra = (bumped - contribution).sum(axis=(0, 1))
    mroi = extra / (MROI_STEP * spend.sum(axis=(0, 1)))

    base = contribution.sum(axis=2).mean(axis=1) * rng.uniform(1.2, 2.0, geos)  # (G,)
    growth = rng.normal(0.2, 0.1, geos)
    day = (dates - pd.Timestamp("1970-01-01")).days.to_numpy() / 365.25
    season = 0.08 * np.sin(2 * np.pi * day) + 0.05 * np.cos(4 * np.pi * day)
    baseline = base[:, None] * (1 + growth[:, None] * t / (weeks - 1) + season[None, :])
    promo = (rng.random((geos, weeks)) < 0.12).astype(float)
    promo_effect = 0.1 * base
    mean_kpi = baseline + contribution.sum(axis=2) + promo * promo_effect[:, None]
    sales = mean_kpi + rng.normal(0.0, 1.0, mean_kpi.shape) * noise * mean_kpi.mean(axis=1)[:, None]

    frame = pd.DataFrame(
        {
            "geo": np.repeat(geo_names, weeks),
            "date": np.tile(dates, geos),
            "population": np.repeat(population, weeks),
            "sales": np.round(sales.reshape(-1), 2),
        }
    )
    for i, name in enumerate(names):
        column = spend[:, :, i]
        if i in national_idx:
            column = np.broadcast_to(column.sum(axis=0), (geos, weeks))
        frame[name] = np.round(column.reshape(-1), 2)
    frame["promo"] = promo.reshape(-1)
    truth = _truth(seed, geo_names, names, spend, contribution, roi, roi_geo, mroi, params)
    truth |= {"weeks": weeks, "noise": noise, "national_channels": list(national)}
    truth["controls"] = {"promo": float(promo_effect.sum() / geos)}
    truth["baseline_mean"] = float(baseline.sum(axis=0).mean())
    return Simulation(frame=frame, truth=truth)


def _truth(
    seed: int,
    geo_names: list[str],
    names: list[str],
    spend: np.ndarray,
    contribution: np.ndarray,
    roi: np.ndarray,
    roi_geo: np.ndarray,
    mroi: np.ndarray,
    params: dict[str, np.ndarray],
) -> dict[str, Any]:
    """The truth JSON: national channel totals and per-geo cells."""
    spend_total = spend.sum(axis=(0, 1))
    contribution_total = contribution.sum(axis=(0, 1))
    return {
        "seed": seed,
        "date_column": "date",
        "target_column": "sales",
        "geo_column": "geo",
        "population_column": "population",
        "channels": {
            name: {
                "adstock": {
                    "type": "geometric",
                    "max_lag": MAX_LAG,
                    "alpha": float(params["geometric_alpha"][i]),
                },
                "saturation": {"type": "logistic", "lam": float(params["logistic_lam"][i])},
                "spend": float(spend_total[i]),
                "contribution": float(contribution_total[i]),
                "roi": float(contribution_total[i] / spend_total[i]),
                "geo_roi_median": float(roi[i]),
                "mroi": float(mroi[i]),
            }
            for i, name in enumerate(names)
        },
        "geos": {
            geo: {
                name: {
                    "spend": float(spend[g, :, i].sum()),
                    "contribution": float(contribution[g, :, i].sum()),
                    "roi": float(roi_geo[g, i]),
                }
                for i, name in enumerate(names)
            }
            for g, geo in enumerate(geo_names)
        },
    }


def panel_config(
    sim: Simulation, data_path: str, name: str = "simulated_panel", **sampler: Any
) -> dict[str, Any]:
    """A config mapping that fits a simulated panel with the true model class.

    Parameters
    ----------
    sim : Simulation
        From :func:`simulate_panel`.
    data_path : str
        Where the CSV was written.
    name : str
    **sampler
        Overrides of the sampler block.

    Returns
    -------
    dict
        Ready for :func:`mmm.model.config.parse_config`.
    """
    national = set(sim.truth.get("national_channels", ()))
    return {
        "name": name,
        "data": {
            "path": str(data_path),
            "date_column": "date",
            "target_column": "sales",
            "geo_column": "geo",
            "population_column": "population",
        },
        "defaults": {
            "adstock": {"type": "geometric", "max_lag": MAX_LAG},
            "saturation": {"type": "logistic"},
            "pooling": "partial",
        },
        "channels": [
            {"name": c, "level": "national" if c in national else "geo"} for c in sim.channels
        ],
        "controls": ["promo"],
        "trend": "linear",
        "seasonality": {"fourier_order": 2},
        "sampler": {"backend": "nutpie", "chains": 2, "draws": 500, "tune": 500, "seed": 1}
        | sampler,
    }
