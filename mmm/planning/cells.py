"""Geo panels in the planner: cells (geo x channel) and channels with the geo split held.

A panel's response is separable per *cell*, a (geo, channel) pair: every geo has its own spend
scale, coefficient and history, while the adstock and saturation parameters are shared. So a
panel plans over ``G * M`` cells, named ``'geo/channel'`` (:class:`PanelNames`), in geo-major
order (cell ``g * M + m``). Planning by geo
(:meth:`mmm.planning.response.ResponseModel.from_fitted` with ``by_geo=True``) allocates the
budget across the cells.

The default for a panel plans channels: :class:`SplitResponse` spreads each channel's budget
over the geos at fixed shares, the channel's geo split of the last ``H`` data periods, and
evaluates the cells. It has the interface of a response model (``evaluate(spend (M,))`` gives the
contribution and its derivative per draw and channel), so the optimizer, its objectives and the
scenarios run on it unchanged. By the chain rule over the fixed shares ``w[g, m]``::

    C_m(b_m)   = sum_g C_gm(w[g, m] b_m)
    dC_m/db_m  = sum_g w[g, m] C_gm'(w[g, m] b_m)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mmm.model.transforms import ChannelPlan
from mmm.planning.limits import ObservedSpend

#: Joins a geo and a channel into a cell name.
CELL_SEP = "/"
#: Geos named in full in a message; longer lists end with a count.
LISTED_GEOS = 8


def cell_name(geo: str, channel: str) -> str:
    """``'north/tv'``: the name of a (geo, channel) cell."""
    return f"{geo}{CELL_SEP}{channel}"


def _listing(names: tuple[str, ...], limit: int | None = None) -> str:
    """``'a, b, c'``; past ``limit`` names, the first ones and how many more."""
    if limit is None or len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit} more"


class PanelNames(tuple):
    """The names a panel plan allocates over: its cells (by geo) or its channels.

    A tuple of str, so it serves as a response model's ``channels``; it remembers the panel's
    ``geos`` and ``channels`` so that an unknown name gets a message about cells and geos.

    Parameters
    ----------
    geos, channels : sequence of str
    by_geo : bool
        The names are the cells ``'geo/channel'`` (geo-major) instead of the channels.
    """

    geos: tuple[str, ...]
    channels: tuple[str, ...]
    by_geo: bool

    def __new__(cls, geos, channels, by_geo: bool) -> PanelNames:
        geos, channels = tuple(geos), tuple(channels)
        names = [cell_name(g, c) for g in geos for c in channels] if by_geo else channels
        self = super().__new__(cls, names)
        self.geos, self.channels, self.by_geo = geos, channels, bool(by_geo)
        return self

    def __getnewargs__(self) -> tuple:
        return (self.geos, self.channels, self.by_geo)

    def cell(self, name: str) -> tuple[str, str] | None:
        """``(geo, channel)`` of a cell name (None when it names no cell of the panel)."""
        for geo in self.geos:
            if name.startswith(geo + CELL_SEP) and name[len(geo) + 1 :] in self.channels:
                return geo, name[len(geo) + 1 :]
        return None

    def unknown(self, name: str) -> str:
        """The message for ``name``, which is not one of these names."""
        channels = _listing(self.channels)
        geos = _listing(self.geos, LISTED_GEOS)
        if not self.by_geo:
            return f"unknown channel '{name}'; the model's channels are {channels}" + (
                " (a geo cell GEO/CHANNEL needs planning by geo: mmm optimize --by-geo, or "
                "by_geo: true in a scenario file)"
                if CELL_SEP in name
                else ""
            )
        if name in self.channels:
            return (
                f"'{name}' is a channel; planning by geo names cells GEO/CHANNEL "
                f"(e.g. '{cell_name(self.geos[0], name)}')"
            )
        geo = next((g for g in self.geos if name.startswith(g + CELL_SEP)), None)
        if geo is not None:
            return (
                f"unknown channel '{name[len(geo) + 1 :]}' in cell '{name}'; "
                f"the channels are {channels}"
            )
        if CELL_SEP in name:
            return f"unknown geo in cell '{name}'; the geos are {geos}"
        return f"unknown cell '{name}'; name cells GEO/CHANNEL (geos {geos}; channels {channels})"


def unknown_name(name: str, names: tuple[str, ...] | list[str]) -> str:
    """The message for a channel (or cell) ``name`` that is not among ``names``."""
    if isinstance(names, PanelNames):
        return names.unknown(name)
    return f"unknown channel '{name}'; the model's channels are {', '.join(names)}"


def tile_plan(plan: ChannelPlan, names: tuple[str, ...], n_geos: int) -> ChannelPlan:
    """The channel plan repeated for each geo, over the cells ``names`` (geo-major).

    Transform parameters of the cell plan are the channel ones tiled ``n_geos`` times along
    their last axis (:func:`tile_params`): a transform's cells are geo-major, as its channels.
    """
    return ChannelPlan(
        channels=tuple(names),
        adstock=plan.adstock * n_geos,
        max_lag=plan.max_lag * n_geos,
        saturation=plan.saturation * n_geos,
        adstock_first=plan.adstock_first,
    )


def tile_params(params: dict[str, np.ndarray], n_geos: int) -> dict[str, np.ndarray]:
    """Shared transform parameters (S, M_g) repeated for each geo: (S, G * M_g)."""
    return {k: np.tile(np.atleast_2d(v), (1, n_geos)) for k, v in params.items()}


def historical_shares(recent: np.ndarray, spend: np.ndarray) -> np.ndarray:
    """Each channel's split across geos, shape (G, M), columns summing to one.

    Parameters
    ----------
    recent : ndarray (G, H, M)
        Spend of the last ``H`` data periods per geo.
    spend : ndarray (G, T, M)
        All the data's spend per geo: the split of a channel that spent nothing in the last
        ``H`` periods (an even split for one that never spent).
    """
    n_geos = recent.shape[0]
    shares = np.full(recent.shape[::2], 1.0 / n_geos)
    for totals in (spend.sum(axis=1), recent.sum(axis=1)):
        channel = totals.sum(axis=0)
        shares = np.where(channel > 0, totals / np.where(channel > 0, channel, 1.0), shares)
    return shares


@dataclass(frozen=True)
class SplitResponse:
    """Channels of a panel with each channel's geo split held fixed (see the module doc).

    Attributes
    ----------
    cells : ResponseModel
        The panel's cell response (``G * M`` cells, geo-major).
    shares : ndarray (G, M)
        Each channel's split across geos (columns sum to one).
    channels : PanelNames
        The channel names (``by_geo`` False).
    plan : ChannelPlan
        The model's channel plan.
    current : ndarray (M,)
        Spend of each channel over the last ``H`` data periods, all geos.
    pattern : ndarray (H, M)
        Share of each channel's national budget in each horizon period.
    pattern_kind : str
    observed : ObservedSpend or None
        The data's national spend levels (refusals, channel-level range warnings).
    """

    cells: Any
    shares: np.ndarray
    channels: PanelNames
    plan: ChannelPlan
    current: np.ndarray
    pattern: np.ndarray
    pattern_kind: str
    observed: ObservedSpend | None = None

    @property
    def geos(self) -> tuple[str, ...]:
        """The panel's geo names."""
        return self.channels.geos

    @property
    def horizon(self) -> int:
        """Number of planned periods H."""
        return self.cells.horizon

    @property
    def n_draws(self) -> int:
        """Number of posterior draws S."""
        return self.cells.n_draws

    def cell_spend(self, spend: Any) -> np.ndarray:
        """Spend per geo and channel, shape (G, M), of a channel-level ``spend`` (M,)."""
        return self.shares * np.asarray(spend, dtype=float)[None, :]

    def evaluate(self, spend: Any, gradient: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """Incremental contribution per draw and channel, summed over geos, and its derivative.

        Parameters
        ----------
        spend : array (M,)
            Budget per channel over the horizon (all geos), original units.
        gradient : bool
            Also return the derivative.

        Returns
        -------
        contribution : ndarray (S, M)
        marginal : ndarray (S, M) or None
            ``d contribution / d spend`` with the geo split held.
        """
        n_geos, n_channels = self.shares.shape
        contribution, marginal = self.cells.evaluate(self.cell_spend(spend).reshape(-1), gradient)
        contribution = contribution.reshape(-1, n_geos, n_channels).sum(axis=1)
        if marginal is None:
            return contribution, None
        return contribution, (marginal.reshape(-1, n_geos, n_channels) * self.shares).sum(axis=1)

    def split_summary(self, spend: Any | None = None) -> dict[str, Any]:
        """JSON-ready account of the split: ``basis``, ``geos``, ``shares`` (channel -> geo ->
        share) and, given a plan's ``spend`` (M,), ``spend`` (channel -> geo -> amount)."""
        out: dict[str, Any] = {
            "basis": f"each channel's spend across geos in the last {self.horizon} data periods",
            "geos": list(self.geos),
            "shares": {
                c: dict(zip(self.geos, map(float, self.shares[:, m]), strict=True))
                for m, c in enumerate(self.channels)
            },
        }
        if spend is not None:
            amounts = self.cell_spend(spend)
            out["spend"] = {
                c: dict(zip(self.geos, map(float, amounts[:, m]), strict=True))
                for m, c in enumerate(self.channels)
            }
        return out
