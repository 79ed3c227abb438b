"""Holdout: fit on the earlier periods, predict the last ones, score the prediction.

The forecast of the held-out periods uses every posterior draw with the same transform code as
the fit: adstock carries the training periods' spend over into the held-out ones, the trend
continues (a flexible trend as :func:`mmm.model.trends.trend_basis` extends it), and the
observation noise is the model's own (see :func:`mmm.analysis.posterior.posterior_predictive`).
Scales and centring stay those of the training periods, so nothing of the held-out KPI enters
the prediction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mmm.analysis.posterior import geo_predicted_mean, posterior_predictive
from mmm.errors import ConfigError
from mmm.experiments.records import LiftRecord
from mmm.model.checks import count_parameters
from mmm.model.config import Config
from mmm.model.data import Dataset
from mmm.model.fit import FittedModel, fit
from mmm.model.inputs import build_design
from mmm.validation.metrics import predictive_scores

#: Seed of the observation noise added to the forecast draws.
NOISE_SEED = 0


@dataclass(frozen=True)
class Forecast:
    """Predictions of periods after those a model was fitted on (national KPI, sums over geos).

    Attributes
    ----------
    dates : DatetimeIndex
        The predicted periods.
    actual : ndarray (T,)
        The observed KPI of those periods.
    mu : ndarray (S, T)
        Expected KPI per posterior draw.
    replicated : ndarray (S, T)
        Predictive draws, observation noise included.
    """

    dates: object
    actual: np.ndarray
    mu: np.ndarray
    replicated: np.ndarray

    def scores(self) -> dict:
        """``{periods, r2, mape, coverage_90, crps}`` (:func:`~.metrics.predictive_scores`)."""
        return predictive_scores(self.actual, self.mu, self.replicated)


def training_window(dataset: Dataset, config: Config, holdout_periods: int) -> Dataset:
    """The periods before the last ``holdout_periods`` of ``dataset``.

    Raises
    ------
    ConfigError
        When fewer training periods would remain than the model has parameters (per geo).
    """
    n_train = dataset.n_periods - holdout_periods
    needed = count_parameters(config, len(dataset.event_names)) + 1
    if n_train < needed:
        raise ConfigError(
            f"holding out {holdout_periods} of {dataset.n_periods} periods leaves {n_train} to "
            f"fit a model with {needed - 1} parameters; hold out at most "
            f"{max(dataset.n_periods - needed, 0)} periods",
            key="validation.holdout_periods",
        )
    return dataset.first_periods(n_train)


def forecast(fitted: FittedModel, dataset: Dataset) -> Forecast:
    """Predict the periods of ``dataset`` that follow those ``fitted`` was fitted on.

    Parameters
    ----------
    fitted : FittedModel
        A model fitted on the first periods of ``dataset``.
    dataset : Dataset
        The fitted periods followed by those to predict (same geos, channels and controls).

    Returns
    -------
    Forecast
    """
    n_fitted = fitted.dataset.n_periods
    if dataset.n_periods <= n_fitted or not dataset.dates[:n_fitted].equals(fitted.dataset.dates):
        raise ValueError("dataset must start with the fitted periods and continue past them")
    extended = dataclasses.replace(fitted, dataset=dataset)
    design = build_design(fitted.config, dataset, fitted.scales, n_fitted)
    mu = sum(
        geo_predicted_mean(extended, geo, design, n_fitted)[:, n_fitted:]
        for geo in range(dataset.n_geos)
    )
    replicated = posterior_predictive(extended, NOISE_SEED, mu=mu)
    return Forecast(dataset.dates[n_fitted:], dataset.target[n_fitted:], mu, replicated)


def fit_with_holdout(
    config: Config,
    dataset: Dataset,
    lift_records: Sequence[LiftRecord] = (),
    progress: bool = True,
    on_stage: Callable[[str], None] | None = None,
) -> tuple[FittedModel, dict | None]:
    """Fit as :func:`mmm.model.fit.fit`, holding out ``config.validation.holdout_periods``.

    Returns
    -------
    fitted : FittedModel
        Fitted on the training periods (all of them when nothing is held out).
    holdout : dict or None
        The held-out periods' scores (:meth:`Forecast.scores`); None without a holdout.
    """
    periods = config.validation.holdout_periods
    if not periods:
        return fit(config, dataset, lift_records, progress, on_stage), None
    train = training_window(dataset, config, periods)
    fitted = fit(config, train, lift_records, progress, on_stage)
    return fitted, forecast(fitted, dataset).scores()
