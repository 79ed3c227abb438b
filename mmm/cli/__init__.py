"""The ``mmm`` command line: one small module per command group."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="mmm",
    help="Bayesian marketing mix modeling: fit, plan, report, attribute.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def main() -> None:
    """Entry point of the ``mmm`` console script."""
    app()
