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
    geo: int | None  # the geo of a panel's test; None in a national model
    rows: np.ndarray  # period indices of the window
    # (W + C, M, L) scaled spend of the window's W periods and the C <= L - 1 periods after it
    # (its carry-over, up to the data's end), with the channel at x in the window
    lagged_base: np.ndarray
    lagged_test: np.ndarray  # (W + C, M, L) ... at x + delta_x


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
        geo = _geo_of(record, dataset, source, row)
        spend = dataset.geo_spend[0 if geo is None else geo]
        scale = spend_scale if geo is None else spend_scale[geo]
        windows.append(
            LiftWindow(
                record=record,
                channel=m,
                geo=geo,
                rows=rows,
                lagged_base=window_lags(spend, m, rows, record.x, scale, plan),
                lagged_test=window_lags(spend, m, rows, record.x + record.delta_x, scale, plan),
            )
        )
    return windows


def _geo_of(record: LiftRecord, dataset: Dataset, source: str, row: int) -> int | None:
    """The geo index a record applies to (None for a national model's test)."""
    if not dataset.is_panel:
        if record.geo is not None:
            raise ConfigError(
                f"the test names geo '{record.geo}' but the model is national (no geo_column)",
                source=source,
                key="geo",
                row=row,
            )
        return None
    if record.geo is None:
        raise ConfigError(
            "a geo model's lift test must name its geo (column 'geo'); for a national test, "
            "give one row per geo with that geo's spend and lift",
            source=source,
            key="geo",
            row=row,
        )
    if record.geo not in dataset.geos:
        raise ConfigError(
            f"unknown geo '{record.geo}' (the data has {dataset.n_geos} geos, e.g. "
            f"{', '.join(dataset.geos[:5])})",
            source=source,
            key="geo",
            row=row,
        )
    return dataset.geos.index(record.geo)


def window_lags(
    spend: np.ndarray,
    channel: int,
    rows: np.ndarray,
    level: float,
    spend_scale: np.ndarray,
    plan: ChannelPlan,
) -> np.ndarray:
    """Lagged scaled spend of the window rows and the ``L - 1`` rows after them (the window's
    carry-over, up to the data's end), the channel's window spend set to ``level``."""
    counterfactual = spend.copy()
    counterfactual[rows, channel] = level
    last = min(int(rows[-1]) + plan.n_lags - 1, len(spend) - 1)
    affected = np.concatenate([rows, np.arange(int(rows[-1]) + 1, last + 1)])
    return lag_matrix(counterfactual / spend_scale, plan.n_lags)[affected]


def implied_lift(
    window: LiftWindow,
    plan: ChannelPlan,
    params: dict[str, Any],
    beta: Any,
    xp: ModuleType = np,
) -> Any:
    """Incremental KPI of the test that the model implies, in model (scaled) units: over the
    window and the carry-over into the ``L - 1`` periods after it (up to the data's end).

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
    coefficient = beta[..., m] if window.geo is None else beta[..., window.geo, m]
    return coefficient * xp.sum(test - base, axis=-1)


def add_lift_likelihoods(
    windows: list[LiftWindow],
    plan: ChannelPlan,
    params: dict[str, Any],
    beta: Any,
    target_scale: Any,
) -> None:
    """Add one observed Normal per lift test to the model in context.

    ``target_scale`` is the KPI divisor: a float, or (G,) per geo for a panel.
    """
    import pymc as pm
    import pytensor.tensor as pt

    if not windows:
        return
    implied = pt.stack([implied_lift(w, plan, params, beta, xp=pt) for w in windows])
    scale = np.array([window_target_scale(w, target_scale) for w in windows])
    observed = np.array([w.record.delta_y for w in windows]) / scale
    sigma = np.array([w.record.sigma for w in windows]) / scale
    pm.Normal("lift_test", mu=implied, sigma=sigma, observed=observed)


def window_target_scale(window: LiftWindow, target_scale: Any) -> float:
    """The KPI divisor of the test's geo (the model's one divisor for national data)."""
    scale = np.atleast_1d(np.asarray(target_scale, dtype=float))
    return float(scale[0 if window.geo is None else window.geo])


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
