"""How centred each geo x channel cell of a panel's ROI hierarchy is sampled, from a pilot run.

A geo's log ROI scatters around its channel's, ``log ROI[g, m] = log ROI[m] + tau[m] * u``.
The non-centred form (sample u) suits a cell its geo's data say little about; the centred form
(sample log ROI[g, m] itself) suits a cell the data pin down. A panel has both kinds, and either
form alone leaves the sampler a ridge or a funnel. So each cell gets its own degree of centring
``c`` in [0, 1] (the parameterization in :func:`mmm.model.panel_model.geo_coefficients`), set
to the share of the cell's posterior precision that comes from its own data::

    c[g, m] = 1 - Var(log ROI[g, m] | data) / E[tau[m] ** 2 | data]

(0 where the data add nothing to the hierarchy's prior, near 1 where they dominate it), at most
:data:`MAX_CENTRING`, and 0 for a channel whose spread may be near zero. The
variances come from a short pilot run of the same compiled model, before the main run; every
``c`` gives the same posterior, so a rough estimate only costs sampling speed, never accuracy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from mmm.model.config import Config, SamplerConfig

#: The data variable the pilot sets (see :func:`mmm.model.inputs.model_data`).
CENTRING_DATA = "geo_centring_data"

#: The most a cell is centred: a pilot's estimate is rough, and a weakly informed cell sampled
#: fully centred is a funnel (divergences); short of 1, it keeps part of the non-centred form.
MAX_CENTRING = 0.8

#: A channel is centred only where the pilot pins its spread away from zero (the 5% quantile of
#: the spread at least this share of its median); near zero, any centred cell is a funnel.
MIN_SPREAD_RATIO = 0.3

#: Maps a pilot run's posterior to data values for the main run.
type Pilot = Callable[[xr.Dataset], dict[str, np.ndarray]]


def pilot_length(sampler: SamplerConfig) -> tuple[int, int]:
    """Warm-up and kept draws per chain of the pilot run: a fifth and a tenth of the main run's,
    within 50-200 and 50-100."""
    tune = int(np.clip(sampler.tune // 5, 50, 200))
    draws = int(np.clip(sampler.draws // 10, 50, 100))
    return tune, draws


def cell_centring(posterior: xr.Dataset, partial: list[str]) -> np.ndarray:
    """The degree of centring of every geo x channel cell, from posterior draws.

    Parameters
    ----------
    posterior : xarray.Dataset
        Draws with ``roi_geo`` (chain, draw, geo, roi_channel) and ``geo_effect_sd``
        (chain, draw, channel).
    partial : list of str
        The channels with partial pooling and an ROI prior (others get 0, non-centred, and so
        does a channel whose spread the draws do not keep away from zero, see
        :data:`MIN_SPREAD_RATIO`).

    Returns
    -------
    numpy.ndarray
        (geo, channel) in the order of ``geo_effect_sd``'s channels, each in
        [0, :data:`MAX_CENTRING`].
    """
    channels = list(posterior["geo_effect_sd"].coords["channel"].values)
    n_geos = posterior.sizes["geo"]
    centring = np.zeros((n_geos, len(channels)))
    for name in partial:
        tau = posterior["geo_effect_sd"].sel(channel=name).to_numpy().ravel()
        low, median = np.quantile(tau, [0.05, 0.5])
        if low < MIN_SPREAD_RATIO * median:  # the spread may be ~0: centring would be a funnel
            continue
        log_roi = np.log(posterior["roi_geo"].sel(roi_channel=name).to_numpy())
        draws = log_roi.reshape(-1, n_geos)
        shrinkage = 1.0 - draws.var(axis=0) / float(np.mean(tau**2))
        centring[:, channels.index(name)] = np.clip(shrinkage, 0.0, MAX_CENTRING)
    return centring


def centring_pilot(config: Config) -> Pilot | None:
    """What the pilot run sets from its posterior, or None when the model has nothing to set.

    A panel with at least one channel of partial pooling and an ROI prior gets a pilot unless
    ``panel.geo_effect_form`` is ``non_centred``.
    """
    if config.panel.geo_effect_form != "adaptive":
        return None
    partial = [c.name for c in config.channels if c.pooling == "partial" and c.prior.roi]
    if not partial:
        return None
    return lambda posterior: {CENTRING_DATA: cell_centring(posterior, partial)}
