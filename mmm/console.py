"""The ``mmm`` console script: the process's settings, then the command line (:mod:`mmm.cli`).

The settings: the garbage collector's thresholds, and xarray's test for Dask arrays
(:func:`mmm.lazy_dask.defer_dask_import`).

It lives outside :mod:`mmm.cli` because importing that package imports every command, and the
settings here must come before those imports.
"""

from __future__ import annotations

import gc

from mmm.lazy_dask import defer_dask_import

#: Allocations (net of frees) between two collections of the garbage collector's youngest
#: generation in an ``mmm`` process (Python's default: 700 in 3.12, 2,000 in 3.13).
#: Importing PyMC, PyTensor and Numba and building a model's graph create some 400,000
#: objects that live as long as the process, and at the default the collector kept walking
#: them for little to free. With :func:`mmm.lazy_dask.defer_dask_import` this saved 0.17-0.29 s
#: of a 3.5 s warm refit of the example (``benchmarks/process_settings.py``). The older
#: generations keep their thresholds, so garbage cycles are still collected.
YOUNG_GENERATION_THRESHOLD = 50_000


def main() -> None:
    """Entry point of the ``mmm`` console script.

    The command's exit code ends the process without tearing the interpreter down: after a fit,
    freeing the modules and objects of PyMC, PyTensor, Numba and JAX one by one took about a
    second (of a 7 s refit) that the operating system does at once. Exit handlers still run and
    the output is flushed; with a non-daemon thread still running, the exit is the usual one.
    """
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *gc.get_threshold()[1:])
    defer_dask_import()
    from mmm.cli import app

    try:
        app()
    except SystemExit as done:
        _exit_without_teardown(done)
        raise


def _exit_without_teardown(done: SystemExit) -> None:
    """``os._exit`` with ``done``'s code, after the exit handlers; returns when a non-daemon
    thread still runs (Python would wait for it) or the code is not a number."""
    import atexit
    import contextlib
    import os
    import sys
    import threading

    code = 0 if done.code is None else done.code
    if not isinstance(code, int):
        return
    if any(
        t.is_alive() and not t.daemon
        for t in threading.enumerate()
        if t is not threading.main_thread()
    ):
        return
    atexit._run_exitfuncs()  # logging.shutdown, temporary folders, ... as at a normal exit
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed, or a broken pipe
            stream.flush()
    os._exit(code)
