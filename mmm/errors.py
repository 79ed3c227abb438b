"""User-facing errors: one clear message naming the file, key or column and row."""

from __future__ import annotations


class MmmError(Exception):
    """An error caused by the user's input (config, data, arguments).

    The CLI prints these as one message without a traceback and exits with code 2.

    Parameters
    ----------
    message : str
        What is wrong and, where possible, how to fix it.
    source : str, optional
        The file the problem is in.
    key : str, optional
        The config key or data column concerned.
    row : int, optional
        The 1-based data row (as a spreadsheet shows it, header = row 1).
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        key: str | None = None,
        row: int | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.key = key
        self.row = row
        super().__init__(self.format())

    def format(self) -> str:
        """Return the message prefixed with where the problem is."""
        where = []
        if self.source:
            where.append(str(self.source))
        if self.key:
            where.append(f"'{self.key}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class ConfigError(MmmError):
    """The YAML configuration is invalid."""


class DataError(MmmError):
    """The input data fails a validation check."""
