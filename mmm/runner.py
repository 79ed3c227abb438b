"""Many fits at once on Dask ``distributed``: cross-validation folds, compared models, markets.

A task is a pure function of picklable inputs (config, data, seed) that returns a small result
or writes one model folder atomically (:func:`mmm.model.store.save_model` stages and renames),
so a task that is retried after its worker died, or run twice, never leaves half a model.

Where the tasks run:

* ``scheduler`` (or the ``MMM_DASK_SCHEDULER`` environment variable) names a running cluster,
  ``tcp://HOST:PORT``; its workers must be able to import mmm (and, for fits that write model
  folders, see the same file system).
* Otherwise an embedded local cluster: ``workers`` worker processes (one per core by default),
  one thread each, started for the run and stopped after it.
* ``sequential=True`` runs them in this process, one after another (no Dask at all).

A worker that dies mid-task has the task rerun on another worker by the scheduler; the same
inputs give the same result wherever a task runs.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from mmm.errors import MmmError

#: Environment variable naming an existing Dask scheduler.
SCHEDULER_ENV = "MMM_DASK_SCHEDULER"

#: Seconds to wait for a named scheduler to answer.
CONNECT_TIMEOUT_S = 10


#: A scheduler chosen for a block of code (:func:`use_scheduler`).
_CHOSEN: contextvars.ContextVar[str | None] = contextvars.ContextVar("scheduler", default=None)


def scheduler_address(scheduler: str | None = None) -> str | None:
    """The scheduler to use: ``scheduler``, else one set by :func:`use_scheduler`, else
    ``$MMM_DASK_SCHEDULER``, else None (a local cluster)."""
    return scheduler or _CHOSEN.get() or os.environ.get(SCHEDULER_ENV) or None


@contextlib.contextmanager
def use_scheduler(address: str | None) -> Iterator[None]:
    """Run the Dask tasks started within the block on ``address`` (None: change nothing).

    For work that starts tasks deep inside a call, such as a fit's chains
    (``sampler.distribute_chains``).
    """
    token = _CHOSEN.set(address or _CHOSEN.get())
    try:
        yield
    finally:
        _CHOSEN.reset(token)


def run_tasks(
    function: Callable[..., Any],
    tasks: Sequence[tuple],
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    sequential: bool = False,
    progress: bool = True,
    label: str = "fits",
) -> list[Any]:
    """``[function(*task) for task in tasks]``, the calls spread over Dask workers.

    Parameters
    ----------
    function : callable
        A module-level function (workers import it by name).
    tasks : sequence of tuple
        The positional arguments of each call.
    scheduler : str, optional
        Address of a running Dask scheduler (see the module doc).
    workers : int, optional
        Worker processes of the local cluster; one per core when omitted.
    sequential : bool
        Run the calls in this process one after another.
    progress : bool
        Show a progress bar on stderr that counts finished tasks.
    label : str
        What the progress bar counts.

    Returns
    -------
    list
        The results in the order of ``tasks``.

    Raises
    ------
    MmmError
        When the named scheduler cannot be reached; a task's own error is raised as it is
        (the remaining tasks are cancelled).
    """
    with _progress_bar(progress, label, len(tasks)) as advance:
        if sequential:
            results = []
            for task in tasks:
                results.append(function(*task))
                advance()
            return results
        with dask_client(scheduler, workers) as client:
            return _gather(client, function, tasks, advance)


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """A ``distributed.Client`` of the named scheduler, or of a local cluster started for it."""
    from distributed import Client, LocalCluster

    address = scheduler_address(scheduler)
    if address is not None:
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise MmmError(
                f"could not reach the Dask scheduler at {address} ({exc}); start it "
                f"(`dask scheduler`) or unset --scheduler / {SCHEDULER_ENV} to run locally",
                key="scheduler",
            ) from None
        with client:
            yield client
        return
    n_workers = workers or os.cpu_count() or 1
    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        yield client


def _gather(client: Any, function: Callable, tasks: Sequence[tuple], advance: Callable) -> list:
    """Submit every task, count them as they finish, return the results in task order."""
    from distributed import as_completed

    futures = [client.submit(run_in_task, function, *task, pure=False) for task in tasks]
    try:
        for future in as_completed(futures, loop=client.loop):
            if future.status == "error":
                future.result()  # raises the task's error
            advance()
        return [future.result() for future in futures]
    finally:
        for future in futures:
            future.cancel()


def run_in_task(function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)`` on a worker, with any Dask work inside it kept in the task.

    (xarray asks Dask for a scheduler when it writes a file; a worker's configuration may
    name the distributed one, which a task has no client of.)
    """
    import dask

    with dask.config.set(scheduler="synchronous"):
        return function(*args)


@contextlib.contextmanager
def _progress_bar(show: bool, label: str, total: int) -> Iterator[Callable[[], None]]:
    """A rich progress bar on stderr counting finished tasks; yields its advance()."""
    if not show:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True)) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)
