"""The ``mmm`` command line: one small module per command group."""

from __future__ import annotations

import typer

from mmm.cli import (
    attribute,
    compare,
    cv,
    fit,
    funnel,
    ga4,
    lift,
    optimize,
    report,
    serve,
    simulate,
    summary,
)

app = typer.Typer(
    name="mmm",
    help="Bayesian marketing mix modeling: fit, plan, report, attribute.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts say "[default: ...]"; none of them is markup
)
app.command("attribute")(attribute.attribute_command)
app.command("lift")(lift.lift_command)
app.command("funnel")(funnel.funnel_command)
app.command("ga4")(ga4.ga4_command)
app.command("simulate")(simulate.simulate_command)
app.command("fit")(fit.fit_command)
app.command("cv")(cv.cv_command)
app.command("compare")(compare.compare_command)
app.command("summary")(summary.summary_command)
app.command("optimize")(optimize.optimize_command)
app.command("report")(report.report_command)
app.command("serve")(serve.serve_command)


def main() -> None:
    """Entry point of the ``mmm`` console script.

    The command's exit code ends the process without tearing the interpreter down: after a fit,
    freeing the modules and objects of PyMC, PyTensor, Numba and JAX one by one took about a
    second (of a 7 s refit) that the operating system does at once. Exit handlers still run and
    the output is flushed; with a non-daemon thread still running, the exit is the usual one.
    """
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
