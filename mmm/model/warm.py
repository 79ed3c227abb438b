"""Compile a fitted model's structure with Numba in the background, for the next fits of it.

Under ``sampler.compile_backend: auto`` the first fit of a model structure samples with JAX,
which compiles in about a second (:func:`mmm.model.nuts.choose_compile_backend`). Later fits of
the same structure sample several times faster with the Numba code PyTensor keeps in its cache
(the example: 1.3 s of sampling against 3.0-3.7 s), which takes tens of seconds to compile once.
After saving such a fit, or one sampled with the cached code of the model's every-transform
graph (a config edit of a channel's transform), ``mmm fit`` starts ``python -m mmm.model.warm
MODEL_DIR``: a detached, low-priority process that builds the saved model and compiles its
Numba code into the cache, so the user's next fit of the structure (another dataset, a refit,
any sizes) loads it instead of compiling or falling back to JAX or to the slower stand-in.

``MMM_BACKGROUND_COMPILE=0`` turns the background compile off. Its output goes to
``mmm-background-compile.log`` in PyTensor's compile directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pymc as pm

    from mmm.experiments.records import LiftRecord
    from mmm.model.config import Config
    from mmm.model.data import Dataset

#: Set to 0 to keep ``mmm fit`` from starting background compiles.
ENV_SWITCH = "MMM_BACKGROUND_COMPILE"

#: A lock older than this is taken to be left by a compile that died.
STALE_LOCK_SECONDS = 3600


def background_compile_enabled() -> bool:
    """Whether ``mmm fit`` may start background compiles (``$MMM_BACKGROUND_COMPILE``)."""
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


def log_path() -> Path:
    """Where background compiles write their output: PyTensor's compile directory."""
    import pytensor

    return Path(pytensor.config.base_compiledir) / "mmm-background-compile.log"


def start_background_compile(model_dir: str | Path) -> int:
    """Start compiling the saved model's structure in a detached, low-priority process.

    Parameters
    ----------
    model_dir : str or Path
        A model folder written by ``mmm fit`` (:func:`mmm.model.store.save_model`).

    Returns
    -------
    int
        The process id. The process outlives the caller; it exits when the code is in the cache.
    """
    log = log_path()
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "mmm.model.warm", str(Path(model_dir).resolve())],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=os.name == "posix",  # not stopped by the terminal's Ctrl-C
        )
    return process.pid


def wait_for_exit(pid: int, timeout: float | None = None) -> float:
    """Wait for a background compile (or any process ``pid``, child or not) to exit.

    Parameters
    ----------
    pid : int
        What :func:`start_background_compile` returned (``mmm fit`` prints it).
    timeout : float, optional
        Seconds to wait at most; None waits as long as it runs.

    Returns
    -------
    float
        Seconds waited.

    Raises
    ------
    TimeoutError
        When the process still runs after ``timeout`` seconds.
    """
    start = time.monotonic()
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return time.monotonic() - start
        if timeout is not None and time.monotonic() - start > timeout:
            raise TimeoutError(f"process {pid} still ran after {timeout:g} s")
        time.sleep(0.2)


def compile_saved_model(model_dir: str | Path) -> bool:
    """Compile the Numba code of a saved model's structure into PyTensor's cache.

    Parameters
    ----------
    model_dir : str or Path
        A model folder written by ``mmm fit``.

    Returns
    -------
    bool
        What :func:`compile_structures` returns.
    """
    from mmm.model.store import load_model

    fitted = load_model(model_dir)
    return compile_structures(fitted.config, fitted.dataset, fitted.lift_records)


def compile_structures(
    config: Config, dataset: Dataset, lift_records: Sequence[LiftRecord] = ()
) -> bool:
    """Compile the Numba code of a model's structure into PyTensor's cache, as after a fit.

    A national model's own graph comes first (the next refit samples with it), then its
    every-transform graph (:func:`mmm.model.build.build_model`), whose code serves the first fit
    after a config edit that changes a channel's adstock or saturation. A panel has one graph.

    Parameters
    ----------
    config : Config
    dataset : Dataset
    lift_records : sequence of LiftRecord

    Returns
    -------
    bool
        True when this call compiled either; False when the cache held both already or other
        processes are compiling them.
    """
    from mmm.model.build import build_model

    compiled = False
    for every_transform in [False] if dataset.is_panel else [False, True]:
        model, _ = build_model(config, dataset, lift_records, every_transform=every_transform)
        compiled = _compile_into_cache(model) or compiled
    return compiled


def _compile_into_cache(model: pm.Model) -> bool:
    """Compile ``model``'s Numba code into the cache; False when there or being compiled."""
    from mmm.model.nuts import numba_graphs
    from mmm.model.structures import remember

    graphs = numba_graphs(model)
    if graphs.in_cache():
        remember(graphs.fingerprint)  # a cache filled before the markers existed
        return False
    lock = log_path().with_name(f"mmm-compiling-{graphs.cache_key()[:32]}.lock")
    if not _take(lock):
        return False
    try:
        graphs.load()
    finally:
        lock.unlink(missing_ok=True)
    return True


def _take(lock: Path) -> bool:
    """Create ``lock``; False when a live compile holds it (one younger than an hour)."""
    try:
        if time.time() - lock.stat().st_mtime > STALE_LOCK_SECONDS:
            lock.unlink(missing_ok=True)
    except FileNotFoundError:
        pass
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    return True


def main(argv: list[str]) -> int:
    """``python -m mmm.model.warm MODEL_DIR``: compile at low priority, log one line."""
    if len(argv) != 1:
        print("usage: python -m mmm.model.warm MODEL_DIR", file=sys.stderr)
        return 2
    if hasattr(os, "nice"):
        os.nice(10)  # the user's next fit comes first
    start = time.perf_counter()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    try:
        compiled = compile_saved_model(argv[0])
    except Exception as exc:  # the log is all a detached process can tell
        print(f"{stamp} {argv[0]}: failed: {type(exc).__name__}: {exc}", flush=True)
        return 1
    what = "compiled" if compiled else "already in the cache or being compiled"
    print(f"{stamp} {argv[0]}: {what} ({time.perf_counter() - start:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
