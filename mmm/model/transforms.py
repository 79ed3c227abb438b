"""Adstock and saturation math, written once for numpy and pytensor alike.

Every function takes an array namespace ``xp`` (``numpy`` or ``pytensor.tensor``); the model
builds its graph with ``pytensor.tensor`` and analysis / the optimizer evaluate the very same
code on posterior draws with ``numpy``. Parameters broadcast over leading dimensions (e.g. draws).

Conventions (see ``docs/model.md``):

* Adstock weights are normalized to sum to one over ``max_lag`` lags, so adstock moves spend in
  time without changing its total.
* Saturation maps scaled spend (spend / mean spend of the channel) to ``[0, 1)``; the channel's
  coefficient ``beta`` is its maximum effect.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

#: A prior as ``(pymc distribution name, keyword arguments)``.
PriorTuple = tuple[str, dict[str, float]]

#: Floor on spend inside logarithms (Hill saturation), so zero spend stays finite.
LOG_FLOOR = 1e-12


# --------------------------------------------------------------------------------------------
# Adstock weights: each returns unnormalized weights of shape (..., M, L) for lags 0..L-1.
# --------------------------------------------------------------------------------------------
def geometric_weights(lags: Any, alpha: Any, xp: ModuleType = np) -> Any:
    """Geometric decay ``alpha ** l``.

    Parameters
    ----------
    lags : array (L,)
        Lag numbers ``0..L-1``.
    alpha : array (..., M)
        Retention rate per period in (0, 1).
    xp : module
        ``numpy`` or ``pytensor.tensor``.

    Returns
    -------
    array (..., M, L)
    """
    return xp.power(alpha[..., None], lags)


def delayed_weights(lags: Any, alpha: Any, theta: Any, xp: ModuleType = np) -> Any:
    """Delayed geometric decay ``alpha ** ((l - theta) ** 2)`` peaking at lag ``theta``.

    Parameters
    ----------
    lags : array (L,)
    alpha : array (..., M)
        Retention rate in (0, 1).
    theta : array (..., M)
        Lag of the peak effect (>= 0).
    xp : module

    Returns
    -------
    array (..., M, L)
    """
    return xp.power(alpha[..., None], (lags - theta[..., None]) ** 2)


def weibull_weights(lags: Any, shape: Any, scale: Any, xp: ModuleType = np) -> Any:
    """Weibull probability density at lags ``1..L`` (the lag-``l`` weight uses ``l + 1``).

    Parameters
    ----------
    lags : array (L,)
    shape : array (..., M)
        Weibull shape k > 0 (k > 1 gives a delayed peak).
    scale : array (..., M)
        Weibull scale in periods (> 0).
    xp : module

    Returns
    -------
    array (..., M, L)
    """
    z = (lags + 1.0) / scale[..., None]
    k = shape[..., None]
    return xp.exp((k - 1.0) * xp.log(z) - xp.power(z, k)) * k / scale[..., None]


# --------------------------------------------------------------------------------------------
# Saturation curves: each maps x >= 0 (scaled spend) to [0, 1).
# --------------------------------------------------------------------------------------------
def logistic_saturation(x: Any, lam: Any, xp: ModuleType = np) -> Any:
    """Logistic saturation ``(1 - exp(-lam x)) / (1 + exp(-lam x)) = tanh(lam x / 2)``.

    Parameters
    ----------
    x : array
        Scaled spend, >= 0.
    lam : array
        Steepness (> 0), broadcast against ``x``.
    xp : module

    Returns
    -------
    array, same shape as the broadcast of ``x`` and ``lam``
    """
    return xp.tanh(lam * x / 2.0)


def hill_saturation(x: Any, k: Any, s: Any, xp: ModuleType = np) -> Any:
    """Hill saturation ``x**s / (x**s + k**s)``, computed stably as a sigmoid in ``log x``.

    Parameters
    ----------
    x : array
        Scaled spend, >= 0.
    k : array
        Half-saturation point (> 0): the spend at which half of the maximum effect is reached.
    s : array
        Slope (> 0); s > 1 gives an S-shaped curve.
    xp : module

    Returns
    -------
    array
    """
    z = s * (xp.log(xp.maximum(x, LOG_FLOOR)) - xp.log(k))
    return 0.5 * (1.0 + xp.tanh(z / 2.0))


def michaelis_menten_saturation(x: Any, k: Any, xp: ModuleType = np) -> Any:
    """Michaelis-Menten saturation ``x / (k + x)``.

    Parameters
    ----------
    x : array
        Scaled spend, >= 0.
    k : array
        Half-saturation point (> 0).
    xp : module

    Returns
    -------
    array
    """
    return x / (k + x)


# --------------------------------------------------------------------------------------------
# Saturation derivatives with respect to the input (the optimizer's exact gradients).
# --------------------------------------------------------------------------------------------
def logistic_derivative(x: Any, lam: Any, xp: ModuleType = np) -> Any:
    """``d/dx tanh(lam x / 2) = lam / 2 * (1 - tanh(lam x / 2) ** 2)``."""
    return 0.5 * lam * (1.0 - xp.tanh(0.5 * lam * x) ** 2)


def logistic_value_and_derivative(x: Any, lam: Any, xp: ModuleType = np) -> tuple[Any, Any]:
    """Logistic value and derivative sharing one ``tanh``."""
    value = xp.tanh(0.5 * lam * x)
    return value, 0.5 * lam * (1.0 - value * value)


def hill_derivative(x: Any, k: Any, s: Any, xp: ModuleType = np) -> Any:
    """``d/dx x**s / (x**s + k**s) = s f (1 - f) / x`` (``x`` floored at :data:`LOG_FLOOR`)."""
    safe = xp.maximum(x, LOG_FLOOR)
    f = hill_saturation(safe, k, s, xp=xp)
    return f * (1.0 - f) * s / safe


def michaelis_menten_derivative(x: Any, k: Any, xp: ModuleType = np) -> Any:
    """``d/dx x / (k + x) = k / (k + x) ** 2``."""
    return k / (k + x) ** 2


# --------------------------------------------------------------------------------------------
# Components: function + parameter names + default priors (in scaled units).
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Component:
    """A named transform with its parameters and their default priors.

    Attributes
    ----------
    name : str
    function : callable
        ``function(x_or_lags, *params, xp=numpy)``.
    default_priors : dict of str -> PriorTuple
        One prior per parameter, in the order ``function`` takes them.
    """

    name: str
    function: Callable[..., Any]
    default_priors: dict[str, PriorTuple]

    @property
    def params(self) -> tuple[str, ...]:
        """Parameter names, in the order the function takes them."""
        return tuple(self.default_priors)


@dataclass(frozen=True)
class SaturationComponent(Component):
    """A saturation curve with what planning needs besides its value.

    Attributes
    ----------
    derivative : callable
        ``derivative(x, *params, xp=numpy)``: ``f'(x)`` with respect to scaled spend.
    s_shaped : bool
        Whether the curve can be S-shaped (not concave) for some parameter values, so a
        budget optimizer must try several starting points.
    value_and_derivative_fn : callable, optional
        ``(x, *params) -> (f, f')`` sharing work between the two; derived from ``function``
        and ``derivative`` when omitted.
    """

    derivative: Callable[..., Any]
    s_shaped: bool = False
    value_and_derivative_fn: Callable[..., tuple[Any, Any]] | None = None

    def value_and_derivative(self, x: Any, *params: Any) -> tuple[Any, Any]:
        """``f(x)`` and ``f'(x)`` (numpy) in one call.

        Parameters
        ----------
        x : ndarray
            Scaled spend, >= 0.
        *params : ndarray
            Parameters in :attr:`params` order, broadcast against ``x``.

        Returns
        -------
        tuple of ndarray
        """
        if self.value_and_derivative_fn is not None:
            return self.value_and_derivative_fn(x, *params)
        return self.function(x, *params), self.derivative(x, *params)


ADSTOCKS: dict[str, Component] = {
    "geometric": Component(
        "geometric", geometric_weights, {"alpha": ("Beta", {"alpha": 2.0, "beta": 2.0})}
    ),
    "delayed": Component(
        "delayed",
        delayed_weights,
        {
            "alpha": ("Beta", {"alpha": 2.0, "beta": 2.0}),
            "theta": ("Gamma", {"alpha": 2.0, "beta": 1.0}),
        },
    ),
    "weibull": Component(
        "weibull",
        weibull_weights,
        {
            "shape": ("Gamma", {"alpha": 3.0, "beta": 2.0}),
            "scale": ("Gamma", {"alpha": 3.0, "beta": 1.0}),
        },
    ),
}

SATURATIONS: dict[str, SaturationComponent] = {
    "logistic": SaturationComponent(
        "logistic",
        logistic_saturation,
        {"lam": ("Gamma", {"alpha": 3.0, "beta": 2.0})},
        derivative=logistic_derivative,
        value_and_derivative_fn=logistic_value_and_derivative,
    ),
    "hill": SaturationComponent(
        "hill",
        hill_saturation,
        {
            "k": ("Gamma", {"alpha": 3.0, "beta": 3.0}),
            "s": ("Gamma", {"alpha": 3.0, "beta": 2.0}),
        },
        derivative=hill_derivative,
        s_shaped=True,  # s > 1
    ),
    "michaelis_menten": SaturationComponent(
        "michaelis_menten",
        michaelis_menten_saturation,
        {"k": ("Gamma", {"alpha": 3.0, "beta": 3.0})},
        derivative=michaelis_menten_derivative,
    ),
}


def lag_matrix(x: np.ndarray, max_lag: int, history: np.ndarray | None = None) -> np.ndarray:
    """Stack lagged copies of spend: ``out[t, m, l] = x[t - l, m]``.

    Parameters
    ----------
    x : ndarray (T, M)
        Spend per period and channel.
    max_lag : int
        Number of lags L (lag 0 included).
    history : ndarray (H, M), optional
        Spend of the periods just before ``x`` (for carry-over into the first periods);
        zeros when omitted.

    Returns
    -------
    ndarray (T, M, L)
    """
    x = np.asarray(x, dtype=float)
    n_periods, n_channels = x.shape
    if history is None:
        history = np.zeros((0, n_channels))
    padded = np.concatenate([np.zeros((max_lag, n_channels)), history, x])[-(n_periods + max_lag) :]
    out = np.empty((n_periods, n_channels, max_lag))
    for lag in range(max_lag):
        out[:, :, lag] = padded[max_lag - lag : max_lag - lag + n_periods]
    return out


@dataclass(frozen=True)
class ChannelPlan:
    """How each channel is transformed; evaluates the whole (T, M) response for either backend.

    Parameters
    ----------
    channels : tuple of str
        Channel names in model order.
    adstock : tuple of str
        Adstock type per channel (keys of :data:`ADSTOCKS`).
    max_lag : tuple of int
        Adstock length per channel.
    saturation : tuple of str
        Saturation type per channel (keys of :data:`SATURATIONS`).
    adstock_first : bool
        Apply adstock before saturation (default) or after.
    """

    channels: tuple[str, ...]
    adstock: tuple[str, ...]
    max_lag: tuple[int, ...]
    saturation: tuple[str, ...]
    adstock_first: bool = True

    @property
    def n_lags(self) -> int:
        """Longest adstock among channels (the lag axis length)."""
        return max(self.max_lag)

    def members(self, kind: str, name: str) -> list[int]:
        """Indices of channels using transform ``name`` of ``kind`` ('adstock'/'saturation')."""
        types = self.adstock if kind == "adstock" else self.saturation
        return [i for i, t in enumerate(types) if t == name]

    def groups(self, kind: str) -> list[str]:
        """Transform names of ``kind`` in use, in first-use order."""
        types = self.adstock if kind == "adstock" else self.saturation
        return list(dict.fromkeys(types))

    @staticmethod
    def param_name(transform: str, param: str) -> str:
        """Model variable holding ``param`` of ``transform``, e.g. 'geometric_alpha'."""
        return f"{transform}_{param}"

    @staticmethod
    def dim_name(transform: str) -> str:
        """Dimension over the channels that use ``transform`` (e.g. 'geometric_channel')."""
        return f"{transform}_channel"

    def _order(self, kind: str) -> tuple[list[int], np.ndarray]:
        """Concatenation order of the groups and the permutation back to channel order."""
        concat = [i for g in self.groups(kind) for i in self.members(kind, g)]
        return concat, np.argsort(concat)

    @staticmethod
    def index_name(saturation: str) -> str:
        """Model data naming the channels that use ``saturation`` ('saturation_hill_index')."""
        return f"saturation_{saturation}_index"

    def held(self, kind: str, every_adstock: bool = True) -> list[str]:
        """The transforms of ``kind`` ('adstock'/'saturation') the model graph holds: every
        registered saturation, and every registered adstock unless ``every_adstock`` is False
        (a panel, whose lag sum is unrolled over ``max_lag`` and so is structure anyway), which
        holds the adstocks in use."""
        if kind == "adstock" and not every_adstock:
            return self.groups(kind)
        return list(ADSTOCKS if kind == "adstock" else SATURATIONS)

    def family_index(self, every_adstock: bool = True) -> dict[str, np.ndarray]:
        """Which channels use which adstock and which saturation, as arrays the model takes as
        data.

        ``'adstock_order'`` and ``'saturation_order'``: the permutations from each kind's
        transforms, concatenated in registry order (each over its channels), back to channel
        order; and every saturation's channel positions (:meth:`index_name`, empty when unused),
        with which it picks its channels' spend. With these as data a model holds every
        adstock and every saturation, so choosing another one reuses the compiled model (see
        :meth:`weights` and :meth:`saturate`): a panel's graph, and a national model's
        every-transform graph (:func:`mmm.model.build.build_model`), which stands in for the
        model's own, cheaper graph until that is compiled. Without ``every_adstock`` (a panel,
        see :meth:`held`) only the saturations are listed.
        """
        out = {}
        registries = {"adstock": ADSTOCKS, "saturation": SATURATIONS}
        if not every_adstock:
            del registries["adstock"]
        for kind, registry in registries.items():
            concat = []
            for name in registry:
                members = self.members(kind, name)
                if kind == "saturation":
                    out[self.index_name(name)] = np.array(members, dtype="int64")
                concat += members
            out[f"{kind}_order"] = np.argsort(concat).astype("int64")
        return out

    def lag_layout(self) -> tuple[np.ndarray, np.ndarray]:
        """Lag numbers ``0..L-1`` (L,) and the mask (M, L) of each channel's lags in use.

        The model takes both as data, so a changed ``max_lag`` reuses the compiled model.
        """
        lags = np.arange(self.n_lags, dtype=float)
        return lags, (lags[None, :] < np.array(self.max_lag)[:, None]).astype(float)

    def weights(
        self,
        params: dict[str, Any],
        xp: ModuleType = np,
        layout: tuple[Any, Any] | None = None,
        families: dict[str, Any] | None = None,
    ) -> Any:
        """Normalized adstock weights, shape (..., M, L); zero beyond each channel's max_lag.

        ``layout`` is :meth:`lag_layout` as the caller holds it (e.g. model data); without it
        the lags and mask are constants of this plan. ``families`` is :meth:`family_index` as
        model data (pytensor graphs only); when it orders the adstocks (``'adstock_order'``),
        every adstock is evaluated on its channels (its
        parameters are over them) and the blocks are put back in channel order before the
        mask and the normalization, so the graph does not depend on which channel uses which
        adstock.
        """
        lags, mask = layout if layout is not None else (np.arange(self.n_lags, dtype=float), None)
        if families is not None and "adstock_order" in families:
            if mask is None:  # each channel's lags in use, as a constant of this plan
                mask = xp.as_tensor(self.lag_layout()[1])
            blocks = [
                comp.function(lags, *self._values(name, params), xp=xp)
                for name, comp in ADSTOCKS.items()
            ]
            raw = _rows(xp.concatenate(blocks, axis=-2), families["adstock_order"]) * mask
            return raw / xp.sum(raw, axis=-1, keepdims=True)
        blocks = []
        for name in self.groups("adstock"):
            comp = ADSTOCKS[name]
            idx = self.members("adstock", name)
            raw = comp.function(lags, *self._values(name, params), xp=xp)
            if mask is not None:
                raw = raw * (mask if len(idx) == len(self.channels) else mask[idx])
            elif any(self.max_lag[i] < self.n_lags for i in idx):  # no constant when all full
                lags_in_use = range(self.n_lags)
                raw = raw * np.array([[lag < self.max_lag[i] for lag in lags_in_use] for i in idx])
            blocks.append(raw / xp.sum(raw, axis=-1, keepdims=True))
        if len(blocks) == 1:  # one transform for all: no index constant (see ``per_channel``)
            return blocks[0]
        _, back = self._order("adstock")
        return xp.concatenate(blocks, axis=-2)[..., back, :]

    def _values(self, transform: str, params: dict[str, Any]) -> list[Any]:
        """The parameters of ``transform`` from ``params``, in its function's order."""
        registry = ADSTOCKS if transform in ADSTOCKS else SATURATIONS
        return [params[self.param_name(transform, p)] for p in registry[transform].params]

    def saturate(
        self,
        x: Any,
        params: dict[str, Any],
        xp: ModuleType = np,
        lagged: bool | None = None,
        families: dict[str, Any] | None = None,
    ) -> Any:
        """Apply each channel's saturation to ``x``.

        ``x`` is (..., T, M), or has its channel axis at -2: the lag tensor (..., T, M, L)
        when saturation comes first, or a panel's time-last (..., M, T). ``lagged`` says which
        (default: a 3-d or larger ``x`` with saturation first is the lag tensor).
        ``families`` is :meth:`family_index` as model data (pytensor graphs only): every
        saturation is evaluated on its channels and the blocks are put back in channel order,
        so the graph does not depend on which channel uses which saturation.
        """
        if lagged is None:
            lagged = getattr(x, "ndim", 0) >= 3 and not self.adstock_first
        if families is not None:  # every saturation, on its channels (none when unused)
            return self._saturate_every(x, params, xp, lagged, families)
        blocks = []
        for name in self.groups("saturation"):
            comp = SATURATIONS[name]
            idx = self.members("saturation", name)
            blocks.append((idx, comp, self._values(name, params)))
        if len(blocks) == 1:  # one saturation for all channels: no index constants
            _, comp, values = blocks[0]
            vals = [v[..., None, :, None] if lagged else v[..., None, :] for v in values]
            return comp.function(x, *vals, xp=xp)
        out = []
        for idx, comp, values in blocks:
            if lagged:
                part = x[..., idx, :]
                vals = [v[..., None, :, None] for v in values]
            else:
                part = x[..., idx]
                vals = [v[..., None, :] for v in values]
            out.append(comp.function(part, *vals, xp=xp))
        _, back = self._order("saturation")
        axis = -2 if lagged else -1
        stacked = out[0] if len(out) == 1 else xp.concatenate(out, axis=axis)
        return stacked[..., back, :] if lagged else stacked[..., back]

    def _saturate_every(
        self, x: Any, params: dict[str, Any], xp: ModuleType, lagged: bool, families: dict
    ) -> Any:
        """Every saturation on its channels, put back in channel order (see :meth:`saturate`).

        A (T, M) input is handled channels first, so that picking a saturation's channels and
        putting them back in order take rows: a gather along the first axis is PyTensor's
        cheapest (with the adstock order's rows, :func:`_rows`, the example's gradient cost 28.9
        against 36.4 us per call). The lag tensor and a panel's time-last input keep the gather
        along their channel axis (-2).
        """
        order = families["saturation_order"]
        parts = []
        for name, comp in SATURATIONS.items():
            idx = families[self.index_name(name)]
            part = x[..., idx, :] if lagged else x.T[idx]  # channels on axis -2 either way
            values = [v[:, None] for v in self._values(name, params)]
            parts.append(comp.function(part, *values, xp=xp))
        rows = _rows(xp.concatenate(parts, axis=-2), order)
        return rows if lagged else rows.T

    def response(
        self,
        lagged_x: Any,
        params: dict[str, Any],
        xp: ModuleType = np,
        layout: tuple[Any, Any] | None = None,
        families: dict[str, Any] | None = None,
    ) -> Any:
        """Saturated, adstocked response per period and channel, shape (..., T, M), in [0, 1).

        Parameters
        ----------
        lagged_x : array (T, M, L)
            Output of :func:`lag_matrix` on scaled spend.
        params : dict of str -> array (..., M_g)
            Transform parameters keyed by :meth:`param_name`.
        xp : module
            ``numpy`` (leading draw dimensions allowed) or ``pytensor.tensor``.
        layout : tuple, optional
            :meth:`lag_layout` as model data (see :meth:`weights`).
        families : dict, optional
            :meth:`family_index` as model data (see :meth:`saturate`).
        """
        w = self.weights(params, xp=xp, layout=layout, families=families)
        if self.adstock_first:
            adstocked = _convolve(lagged_x, w, xp)
            return self.saturate(adstocked, params, xp=xp, families=families)
        saturated = self.saturate(lagged_x, params, xp=xp, families=families)
        if getattr(saturated, "ndim", 3) > 3:  # numpy with draws: (..., T, M, L)
            return np.einsum("...tml,...ml->...tm", saturated, w)
        return _convolve(saturated, w, xp)


def _rows(matrix: Any, order: Any) -> Any:
    """``matrix[..., order, :]``; a 2-d matrix's rows picked as ``matrix[order]``, which PyTensor
    gathers (and differentiates) faster."""
    return matrix[order] if matrix.ndim == 2 else matrix[..., order, :]


def _convolve(lagged_x: Any, weights: Any, xp: ModuleType) -> Any:
    """Weighted sum over the lag axis: (T, M, L) x (..., M, L) -> (..., T, M)."""
    if xp is np:
        return np.einsum("tml,...ml->...tm", lagged_x, weights)
    # A broadcast product and sum: PyTensor turns it into one fused loop (its einsum becomes
    # a batched dot that made each log-density evaluation ~1.7x slower).
    return xp.sum(lagged_x * weights, axis=-1)


def padded_spend(x: np.ndarray, max_lag: int) -> np.ndarray:
    """Spend, time last, after ``max_lag - 1`` zero periods: (..., T, M) -> (..., M, T+L-1).

    The input of :func:`shifted_response`, which needs no lag tensor: L times less memory than
    :func:`lag_matrix` for long panels. Time is the last (contiguous) axis so that the model's
    element-wise loops run along the long series rather than the few channels.
    """
    x = np.swapaxes(np.asarray(x, dtype=float), -1, -2)
    pad = [(0, 0)] * x.ndim
    pad[-1] = (max_lag - 1, 0)
    return np.ascontiguousarray(np.pad(x, pad))


def shifted_response(
    plan: ChannelPlan,
    padded: Any,
    params: dict[str, Any],
    xp: ModuleType,
    families: dict[str, Any] | None = None,
) -> Any:
    """:meth:`ChannelPlan.response` from padded spend (:func:`padded_spend`), shape (..., M, T).

    The lag sum ``sum_l w[m, l] x[m, t - l]`` is a sum of L shifted slices of the padded
    series, so the number of periods stays symbolic and no (M, T, L) tensor is built. With
    saturation first, the padded zeros saturate to zero, so the same sum applies after it.
    The result keeps the input's time-last layout. ``families``: see :meth:`ChannelPlan.saturate`.
    """
    weights = plan.weights(params, xp=xp, families=families)  # (M, L)
    n_lags = plan.n_lags
    saturate = functools.partial(
        plan.saturate, params=params, xp=xp, lagged=True, families=families
    )
    x = padded if plan.adstock_first else saturate(padded)
    end = x.shape[-1]
    total = 0.0
    for lag in range(n_lags):
        stop = end - lag if lag else None
        total = total + weights[..., lag, None] * x[..., n_lags - 1 - lag : stop]
    return saturate(total) if plan.adstock_first else total
