"""Posterior response of a future horizon to a per-channel budget, with exact gradients.

A plan spends ``b_m`` on channel ``m`` over a horizon of ``H`` periods, spread in time by a
pattern ``p[t, m]`` (columns sum to one): ``x[t, m] = b_m p[t, m]``. The horizon starts right
after the data, so the spend of the last ``L - 1`` data periods carries over into it, and the
plan's own carry-over after the horizon (the ``L - 1`` period tail) is counted.

With adstock first, the adstocked input of channel ``m`` in window period ``k``
(``0 <= k < H + L - 1``) is affine in ``b_m``::

    a[s, k, m] = c[s, k, m] + b_m q[s, k, m]

where ``c`` is the adstocked history (carry-over from before the horizon) and ``q`` the
adstocked pattern divided by the channel's spend scale. The plan's incremental contribution is

    C[s, m](b_m) = beta[s, m] * sum_k ( f_m(c + b_m q) - f_m(c) )
    dC/db_m      = beta[s, m] * sum_k f_m'(c + b_m q) q

with ``f_m`` the channel's saturation and ``beta`` in KPI units per unit response. With
saturation first, normalized adstock weights sum to one over the window, so the history drops
out and ``C = beta * sum_t f_m(b_m p[t, m] / scale_m)``. Channels are separable, so one
evaluation costs O(draws x window x channels).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from mmm.errors import MmmError
from mmm.model.fit import FittedModel
from mmm.model.transforms import SATURATIONS, ChannelPlan, lag_matrix
from mmm.planning.cells import (
    PanelNames,
    SplitResponse,
    historical_shares,
    tile_params,
    tile_plan,
)
from mmm.planning.limits import ObservedSpend

PATTERNS = ("flat", "history")


def draw_indices(n_available: int, n_draws: int | None) -> np.ndarray:
    """Evenly spaced draw indices (all draws when ``n_draws`` is None or too large)."""
    if n_draws is None or n_draws >= n_available:
        return np.arange(n_available)
    if n_draws < 1:
        raise MmmError("the number of draws must be at least 1", key="draws")
    return np.unique(np.linspace(0, n_available - 1, n_draws).round().astype(int))


def default_horizon(period_days: int, n_periods: int) -> int:
    """A quarter: 13 weeks for weekly data, 91 days for daily, at most the data length."""
    return min(13 if period_days == 7 else 91, n_periods)


def spend_pattern(kind: str, recent: np.ndarray) -> np.ndarray:
    """Per-period shares of each channel's horizon budget, shape (H, M), columns sum to 1.

    Parameters
    ----------
    kind : {'flat', 'history'}
        Even spend per period, or the flighting of the last ``H`` data periods (channels that
        spent nothing then fall back to flat).
    recent : ndarray (H, M)
        Spend of the last ``H`` data periods.
    """
    n_periods, n_channels = recent.shape
    flat = np.full((n_periods, n_channels), 1.0 / n_periods)
    if kind == "flat":
        return flat
    if kind != "history":
        raise MmmError(f"unknown spend pattern '{kind}'; use one of {PATTERNS}", key="pattern")
    totals = recent.sum(axis=0)
    shares = recent / np.where(totals > 0, totals, 1.0)
    return np.where(totals > 0, shares, flat)


@dataclass(frozen=True)
class ResponseModel:
    """Incremental contribution of a horizon budget per draw and channel (see module doc).

    Build it with :meth:`from_fitted` (posterior draws) or :meth:`from_parameters` (any
    parameter arrays, e.g. a simulation's truth with one "draw").

    Attributes
    ----------
    channels : tuple of str
    plan : ChannelPlan
    params : dict of str -> ndarray (S, M_g)
        Transform parameters, keyed as :meth:`ChannelPlan.param_name`.
    beta : ndarray (S, M)
        KPI units per unit of saturated response.
    offset, slope : ndarray (S or 1, K, M)
        ``c`` and ``q`` of the module doc, in scaled units (``q`` per currency unit).
    base : ndarray (S or 1, M)
        ``sum_k f(c)``: the response to the history alone.
    current : ndarray (M,)
        Spend of each channel over the last ``H`` data periods (the current plan).
    pattern : ndarray (H, M)
    pattern_kind : str
    observed : ObservedSpend or None
        The data's spend levels (refusals of absurd amounts, range warnings); None when the
        model was built without data.

    A panel planned by geo (``from_fitted(..., by_geo=True)``) is this model over the cells
    (geo, channel): ``channels`` is then a :class:`~mmm.planning.cells.PanelNames` of the cell
    names ``'geo/channel'``.
    """

    channels: tuple[str, ...]
    plan: ChannelPlan
    params: dict[str, np.ndarray]
    beta: np.ndarray
    offset: np.ndarray
    slope: np.ndarray
    base: np.ndarray
    current: np.ndarray
    pattern: np.ndarray
    pattern_kind: str = "flat"
    observed: ObservedSpend | None = None

    @property
    def horizon(self) -> int:
        """Number of planned periods H."""
        return self.pattern.shape[0]

    @property
    def n_draws(self) -> int:
        """Number of posterior draws S."""
        return self.beta.shape[0]

    @classmethod
    def from_parameters(
        cls,
        plan: ChannelPlan,
        params: dict[str, Any],
        beta: Any,
        spend_scale: Any,
        pattern: Any,
        history: Any | None = None,
        current: Any | None = None,
        pattern_kind: str = "custom",
        observed: ObservedSpend | None = None,
    ) -> ResponseModel:
        """Build from parameter arrays.

        Parameters
        ----------
        plan : ChannelPlan
        params : dict of str -> array (S, M_g) or (M_g,)
            Transform parameters (a 1-d array is one draw).
        beta : array (S, M) or (M,)
            KPI units per unit of saturated response (``scales.target * beta`` for a fit).
        spend_scale : array (M,)
            Divisor taking spend to the model's scaled units.
        pattern : array (H, M)
            Share of each channel's budget spent in each horizon period (columns sum to 1).
        history : array (P, M), optional
            Spend of the periods just before the horizon (its last ``L - 1`` rows matter).
        current : array (M,), optional
            The current plan's spend over the horizon (for reference; zeros when omitted).
        pattern_kind : str
            Label of the pattern ('flat', 'history', ...).
        observed : ObservedSpend, optional
            The data's spend levels; built from ``history`` (all its rows) when omitted.
        """
        params = {k: np.atleast_2d(np.asarray(v, dtype=float)) for k, v in params.items()}
        beta = np.atleast_2d(np.asarray(beta, dtype=float))
        scale = np.asarray(spend_scale, dtype=float)
        pattern = np.asarray(pattern, dtype=float)
        n_channels = len(plan.channels)
        n_lags = plan.n_lags
        if history is None:
            history = np.zeros((0, n_channels))
        history = np.asarray(history, dtype=float)
        if observed is None and len(history):
            observed = ObservedSpend.from_data(plan.channels, history, pattern.shape[0])
        history = history[max(0, len(history) - (n_lags - 1)) :]
        if plan.adstock_first:
            weights = plan.weights(params)  # (S, M, L)
            window = pattern.shape[0] + n_lags - 1
            hist = lag_matrix(np.zeros((window, n_channels)), n_lags, history=history / scale)
            padded = np.vstack([pattern, np.zeros((n_lags - 1, n_channels))]) / scale
            offset = np.einsum("kml,sml->skm", hist, weights)
            slope = np.einsum("kml,sml->skm", lag_matrix(padded, n_lags), weights)
        else:
            offset = np.zeros((1, *pattern.shape))
            slope = (pattern / scale)[None]
        model = cls(
            channels=tuple(plan.channels),
            plan=plan,
            params=params,
            beta=beta,
            offset=offset,
            slope=slope,
            base=np.zeros((1, n_channels)),
            current=np.zeros(n_channels) if current is None else np.asarray(current, float),
            pattern=pattern,
            pattern_kind=pattern_kind,
            observed=observed,
        )
        base = model._saturate(offset, with_slope=False)[0].sum(axis=1)
        return replace(model, base=base)

    @classmethod
    def from_fitted(
        cls,
        fitted: FittedModel,
        horizon: int | None = None,
        pattern: str = "flat",
        draws: int | None = None,
        by_geo: bool = False,
    ) -> ResponseModel | SplitResponse:
        """Build from a fitted model's posterior.

        Parameters
        ----------
        fitted : FittedModel
        horizon : int, optional
            Planned periods H (default :func:`default_horizon`); the current plan is the spend
            of the last H data periods.
        pattern : {'flat', 'history'}
            How each channel's budget is spread over the horizon.
        draws : int, optional
            Use this many evenly spaced posterior draws (all when omitted).
        by_geo : bool
            A panel only: plan the cells (geo, channel) instead of the channels.

        Returns
        -------
        ResponseModel or SplitResponse
            National data: the channels' response. A panel: by default a
            :class:`~mmm.planning.cells.SplitResponse` (channels, each with its geo split of
            the last H periods held); with ``by_geo`` the cells' response.
        """
        dataset = fitted.dataset
        n_periods = dataset.n_periods
        if horizon is None:
            horizon = default_horizon(dataset.period_days, n_periods)
        if not 1 <= horizon <= n_periods:
            raise MmmError(
                f"the horizon must be between 1 and the {n_periods} data periods (got {horizon})",
                key="horizon",
            )
        if by_geo and not dataset.is_panel:
            raise MmmError(
                "planning by geo needs a geo panel; this model is national", key="by_geo"
            )
        idx = draw_indices(fitted.n_draws, draws)
        params = {k: v[idx] for k, v in fitted.transform_params().items()}
        national = ObservedSpend.from_data(
            fitted.plan.channels, dataset.spend, horizon, dataset.target, dataset.frequency
        )
        recent = dataset.spend[-horizon:]
        if not dataset.is_panel:
            return cls.from_parameters(
                fitted.plan,
                params,
                fitted.draws("beta")[idx] * fitted.scales.target,
                fitted.scales.spend,
                spend_pattern(pattern, recent),
                history=dataset.spend,
                current=recent.sum(axis=0),
                pattern_kind=pattern,
                observed=national,
            )
        cells = cls._panel_cells(fitted, horizon, pattern, idx, params)
        if by_geo:
            return cells
        geo_spend = dataset.geo_spend
        return SplitResponse(
            cells=cells,
            shares=historical_shares(geo_spend[:, -horizon:], geo_spend),
            channels=PanelNames(dataset.geos, dataset.channels, by_geo=False),
            plan=fitted.plan,
            current=recent.sum(axis=0),
            pattern=spend_pattern(pattern, recent),
            pattern_kind=pattern,
            observed=national,
        )

    @classmethod
    def _panel_cells(
        cls,
        fitted: FittedModel,
        horizon: int,
        pattern: str,
        idx: np.ndarray,
        params: dict[str, np.ndarray],
    ) -> ResponseModel:
        """The response of a panel's cells (geo, channel), geo-major (see ``from_fitted``)."""
        dataset = fitted.dataset
        n_geos = dataset.n_geos
        names = PanelNames(dataset.geos, dataset.channels, by_geo=True)
        beta = fitted.geo_draws("beta")[idx] * fitted.scales.geo_target[None, :, None]
        # (G, T, M) -> (T, G * M): a period's row holds geo 0's channels, then geo 1's, ...
        history = dataset.geo_spend.transpose(1, 0, 2).reshape(dataset.n_periods, -1)
        recent = history[-horizon:]
        model = cls.from_parameters(
            tile_plan(fitted.plan, names, n_geos),
            tile_params(params, n_geos),
            beta.reshape(len(idx), -1),
            fitted.scales.geo_spend.reshape(-1),
            spend_pattern(pattern, recent),
            history=history,
            current=recent.sum(axis=0),
            pattern_kind=pattern,
            observed=ObservedSpend.from_data(
                names, history, horizon, dataset.target, dataset.frequency
            ),
        )
        return replace(model, channels=names)

    def _saturate(self, x: np.ndarray, with_slope: bool = True) -> tuple[np.ndarray, Any]:
        """Saturation values (and slopes) of ``x`` (..., K, M) channel by channel."""
        groups = self.plan.groups("saturation")
        if len(groups) == 1:  # the common case: no fancy-index copies
            return self._saturate_group(groups[0], x, with_slope)
        shape = np.broadcast_shapes(x.shape, (self.beta.shape[0], 1, x.shape[-1]))
        values = np.empty(shape)
        slopes = np.empty_like(values) if with_slope else None
        for name in groups:
            idx = self.plan.members("saturation", name)
            value, slope = self._saturate_group(name, x[..., idx], with_slope)
            values[..., idx] = value
            if with_slope:
                slopes[..., idx] = slope
        return values, slopes

    def _saturate_group(
        self, name: str, x: np.ndarray, with_slope: bool
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Values (and slopes) of saturation ``name`` on its channels' inputs ``x``."""
        component = SATURATIONS[name]
        args = [self.params[self.plan.param_name(name, p)][:, None, :] for p in component.params]
        if with_slope:
            return component.value_and_derivative(x, *args)
        return component.function(x, *args), None

    def evaluate(self, spend: Any, gradient: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """Incremental contribution of a horizon budget and its derivative.

        Parameters
        ----------
        spend : array (M,)
            Budget per channel over the horizon, original units.
        gradient : bool
            Also return the derivative.

        Returns
        -------
        contribution : ndarray (S, M)
            KPI attributable to the plan's spend (horizon plus carry-over tail), per draw.
        marginal : ndarray (S, M) or None
            ``d contribution / d spend``: the exact marginal ROI per draw.
        """
        spend = np.asarray(spend, dtype=float)
        x = spend * self.slope
        x += self.offset
        values, slopes = self._saturate(x, with_slope=gradient)
        contribution = self.beta * (values.sum(axis=1) - self.base)
        if not gradient:
            return contribution, None
        slopes *= self.slope
        return contribution, self.beta * slopes.sum(axis=1)


def _truth_plan(truth: dict[str, Any]) -> tuple[ChannelPlan, dict[str, np.ndarray]]:
    """The channel plan and transform parameters of a simulation's truth."""
    names = list(truth["channels"])
    rows = [truth["channels"][c] for c in names]
    plan = ChannelPlan(
        channels=tuple(names),
        adstock=tuple(r["adstock"]["type"] for r in rows),
        max_lag=tuple(int(r["adstock"]["max_lag"]) for r in rows),
        saturation=tuple(r["saturation"]["type"] for r in rows),
    )
    params = {
        "geometric_alpha": np.array([r["adstock"]["alpha"] for r in rows]),
        "logistic_lam": np.array([r["saturation"]["lam"] for r in rows]),
    }
    return plan, params


def response_from_truth(
    truth: dict[str, Any], spend: Any, horizon: int = 13, pattern: str = "flat"
) -> ResponseModel:
    """A one-"draw" :class:`ResponseModel` from a simulation's true parameters.

    Parameters
    ----------
    truth : dict
        ``Simulation.truth`` (or the ``.truth.json`` beside a simulated CSV).
    spend : array (T, M)
        The simulated spend, channels in ``truth['channels']`` order.
    horizon : int
        Planned periods; the current plan is the spend of the last ``horizon`` periods.
    pattern : {'flat', 'history'}
    """
    plan, params = _truth_plan(truth)
    rows = [truth["channels"][c] for c in plan.channels]
    spend = np.asarray(spend, dtype=float)
    recent = spend[-horizon:]
    return ResponseModel.from_parameters(
        plan,
        params,
        np.array([r["beta"] for r in rows]),
        np.array([r["spend_scale"] for r in rows]),
        spend_pattern(pattern, recent),
        history=spend,
        current=recent.sum(axis=0),
        pattern_kind=pattern,
    )


def response_from_panel_truth(
    truth: dict[str, Any], geo_spend: Any, horizon: int = 13, pattern: str = "flat"
) -> ResponseModel:
    """A one-"draw" cell :class:`ResponseModel` (geo x channel) from a simulated panel's truth.

    The truth of :func:`mmm.model.simulate_panel.simulate_panel` holds the shared transform
    parameters per channel and each geo's ROI; the coefficient per cell follows as in the
    simulator, ``beta[g, m] = ROI[g, m] * sum_t spend[g, t, m] / sum_t response[g, t, m]``, with
    each geo's spend scaled by its own mean per channel.

    Parameters
    ----------
    truth : dict
        ``Simulation.truth`` of a panel.
    geo_spend : array (G, T, M)
        The simulated spend per geo (national channels split as the truth splits them), geos
        in ``truth['geos']`` order, channels in ``truth['channels']`` order.
    horizon : int
        Planned periods; the current plan is the spend of the last ``horizon`` periods.
    pattern : {'flat', 'history'}
    """
    plan, params = _truth_plan(truth)
    geos = list(truth["geos"])
    spend = np.asarray(geo_spend, dtype=float)
    n_geos, n_periods, _ = spend.shape
    mean = spend.mean(axis=1)
    scale = np.where(mean > 0, mean, 1.0)  # (G, M)
    response = np.stack(
        [plan.response(lag_matrix(spend[g] / scale[g], plan.n_lags), params) for g in range(n_geos)]
    ).sum(axis=1)  # (G, M)
    roi = np.array([[truth["geos"][g][c]["roi"] for c in plan.channels] for g in geos])
    with np.errstate(invalid="ignore", divide="ignore"):
        beta = np.where(response > 0, roi * spend.sum(axis=1) / response, 0.0)
    names = PanelNames(geos, plan.channels, by_geo=True)
    history = spend.transpose(1, 0, 2).reshape(n_periods, -1)
    recent = history[-horizon:]
    model = ResponseModel.from_parameters(
        tile_plan(plan, names, n_geos),
        tile_params(params, n_geos),
        beta.reshape(-1),
        scale.reshape(-1),
        spend_pattern(pattern, recent),
        history=history,
        current=recent.sum(axis=0),
        pattern_kind=pattern,
    )
    return replace(model, channels=names)
