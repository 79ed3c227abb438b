"""Model variables from configured priors, shared by the national and the panel model."""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from mmm.errors import ConfigError
from mmm.model.config import ChannelConfig, Config, Prior
from mmm.model.transforms import ADSTOCKS, SATURATIONS, ChannelPlan


def prior_rv(name: str, prior: Prior, dims: str | tuple | None = None) -> pt.TensorVariable:
    """A model variable with the configured prior."""
    return getattr(pm, prior.dist)(name, **prior.params, dims=dims)


def vector_prior_rv(name: str, priors: list[Prior], dims: str | tuple) -> pt.TensorVariable:
    """One vector variable whose elements may have different parameters of one family."""
    families = {p.dist for p in priors}
    if len(families) > 1:
        raise ConfigError(
            f"priors for '{name}' mix distributions {sorted(families)} across channels; "
            "channels sharing a transform must use one distribution family per parameter",
            key=name,
        )
    keys = set().union(*(p.params for p in priors))
    kwargs = {k: per_channel([p.params[k] for p in priors]) for k in keys}
    return getattr(pm, priors[0].dist)(name, **kwargs, dims=dims)


def per_channel(values: list) -> np.ndarray | float | str:
    """One value per channel as an array, or the single value when all channels share it.

    A shared value keeps the compiled model independent of the number of channels: an array
    constant's length is part of the graph, a scalar broadcast over the channel dim is not.
    """
    if len(set(values)) == 1:
        return values[0]
    return np.array(values)


def transform_parameters(
    config: Config, plan: ChannelPlan, every_adstock: bool = True
) -> dict[str, pt.TensorVariable]:
    """The adstock and saturation parameters, one vector per transform over its channels.

    Every transform the model holds (:meth:`ChannelPlan.held`; without ``every_adstock``, only
    the adstocks in use): one no channel uses has parameters with no elements (its dim empty;
    see :meth:`ChannelPlan.family_index`), so the model graph does not depend on which of them
    the channels use.

    Parameters
    ----------
    config : Config
    plan : ChannelPlan

    Returns
    -------
    dict of str -> TensorVariable
        Keyed by :meth:`ChannelPlan.param_name`.
    """
    params = {}
    for kind, registry in (("adstock", ADSTOCKS), ("saturation", SATURATIONS)):
        for name in plan.held(kind, every_adstock):
            members = [config.channels[i] for i in plan.members(kind, name)]
            for param, (dist, kwargs) in registry[name].default_priors.items():
                default = Prior.of(dist, **kwargs)
                priors = [_channel_transform(c, kind).priors.get(param, default) for c in members]
                var = plan.param_name(name, param)
                params[var] = vector_prior_rv(var, priors or [default], plan.dim_name(name))
    return params


def _channel_transform(channel: ChannelConfig, kind: str):
    return channel.adstock if kind == "adstock" else channel.saturation
