"""Shared CLI helpers: the console and user-error handling."""

from __future__ import annotations

import functools
from collections.abc import Callable

import typer
from rich.console import Console
from rich.markup import escape

from mmm.errors import MmmError

console = Console()
err_console = Console(stderr=True)

USER_ERROR_EXIT_CODE = 2


def user_errors[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """Turn an :class:`MmmError` raised by a command into one message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except MmmError as exc:
            # escaped: a path or quoted text with [brackets] is not markup; soft_wrap: one line
            message = f"[bold red]error:[/] {escape(exc.format())}"
            err_console.print(message, highlight=False, soft_wrap=True)
            raise typer.Exit(USER_ERROR_EXIT_CODE) from None

    return wrapper
