"""Pieces every benchmark script shares: child peak memory, timestamps, the stop-at deadline."""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from datetime import UTC, datetime


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


def now() -> str:
    """The current UTC time as a result row records it."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def deadline_passed(args: argparse.Namespace) -> bool:
    """Whether the ``--stop-at`` time (epoch seconds in ``args.stop_at``) has passed."""
    return args.stop_at is not None and time.time() > args.stop_at
