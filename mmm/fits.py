"""Whole fits: a config in, a model folder out; one in this process or many on Dask.

:func:`fit_and_save` is the pure task of the design (config -> model folder, written to a
staging folder and renamed by :func:`mmm.model.store.save_model`), so running it again after a
worker died, or twice, never leaves half a model. :func:`fit_many` spreads several of them over
Dask with :func:`mmm.runner.run_tasks`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from mmm.errors import MmmError
from mmm.experiments.records import LiftRecord
from mmm.model.config import Config
from mmm.model.data import Dataset


def fit_and_save(
    config: Config,
    target: str | Path,
    progress: bool = False,
    on_stage: Callable[[str], None] | None = None,
    on_data: Callable[[Dataset, list[LiftRecord]], None] | None = None,
    dataset: Dataset | None = None,
) -> dict:
    """Load the data, fit (holding out ``validation.holdout_periods``), save to ``target``.

    Parameters
    ----------
    config : Config
    target : str or Path
        The model folder (replaced only once the new model is complete).
    progress : bool
        Show the sampler's progress bar.
    on_stage : callable, optional
        Told each stage as it starts (see :func:`mmm.model.fit.fit`).
    on_data : callable, optional
        Called with the dataset and lift tests once they are read, before the fit.
    dataset : Dataset, optional
        The config's data, already read (:func:`mmm.model.data.load_dataset`).

    Returns
    -------
    dict
        The model's summary (``summary.json``), with ``fit.holdout`` when a holdout was set.
    """
    from mmm.analysis.summary import summary_dict
    from mmm.model.data import load_dataset
    from mmm.model.fit import load_lift_records
    from mmm.model.store import check_writable_target, save_model
    from mmm.validation.holdout import fit_with_holdout

    check_writable_target(target)  # before sampling, not after minutes of it
    dataset = load_dataset(config) if dataset is None else dataset
    lift_records = load_lift_records(config)
    if on_data is not None:
        on_data(dataset, lift_records)
    fitted, holdout = fit_with_holdout(config, dataset, lift_records, progress, on_stage)
    if on_stage is not None:
        on_stage("summarizing and saving")
    summary = summary_dict(fitted)
    if holdout is not None:
        summary["fit"]["holdout"] = {k: round(v, 4) for k, v in holdout.items()}
    save_model(fitted, target, summary)
    return summary


def fit_many(
    configs: Sequence[Config],
    targets: Sequence[str | Path],
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    sequential: bool = False,
    progress: bool = True,
) -> list[dict]:
    """Fit and save every config (:func:`fit_and_save`), spread over Dask.

    Parameters
    ----------
    configs : sequence of Config
    targets : sequence of str or Path
        A distinct model folder per config.
    scheduler, workers, sequential, progress
        Where the fits run (:func:`mmm.runner.run_tasks`).

    Returns
    -------
    list of dict
        Each model's summary, in the order of ``configs``.

    Raises
    ------
    MmmError
        When two configs would write the same folder, a folder cannot be written or a config's
        data fails its checks, before anything is fitted. The data travel to the workers with
        the task; only the model folders need a file system the workers share.
    """
    from mmm.model.data import load_dataset
    from mmm.model.store import check_writable_target
    from mmm.runner import run_tasks

    folders = [Path(t).resolve() for t in targets]
    for i, folder in enumerate(folders):
        if folder in folders[:i]:
            raise MmmError(
                f"two configs would write the same model folder {targets[i]}; give them "
                "different names",
                key="name",
            )
        check_writable_target(folder)
    datasets = [load_dataset(config) for config in configs]
    tasks = [
        (config, folder, False, None, None, dataset)
        for config, folder, dataset in zip(configs, folders, datasets, strict=True)
    ]
    return run_tasks(
        fit_and_save,
        tasks,
        scheduler=scheduler,
        workers=workers,
        sequential=sequential,
        progress=progress,
        label="fits",
    )
