"""Time-slice cross-validation: rolling-origin folds, each fitted and scored out of sample.

Fold k fits the first ``n_k`` periods and predicts the next ``horizon`` (see :mod:`.holdout`);
the training lengths run evenly from ``min_train`` to ``n_periods - horizon``, so the last fold
predicts the last periods of the data. Each fold's fit is one task of :func:`mmm.runner.run_tasks`
(local worker processes by default, a Dask cluster when named), seeded by the config alone, so
the folds give the same results wherever they run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mmm.analysis.intervals import interval
from mmm.analysis.posterior import roi_draws
from mmm.errors import MmmError
from mmm.experiments.records import LiftRecord
from mmm.model.config import Config
from mmm.model.data import Dataset
from mmm.model.fit import fit
from mmm.runner import run_tasks
from mmm.validation.holdout import forecast, training_window
from mmm.validation.metrics import crps, predictive_interval, r2_mape


@dataclass(frozen=True)
class FoldResult:
    """One fold: its training window, out-of-sample scores, forecast and channel ROIs.

    Attributes
    ----------
    train_periods : int
    train_end : str
        Date of the last training period (ISO).
    scores : dict
        ``mape``, ``r2``, ``crps``, ``coverage_90`` over the fold's predicted periods.
    roi : dict of str -> dict
        Each channel's ROI ``{mean, lo, hi}`` (the config's interval) on the training periods.
    dates : list of str
        The predicted periods.
    actual, mean, lo, hi, crps, covered : ndarray (H,)
        Per predicted period: the KPI, the forecast's posterior mean and central 90%
        predictive interval, its CRPS and whether the interval holds the KPI.
    diagnostics : dict
        The fold fit's convergence summary.
    """

    train_periods: int
    train_end: str
    scores: dict
    roi: dict
    dates: list
    actual: np.ndarray
    mean: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    crps: np.ndarray
    covered: np.ndarray
    diagnostics: dict

    def to_dict(self) -> dict:
        """The fold's entry of ``mmm cv --json``."""
        rounded = {k: round(v, 4) for k, v in self.scores.items()}
        return (
            {"train_end": self.train_end, "train_periods": self.train_periods}
            | rounded
            | {
                "roi": self.roi,
                "diagnostics": self.diagnostics,
            }
        )


@dataclass(frozen=True)
class CvResult:
    """All folds of a cross-validation, pooled scores and ROI stability.

    Attributes
    ----------
    folds : list of FoldResult
    horizon : int
    """

    folds: list[FoldResult]
    horizon: int

    def overall(self) -> dict:
        """``mape``, ``r2``, ``crps``, ``coverage_90`` over every held-out (fold, period).

        R² and MAPE pool the folds' posterior means; CRPS and coverage average the periods.
        """
        actual = np.concatenate([f.actual for f in self.folds])
        mean = np.concatenate([f.mean for f in self.folds])
        out = r2_mape(actual, mean) | {
            "crps": float(np.concatenate([f.crps for f in self.folds]).mean()),
            "coverage_90": float(np.concatenate([f.covered for f in self.folds]).mean()),
        }
        return {k: round(v, 4) for k, v in out.items()}

    def unstable_channels(self) -> list[str]:
        """Channels whose ROI moves beyond its own interval across folds.

        A channel is unstable when some fold's ROI mean lies outside another fold's interval.
        """
        out = []
        for channel in self.folds[0].roi:
            means = [f.roi[channel]["mean"] for f in self.folds]
            lows = [f.roi[channel]["lo"] for f in self.folds]
            highs = [f.roi[channel]["hi"] for f in self.folds]
            if max(means) > min(highs) or min(means) < max(lows):
                out.append(channel)
        return out

    def to_dict(self) -> dict:
        """The output of ``mmm cv --json``."""
        return {
            "horizon": self.horizon,
            "folds": [f.to_dict() for f in self.folds],
            "overall": self.overall(),
            "unstable_roi": self.unstable_channels(),
        }


def rolling_origins(n_periods: int, folds: int, horizon: int, min_train: int) -> list[int]:
    """Training lengths of the folds, evenly from ``min_train`` to ``n_periods - horizon``.

    Raises
    ------
    MmmError
        When the data cannot hold that many distinct folds.
    """
    last = n_periods - horizon
    if folds < 1 or horizon < 1:
        raise MmmError("--folds and --horizon must be at least 1", key="folds")
    if min_train > last:
        raise MmmError(
            f"{n_periods} periods leave {last} to train on before a {horizon}-period horizon, "
            f"fewer than --min-train {min_train}; lower --min-train or --horizon",
            key="min_train",
        )
    if folds == 1:
        return [last]
    if last - min_train < folds - 1:
        raise MmmError(
            f"only {last - min_train + 1} distinct folds fit between --min-train {min_train} "
            f"and {last} periods; use fewer --folds or a lower --min-train",
            key="folds",
        )
    return [int(round(v)) for v in np.linspace(min_train, last, folds)]


def default_min_train(n_periods: int, horizon: int) -> int:
    """Two thirds of the periods before the last horizon (at least one period)."""
    return max(1, (2 * (n_periods - horizon)) // 3)


def fold_task(
    config: Config, dataset: Dataset, lift_records: Sequence[LiftRecord], n_train: int, horizon: int
) -> FoldResult:
    """Fit the first ``n_train`` periods and score the next ``horizon`` (a Dask task)."""
    window = dataset.first_periods(n_train + horizon)
    train = training_window(window, config, horizon)
    inside = [r for r in lift_records if r.end <= train.dates[-1].date()]
    fitted = fit(config, train, inside, progress=False)
    predicted = forecast(fitted, window)
    actual, mean = predicted.actual, predicted.mu.mean(axis=0)
    lo, hi = predictive_interval(predicted.replicated)
    period_crps = crps(actual, predicted.replicated)
    held = (actual >= lo) & (actual <= hi)
    roi = interval(roi_draws(fitted), config.interval)
    return FoldResult(
        train_periods=n_train,
        train_end=str(train.dates[-1].date()),
        scores=r2_mape(actual, mean)
        | {"crps": float(period_crps.mean()), "coverage_90": float(held.mean())},
        roi={
            name: {stat: float(roi[stat][i]) for stat in ("mean", "lo", "hi")}
            for i, name in enumerate(config.channel_names)
        },
        dates=[str(d.date()) for d in predicted.dates],
        actual=actual,
        mean=mean,
        lo=lo,
        hi=hi,
        crps=period_crps,
        covered=held,
        diagnostics=fitted.diagnostics.to_dict(),
    )


def cross_validate(
    config: Config,
    dataset: Dataset,
    folds: int = 5,
    horizon: int = 13,
    min_train: int | None = None,
    lift_records: Sequence[LiftRecord] = (),
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    sequential: bool = False,
    progress: bool = True,
) -> CvResult:
    """Rolling-origin cross-validation of ``config`` on ``dataset``.

    Parameters
    ----------
    config : Config
    dataset : Dataset
    folds : int
        Number of folds.
    horizon : int
        Periods predicted by each fold.
    min_train : int, optional
        Training periods of the first fold; :func:`default_min_train` when omitted.
    lift_records : sequence of LiftRecord
        Lift tests; each fold uses those whose window ends within its training periods.
    scheduler, workers, sequential, progress
        Where the fold fits run (:func:`mmm.runner.run_tasks`).

    Returns
    -------
    CvResult
    """
    min_train = default_min_train(dataset.n_periods, horizon) if min_train is None else min_train
    origins = rolling_origins(dataset.n_periods, folds, horizon, min_train)
    for n_train in origins:  # a too-short first fold fails here, not on a worker
        training_window(dataset.first_periods(n_train + horizon), config, horizon)
    tasks = [(config, dataset, tuple(lift_records), n, horizon) for n in origins]
    results = run_tasks(
        fold_task,
        tasks,
        scheduler=scheduler,
        workers=workers,
        sequential=sequential,
        progress=progress,
        label="cross-validation folds",
    )
    return CvResult(list(results), horizon)
