"""Stop signals in-process: SIGTERM as an interrupt, swallowed stops raised again, held stops."""

from __future__ import annotations

import contextlib
import signal

import pytest

from mmm.interrupts import (
    Terminated,
    deferred_interrupts,
    exit_code,
    propagate_interrupts,
    terminate_as_interrupt,
)


def test_sigterm_raises_terminated_and_the_handler_is_restored():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated), terminate_as_interrupt():
        signal.raise_signal(signal.SIGTERM)
    assert signal.getsignal(signal.SIGTERM) is before


def test_exit_codes_follow_the_shell_convention():
    assert exit_code(KeyboardInterrupt()) == 130
    assert exit_code(Terminated()) == 143


def test_a_swallowed_interrupt_is_raised_after_the_block():
    reached_end = False
    with pytest.raises(KeyboardInterrupt), propagate_interrupts():
        with contextlib.suppress(KeyboardInterrupt):  # as PyMC's sampler does: keep the draws
            signal.raise_signal(signal.SIGINT)
        reached_end = True
    assert reached_end


def test_check_stops_early_and_an_error_after_a_stop_is_reported_as_the_stop():
    with pytest.raises(Terminated), terminate_as_interrupt(), propagate_interrupts() as stops:
        with contextlib.suppress(KeyboardInterrupt):
            signal.raise_signal(signal.SIGTERM)
        with pytest.raises(Terminated):
            stops.check()
        raise ValueError("Not enough samples to build a trace.")


def test_no_stop_means_no_interrupt():
    with propagate_interrupts() as stops:
        stops.check()


def test_held_signals_are_delivered_after_the_block():
    delivered_after = False
    with pytest.raises(KeyboardInterrupt), deferred_interrupts() as pending:
        signal.raise_signal(signal.SIGINT)
        assert pending == [signal.SIGINT]
        delivered_after = True
    assert delivered_after
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_stop_during_the_folder_swap_keeps_the_earlier_model(tmp_path, monkeypatch):
    """The swap itself runs; the stop it saw puts the earlier model back before it is raised."""
    from mmm.model import store

    target = tmp_path / "model"
    target.mkdir()
    (target / "posterior.nc").write_text("earlier")
    real_swap = store._staging._swap

    def swap_then_stop(self, old):
        had_old = real_swap(self, old)
        assert (self.target / "posterior.nc").read_text() == "new"  # the swap did happen
        signal.raise_signal(signal.SIGINT)
        return had_old

    monkeypatch.setattr(store._staging, "_swap", swap_then_stop)
    with pytest.raises(KeyboardInterrupt), store._staging(target) as staging:
        (staging / "posterior.nc").write_text("new")
    assert (target / "posterior.nc").read_text() == "earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
