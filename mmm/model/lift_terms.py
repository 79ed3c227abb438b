"""Calibration terms of the MMM: lift-test likelihoods and the MTA share prior.

A lift test on channel m over the window W, at spend ``x`` per period changed by ``delta_x``,
adds ``delta_y ~ Normal(sum_{t in W} [c_m(t | x + delta_x) - c_m(t | x)], sigma)``, where
``c_m(t | s)`` is the model's contribution of channel m in period t when its spend in every
window period is ``s`` and its spend before the window is as observed. The same transform code
as the model's (adstock included) gives the response, in pytensor inside the model and in numpy
when the posterior is checked against the test afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from mmm.errors import ConfigError
from mmm.experiments.records import LiftRecord
from mmm.model.config import MtaPrior
from mmm.model.data import Dataset
from mmm.model.transforms import ChannelPlan, lag_matrix


@dataclass(frozen=True)
class LiftWindow:
    """A lift test resolved against the data: its channel, periods and lagged spend."""

    record: LiftRecord
    channel: int
    rows: np.ndarray  # period indices of the window
    lagged_base: np.ndarray  # (W, M, L) scaled spend with the channel at x in the window
    lagged_test: np.ndarray  # (W, M, L) ... at x + delta_x


def lift_windows(
    records: list[LiftRecord],
    dataset: Dataset,
    spend_scale: np.ndarray,
    plan: ChannelPlan,
    source: str = "lift tests",
) -> list[LiftWindow]:
    """Match each record to the channel and the data periods it covers.

    Raises
    ------
    ConfigError
        When a record names an unknown channel or its window holds no data period.
    """
    windows = []
    dates = pd.DatetimeIndex(dataset.dates)
    for row, record in enumerate(records, start=2):
        if record.channel not in dataset.channels:
            raise ConfigError(
                f"unknown channel '{record.channel}' (channels: {', '.join(dataset.channels)})",
                source=source,
                key="channel",
                row=row,
            )
        rows = np.flatnonzero(
            (dates >= pd.Timestamp(record.start)) & (dates <= pd.Timestamp(record.end))
        )
        if rows.size == 0:
            raise ConfigError(
                f"the window {record.start} to {record.end} holds no period of the data "
                f"({dates[0].date()} to {dates[-1].date()})",
                source=source,
                key="start",
                row=row,
            )
        m = dataset.channels.index(record.channel)
        windows.append(
            LiftWindow(
                record=record,
                channel=m,
                rows=rows,
                lagged_base=window_lags(dataset.spend, m, rows, record.x, spend_scale, plan),
                lagged_test=window_lags(
                    dataset.spend, m, rows, record.x + record.delta_x, spend_scale, plan
                ),
            )
        )
    return windows


def window_lags(
    spend: np.ndarray,
    channel: int,
    rows: np.ndarray,
    level: float,
    spend_scale: np.ndarray,
    plan: ChannelPlan,
) -> np.ndarray:
    """Lagged scaled spend for the window rows, the channel's window spend set to ``level``."""
    counterfactual = spend.copy()
    counterfactual[rows, channel] = level
    return lag_matrix(counterfactual / spend_scale, plan.n_lags)[rows]


def implied_lift(
    window: LiftWindow,
    plan: ChannelPlan,
    params: dict[str, Any],
    beta: Any,
    xp: ModuleType = np,
) -> Any:
    """Incremental KPI over the window that the model implies, in model (scaled) units.

    Parameters
    ----------
    window : LiftWindow
    plan : ChannelPlan
    params : dict
        Transform parameters, (M_g,) in the model or (S, M_g) draws with numpy.
    beta : array
        Channel coefficients, (M,) or (S, M).
    xp : module

    Returns
    -------
    scalar or (S,) array
    """
    m = window.channel
    test = plan.response(window.lagged_test, params, xp=xp)[..., m]
    base = plan.response(window.lagged_base, params, xp=xp)[..., m]
    return beta[..., m] * xp.sum(test - base, axis=-1)


def add_lift_likelihoods(
    windows: list[LiftWindow],
    plan: ChannelPlan,
    params: dict[str, Any],
    beta: Any,
    target_scale: float,
) -> None:
    """Add one observed Normal per lift test to the model in context."""
    import pymc as pm
    import pytensor.tensor as pt

    if not windows:
        return
    implied = pt.stack([implied_lift(w, plan, params, beta, xp=pt) for w in windows])
    observed = np.array([w.record.delta_y for w in windows]) / target_scale
    sigma = np.array([w.record.sigma for w in windows]) / target_scale
    pm.Normal("lift_test", mu=implied, sigma=sigma, observed=observed)


def add_mta_prior(mta: MtaPrior | None, channels: list[str], contribution: Any) -> None:
    """Dirichlet(1 + weight * share) prior on the covered channels' contribution shares.

    Parameters
    ----------
    mta : MtaPrior or None
    channels : list of str
        Model channel order.
    contribution : tensor (M,)
        Total contribution per channel (any positive scale).
    """
    import pymc as pm
    import pytensor.tensor as pt

    if mta is None:
        return
    idx = [channels.index(c) for c in mta.shares]
    covered = contribution[idx]
    shares = covered / pt.sum(covered)
    weights = mta.weight * np.array(list(mta.shares.values()))
    pm.Potential("mta_prior", pt.sum(weights * pt.log(shares)))
