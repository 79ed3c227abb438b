"""Stop signals (Ctrl-C, SIGTERM): end long work promptly and never leave half a model behind.

A stop reaches library code as :class:`KeyboardInterrupt`. Python raises it on SIGINT;
:func:`terminate_as_interrupt` (which ``mmm fit`` installs) raises :class:`Terminated`, a
subclass, on SIGTERM, so every ``except KeyboardInterrupt`` and ``finally`` cleans up for both.
Two helpers keep that promise where other code gets in the way:

* :func:`propagate_interrupts` raises again, after a block, a stop that code in the block caught
  and swallowed (PyMC's sampler catches KeyboardInterrupt and returns the draws so far);
* :func:`deferred_interrupts` holds stop signals back while a few lines that must not be cut in
  half run (swapping a model folder into place), then delivers them.

Signal handlers belong to the main thread; in any other thread these helpers change nothing.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: The signals that ask a run to stop.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that cleanup written for KeyboardInterrupt runs for it too."""

    signum = signal.SIGTERM


def exit_code(stop: KeyboardInterrupt) -> int:
    """The exit status a shell expects after a stop: 128 + the signal number.

    Parameters
    ----------
    stop : KeyboardInterrupt
        The interrupt; a :class:`Terminated` counts as SIGTERM, anything else as SIGINT.

    Returns
    -------
    int
        130 for Ctrl-C, 143 for SIGTERM.
    """
    return 128 + int(getattr(stop, "signum", signal.SIGINT))


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` instead of killing the process."""

    def raise_terminated(_signum: int, _frame: object) -> None:
        raise Terminated()

    with _handlers({signal.SIGTERM: raise_terminated}):
        yield


class Stops:
    """The stops seen in a :func:`propagate_interrupts` block."""

    def __init__(self) -> None:
        self.caught: list[BaseException] = []

    def check(self, *_args: object, **_kwargs: object) -> None:
        """Raise the first stop seen, if any (usable as a per-draw sampler callback)."""
        if self.caught:
            raise self.caught[0].with_traceback(None)


@contextmanager
def propagate_interrupts() -> Iterator[Stops]:
    """Raise, after the block, a stop that code inside it caught without raising it again.

    Some code swallows KeyboardInterrupt: PyMC's sampler returns the draws so far, and an
    interrupt that lands in a Numba/LLVM callback while compiling is printed and ignored. Only
    signals with a Python handler (Ctrl-C always; SIGTERM under :func:`terminate_as_interrupt`)
    are watched; the handler still runs as before.

    Yields
    ------
    Stops
        Call its :meth:`~Stops.check` between steps to stop before the end of the block.
    """
    stops = Stops()

    def watching(handler: Callable) -> Callable:
        def watched(signum: int, frame: object) -> None:
            try:
                handler(signum, frame)
            except BaseException as exc:
                stops.caught.append(exc)
                raise

        return watched

    current = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    try:
        with _handlers({s: watching(h) for s, h in current.items() if callable(h)}):
            yield stops
    except Exception:
        stops.check()  # an error after a swallowed stop (e.g. "no draws yet") is the stop's doing
        raise
    stops.check()


@contextmanager
def deferred_interrupts() -> Iterator[list[int]]:
    """Hold stop signals back during the block and deliver them after it.

    Yields
    ------
    list of int
        The signals received so far in the block (the block may check it to undo its work
        before the signal is delivered).
    """
    pending: list[int] = []

    def hold(signum: int, _frame: object) -> None:
        pending.append(signum)

    held = {s: hold for s in STOP_SIGNALS if signal.getsignal(s) is not signal.SIG_IGN}
    try:
        with _handlers(held):
            yield pending
    finally:
        for signum in dict.fromkeys(pending):
            signal.raise_signal(signum)


@contextmanager
def _handlers(handlers: dict[int, Callable]) -> Iterator[None]:
    """Install ``handlers`` for the block and restore the previous ones after it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, object] = {}
    try:
        for signum, handler in handlers.items():
            if signal.getsignal(signum) is not None:  # None: set outside Python, not restorable
                previous[signum] = signal.signal(signum, handler)
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
