"""Synthetic marketing data with known ground truth (the demo data and the recovery tests).

The data-generating process is the model's own: geometric adstock then logistic saturation of
spend scaled by its mean, an intercept, a linear trend, yearly seasonality, an optional promo
control and Normal noise. The truth (transform parameters, total spend, contribution, ROI and
marginal ROI per channel) is written beside the data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmm.experiments.records import LiftRecord
from mmm.model.transforms import ChannelPlan, lag_matrix

CHANNEL_NAMES = (
    "tv", "search", "social", "display", "radio", "video", "email", "affiliate",
    "print", "ooh", "podcast", "influencer",
)  # fmt: skip
#: Channels bought in bursts (on for some weeks, off for others).
FLIGHTED = {"tv", "radio", "video", "print", "ooh", "podcast"}
MAX_LAG = 8
MROI_STEP = 0.01


@dataclass(frozen=True)
class Simulation:
    """A simulated dataset and the truth that generated it."""

    frame: pd.DataFrame
    truth: dict[str, Any]

    @property
    def channels(self) -> list[str]:
        """Channel (spend column) names."""
        return list(self.truth["channels"])

    @property
    def controls(self) -> list[str]:
        """Control column names."""
        return list(self.truth["controls"])

    def write(self, path: str | Path) -> tuple[Path, Path]:
        """Write the CSV and its truth JSON (``<stem>.truth.json``) beside it.

        Returns
        -------
        tuple of Path
            The CSV path and the truth path.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        truth_path = truth_path_for(path)
        self.frame.to_csv(path, index=False, date_format="%Y-%m-%d")
        truth_path.write_text(json.dumps(self.truth, indent=2) + "\n")
        return path, truth_path


def truth_path_for(data_path: str | Path) -> Path:
    """Truth file of a simulated CSV: ``data/example.csv`` -> ``data/example.truth.json``."""
    data_path = Path(data_path)
    return data_path.with_name(f"{data_path.stem}.truth.json")


def channel_names(n_channels: int) -> list[str]:
    """Readable channel names; past the built-in list, ``channel_13`` and so on."""
    return [
        CHANNEL_NAMES[i] if i < len(CHANNEL_NAMES) else f"channel_{i + 1}"
        for i in range(n_channels)
    ]


#: Shapes of the simulated trend over time in [0, 1] (0 at the first period, 1 at the last).
TREND_SHAPES = {
    "linear": lambda u: u,
    "concave": lambda u: 1.0 - (1.0 - u) ** 2,
}


def simulate(
    seed: int = 1,
    weeks: int = 156,
    n_channels: int = 5,
    noise: float = 0.05,
    controls: bool = True,
    trend: bool = True,
    seasonality: bool = True,
    spend_correlation: float = 0.0,
    start: str = "2022-01-02",
    trend_shape: str = "linear",
    trend_growth: float = 0.2,
    spend_growth: float = 0.0,
    saturation_ceiling: float | None = None,
) -> Simulation:
    """Simulate weekly KPI and spend with known channel effects.

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same seed gives the same data.
    weeks : int
        Number of weekly periods.
    n_channels : int
        Number of paid channels.
    noise : float
        Noise standard deviation as a fraction of the mean KPI.
    controls : bool
        Add a binary ``promo`` control with a positive effect.
    trend, seasonality : bool
        Add a trend (``trend_growth`` over the period) and yearly seasonality.
    spend_correlation : float
        In [0, 1): weight of a factor shared by all channels' spend (makes their effects
        harder to tell apart).
    start : str
        First date (weeks start on this weekday).
    trend_shape : {'linear', 'concave'}
        The trend's shape: a straight line, or growth that levels off (a parabola whose top
        is the last period; a linear trend misses its curvature).
    trend_growth : float
        How much the trend adds by the last period, as a share of the base level.
    spend_growth : float
        The first channel's spend grows by this share over the period (a budget that follows
        the business): with a curved trend, the channel's spend then tracks the part of the
        trend a straight line misses.
    saturation_ceiling : float, optional
        Largest logistic ``lam`` per unit of spend / *maximum* spend (the simulator's ``lam`` is
        per unit of spend / mean spend, so a channel's draw is capped at ``saturation_ceiling *
        mean / max``). Tools that scale spend by its maximum state their saturation prior in
        those units; a flighted channel's large max / mean ratio otherwise puts its truth far
        in that prior's tail. None (default): ``lam`` uniform on [0.5, 3].

    Returns
    -------
    Simulation
    """
    if weeks < 10 or n_channels < 1:
        raise ValueError("need at least 10 weeks and 1 channel")
    if not 0.0 <= spend_correlation < 1.0:
        raise ValueError("spend_correlation must be in [0, 1)")
    if trend_shape not in TREND_SHAPES:
        raise ValueError(f"trend_shape must be one of {sorted(TREND_SHAPES)}")
    rng = np.random.default_rng(seed)
    names = channel_names(n_channels)
    dates = pd.date_range(start, periods=weeks, freq="7D")
    t = np.arange(weeks)

    spend = simulate_spend(rng, names, t, spend_correlation)
    spend[:, 0] *= 1.0 + spend_growth * t / (weeks - 1)
    alpha = rng.uniform(0.1, 0.7, n_channels)
    lam_high = np.full(n_channels, 3.0)
    if saturation_ceiling is not None:
        lam_high = np.minimum(lam_high, saturation_ceiling * spend.mean(axis=0) / spend.max(axis=0))
    lam = rng.uniform(np.minimum(0.5, lam_high / 2), lam_high)
    roi = rng.uniform(0.5, 3.0, n_channels)

    plan = true_plan(names)
    params = {"geometric_alpha": alpha, "logistic_lam": lam}
    spend_scale = spend.mean(axis=0)
    response = plan.response(lag_matrix(spend / spend_scale, MAX_LAG), params)
    beta = roi * spend.sum(axis=0) / response.sum(axis=0)  # original units per unit response
    contribution = response * beta

    bumped = plan.response(lag_matrix(spend * (1 + MROI_STEP) / spend_scale, MAX_LAG), params)
    mroi = (bumped * beta - contribution).sum(axis=0) / (MROI_STEP * spend.sum(axis=0))

    base = contribution.sum(axis=1).mean() * rng.uniform(1.2, 2.0)
    baseline = np.full(weeks, base)
    if trend:
        baseline = baseline + base * trend_growth * TREND_SHAPES[trend_shape](t / (weeks - 1))
    if seasonality:
        day = (dates - pd.Timestamp("1970-01-01")).days.to_numpy() / 365.25
        baseline = baseline + base * (
            0.08 * np.sin(2 * np.pi * day) + 0.05 * np.cos(4 * np.pi * day)
        )
    frame = pd.DataFrame({"date": dates})
    control_effects: dict[str, float] = {}
    mean_kpi = baseline + contribution.sum(axis=1)
    if controls:
        promo = (rng.random(weeks) < 0.12).astype(float)
        control_effects["promo"] = float(0.1 * base)
        mean_kpi = mean_kpi + promo * control_effects["promo"]
    sales = mean_kpi + rng.normal(0.0, noise * mean_kpi.mean(), weeks)

    frame["sales"] = np.round(sales, 2)
    for i, name in enumerate(names):
        frame[name] = np.round(spend[:, i], 2)
    if controls:
        frame["promo"] = promo

    truth = {
        "seed": seed,
        "weeks": weeks,
        "noise": noise,
        "spend_correlation": spend_correlation,
        "trend_shape": trend_shape,
        "trend_growth": trend_growth,
        "spend_growth": spend_growth,
        "saturation_ceiling": saturation_ceiling,
        "date_column": "date",
        "target_column": "sales",
        "baseline_mean": float(baseline.mean()),
        "controls": control_effects,
        "channels": {
            name: {
                "adstock": {"type": "geometric", "max_lag": MAX_LAG, "alpha": float(alpha[i])},
                "saturation": {"type": "logistic", "lam": float(lam[i])},
                "spend_scale": float(spend_scale[i]),
                "beta": float(beta[i]),
                "spend": float(spend[:, i].sum()),
                "contribution": float(contribution[:, i].sum()),
                "roi": float(roi[i]),
                "mroi": float(mroi[i]),
            }
            for i, name in enumerate(names)
        },
    }
    return Simulation(frame=frame, truth=truth)


def true_plan(names: list[str]) -> ChannelPlan:
    """The simulator's transforms: geometric adstock (8 lags) then logistic saturation."""
    n = len(names)
    return ChannelPlan(
        channels=tuple(names),
        adstock=("geometric",) * n,
        max_lag=(MAX_LAG,) * n,
        saturation=("logistic",) * n,
    )


def simulate_spend(
    rng: np.random.Generator, names: list[str], t: np.ndarray, correlation: float
) -> np.ndarray:
    """Weekly spend per channel: a level, a seasonal budget cycle, bursts, lognormal noise."""
    weeks, n = len(t), len(names)
    level = 10 ** rng.uniform(3.5, 4.7, n)
    phase = rng.uniform(0, 2 * np.pi, n)
    phase = phase + correlation * (phase[0] - phase)  # correlated budgets share their cycle
    cycle = 1 + 0.3 * np.sin(2 * np.pi * t[:, None] / 52.0 + phase)
    shared = rng.normal(0, 1, weeks)[:, None]
    own = rng.normal(0, 1, (weeks, n))
    wiggle = np.sqrt(correlation) * shared + np.sqrt(1 - correlation) * own
    spend = level * cycle * np.exp(0.35 * wiggle - 0.35**2 / 2)
    for i, name in enumerate(names):
        if name in FLIGHTED:
            spend[:, i] *= _bursts(rng, weeks)
    return spend


def _bursts(rng: np.random.Generator, weeks: int) -> np.ndarray:
    """On/off flighting: blocks of 2-6 weeks, on about 60% of the time (at least once)."""
    on = np.zeros(weeks)
    week = 0
    while week < weeks:
        length = int(rng.integers(2, 7))
        on[week : week + length] = rng.random() < 0.6
        week += length
    if not on.any():
        on[: weeks // 4] = 1.0
    return on


def simulation_config(
    sim: Simulation, data_path: str | Path, name: str = "simulated", **sampler: Any
) -> dict[str, Any]:
    """A config mapping that fits the simulated data with the true model class.

    Parameters
    ----------
    sim : Simulation
    data_path : str or Path
        Where the CSV was written (absolute, or relative to the config's folder).
    name : str
        Model name.
    **sampler
        Overrides of the sampler block (chains, draws, tune, seed, backend).

    Returns
    -------
    dict
        Ready for :func:`mmm.model.config.parse_config`.
    """
    return {
        "name": name,
        "data": {"path": str(data_path), "date_column": "date", "target_column": "sales"},
        "defaults": {
            "adstock": {"type": "geometric", "max_lag": MAX_LAG},
            "saturation": {"type": "logistic"},
        },
        "channels": [{"name": c} for c in sim.channels],
        "controls": sim.controls,
        "trend": "linear",
        "seasonality": {"fourier_order": 2},
        "sampler": {"backend": "nutpie", "chains": 2, "draws": 500, "tune": 500, "seed": 1}
        | sampler,
    }


def true_lift_record(
    sim: Simulation,
    channel: str,
    first_week: int,
    n_weeks: int = 4,
    change: float = 0.5,
    relative_sigma: float = 0.1,
    seed: int = 0,
) -> LiftRecord:
    """A lift test on simulated data, measured from the true parameters plus noise.

    The channel's spend is held at its mean over the window (``x``) and changed by
    ``change * x`` (``-1`` is a go-dark test); ``delta_y`` is the true incremental KPI plus
    Normal noise with sd ``relative_sigma * |true delta_y|``. The true incremental KPI is
    computed the way the data were made, independently of the model's lift code: the whole
    KPI series with the window at ``x + delta_x`` minus the whole series with it at ``x``,
    summed over every period (so the carry-over after the window counts, up to the data's end).

    Returns
    -------
    LiftRecord
    """
    truth = sim.truth["channels"]
    names = sim.channels
    frame = sim.frame
    spend = frame[names].to_numpy(dtype=float)
    rows = np.arange(first_week, first_week + n_weeks)
    m = names.index(channel)
    x = float(spend[rows, m].mean())
    plan = true_plan(names)
    params = {
        "geometric_alpha": np.array([truth[c]["adstock"]["alpha"] for c in names]),
        "logistic_lam": np.array([truth[c]["saturation"]["lam"] for c in names]),
    }
    beta = np.array([truth[c]["beta"] for c in names])
    scale = np.array([truth[c]["spend_scale"] for c in names])

    def kpi_from_channel(level: float) -> float:
        series = spend.copy()
        series[rows, m] = level
        return float((plan.response(lag_matrix(series / scale, MAX_LAG), params) * beta).sum())

    true_delta = kpi_from_channel(x * (1 + change)) - kpi_from_channel(x)
    sigma = relative_sigma * abs(true_delta)
    observed = true_delta + np.random.default_rng(seed).normal(0.0, sigma)
    dates = pd.DatetimeIndex(frame["date"])
    start, end = dates[rows[0]].date(), dates[rows[-1]].date()
    return LiftRecord(channel, start, end, x, change * x, observed, sigma)
