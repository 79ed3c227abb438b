"""Pieces the benchmark scripts share: child peak memory, timestamps, the stop-at deadline, and
the simulated panel model the diagnostics sample."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path


def spawn_with_rusage() -> None:
    """Make ``subprocess.Popen`` record each child's own peak RSS via ``os.wait4``."""
    original = subprocess.Popen._try_wait

    def _try_wait(self, wait_flags):
        try:
            pid, status, usage = os.wait4(self.pid, wait_flags)
        except ChildProcessError:
            return original(self, wait_flags)
        if pid == self.pid:
            self._bench_rss_mb = usage.ru_maxrss / 1024  # kB on Linux
        return (pid, status)

    subprocess.Popen._try_wait = _try_wait


ROOT = Path(__file__).resolve().parents[1]


def package_versions(packages: tuple[str, ...]) -> dict[str, str]:
    """Python's and each package's installed version, as a result row records them."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in packages:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            module = sys.modules.get(pkg.replace("-", "_"))
            out[pkg] = getattr(module, "__version__", "not installed")
    return out


def mmm_code() -> str:
    """The commit mmm's code was at, with '+edits' when mmm/ had uncommitted changes."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run([*git, "status", "--porcelain", "mmm"], capture_output=True, text=True)
    return head.stdout.strip() + ("+edits" if dirty.stdout.strip() else "")


def now() -> str:
    """The current UTC time as a result row records it."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def deadline_passed(args: argparse.Namespace) -> bool:
    """Whether the ``--stop-at`` time (epoch seconds in ``args.stop_at``) has passed."""
    return args.stop_at is not None and time.time() > args.stop_at


def stop_at_timestamp(value: str | None) -> float | None:
    """Epoch seconds of a ``--stop-at HH:MM`` (UTC, today), or None when it is not given."""
    if not value:
        return None
    hh, mm = (int(v) for v in value.split(":"))
    return datetime.now(UTC).replace(hour=hh, minute=mm, second=0).timestamp()


def simulated_panel_model(geos: int, weeks: int, channels: int):
    """The config and nutpie model of a ``simulate_panel`` panel (seed 1), as ``mmm fit`` builds it.

    Returns
    -------
    config : mmm.model.config.Config
    compiled : nutpie model
    """
    from mmm.model.build import build_model
    from mmm.model.config import parse_config
    from mmm.model.data import dataset_from_frame
    from mmm.model.nuts import compile_for_nutpie
    from mmm.model.simulate_panel import panel_config, simulate_panel

    sim = simulate_panel(seed=1, geos=geos, weeks=weeks, n_channels=channels)
    config = parse_config(panel_config(sim, "unused.csv"))
    model, _ = build_model(config, dataset_from_frame(sim.frame, config))
    return config, compile_for_nutpie(model)
