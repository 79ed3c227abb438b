"""Reading YAML written by users: every failure is one line naming the file, never a traceback.

PyYAML's own messages run over several lines (``in "<unicode string>", line 2, column 9`` and
a caret) and an undecodable byte escapes as ``UnicodeDecodeError``; these helpers turn both into
one :class:`~mmm.errors.MmmError` (or a subclass the caller names) with the line and column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mmm.errors import MmmError

#: libyaml's parser where PyYAML was built with it (about 40x faster on a large file; the same
#: safe constructor, so the same objects as ``yaml.safe_load``).
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _problem(exc: yaml.YAMLError, from_bytes: bool) -> str:
    """One line describing a YAML error, with the line and column where PyYAML gives them."""
    if isinstance(exc, yaml.reader.ReaderError):
        where, advice = ("byte", "; save the file as UTF-8") if from_bytes else ("character", "")
        return (
            f"not valid YAML text: unreadable character at {where} {exc.position} "
            f"({exc.reason}){advice}"
        )
    mark = getattr(exc, "problem_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
    problem = getattr(exc, "problem", None)
    if not problem:
        lines = str(exc).strip().splitlines()
        problem = lines[0] if lines else type(exc).__name__
    return f"not valid YAML{where}: {' '.join(str(problem).split())}"


def parse_yaml(
    text: str | bytes, source: str | None = None, error: type[MmmError] = MmmError
) -> Any:
    """Parse YAML text (as ``yaml.safe_load``), turning any failure into one line.

    Parameters
    ----------
    text : str or bytes
        The YAML. Bytes are read as UTF-8 (or UTF-16 with a byte-order mark).
    source : str, optional
        Where the text came from, for the message.
    error : type of MmmError
        The error class to raise (e.g. :class:`~mmm.errors.ConfigError`).

    Returns
    -------
    Any
        The parsed document (None for an empty one).

    Raises
    ------
    MmmError
        Of class ``error``: one line with the line and column of the problem, or the offset of
        an undecodable byte (with the advice to save the file as UTF-8).
    """
    try:
        return yaml.load(text, Loader=LOADER)  # a safe loader (see LOADER)
    except yaml.YAMLError as exc:
        raise error(_problem(exc, isinstance(text, bytes)), source=source) from None
    except RecursionError:
        raise error("not valid YAML: nested too deeply", source=source) from None


def read_yaml(path: str | Path, error: type[MmmError] = MmmError, what: str = "file") -> Any:
    """Read and parse a YAML file; every failure is one line naming the file.

    Parameters
    ----------
    path : str or Path
        The file.
    error : type of MmmError
        The error class to raise.
    what : str
        What the file is, for the "not found" message (e.g. ``"config file"``).

    Returns
    -------
    Any
        The parsed document.

    Raises
    ------
    MmmError
        Of class ``error``: the file is missing or unreadable, or not valid YAML (see
        :func:`parse_yaml`).
    """
    path = Path(path)
    if not path.is_file():
        raise error(f"{what} not found", source=str(path))
    try:
        data = path.read_bytes()  # bytes: PyYAML decodes UTF-8 / UTF-16 and reports bad bytes
    except OSError as exc:
        raise error(f"cannot read the file ({exc.strerror or exc})", source=str(path)) from None
    return parse_yaml(data, source=str(path), error=error)
