"""CSV and Parquet files as DuckDB relations, read the same way for path tables and event logs.

:func:`read_table` turns a file name into a DuckDB table expression, :func:`table_columns` lists
its columns (a file DuckDB cannot parse becomes one :class:`~mmm.errors.MmmError`), and
:func:`is_event_log` tells an event log from an aggregated path table by those columns.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from mmm.errors import MmmError


def read_table(source: str | Path) -> str:
    """Return a DuckDB table expression reading a CSV or Parquet file.

    Parameters
    ----------
    source : str or Path
        A ``.csv`` (also ``.txt``, ``.gz``) or ``.parquet`` (``.pq``) file.

    Returns
    -------
    str
        ``read_csv('...', header=true)`` or ``read_parquet('...')``.

    Raises
    ------
    MmmError
        When the file does not exist or has another suffix.
    """
    path = Path(source)
    if not path.exists():
        raise MmmError("file not found", source=str(source))
    quoted = str(path).replace("'", "''")
    if path.suffix.lower() in {".parquet", ".pq"}:
        return f"read_parquet('{quoted}')"
    if path.suffix.lower() in {".csv", ".txt", ".gz"}:
        return f"read_csv('{quoted}', header=true)"
    raise MmmError("expected a .csv or .parquet file", source=str(source))


def table_columns(con: duckdb.DuckDBPyConnection, relation: str, source: str) -> list[str]:
    """Return the column names of a DuckDB relation.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    relation : str
        A table expression (see :func:`read_table`) or a registered view name.
    source : str
        The file name for messages.

    Raises
    ------
    MmmError
        When DuckDB cannot read the relation.
    """
    return list(column_types(con, relation, source))


def column_types(con: duckdb.DuckDBPyConnection, relation: str, source: str) -> dict[str, str]:
    """Return the columns of a DuckDB relation with their SQL types (``{"value": "DOUBLE"}``).

    Raises
    ------
    MmmError
        When DuckDB cannot read the relation.
    """
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    except duckdb.Error as exc:
        raise MmmError(f"cannot read the file: {reader_message(exc)}", source=source) from None
    return {row[0]: row[1] for row in described}


def reader_message(exc: duckdb.Error) -> str:
    """DuckDB's error in one line: its first two lines (what and where), without the hints."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return "; ".join(lines[:2])


def is_event_log(source: str | Path) -> bool:
    """Return True when the file has the event-log columns, False for a path table."""
    con = duckdb.connect()
    cols = table_columns(con, read_table(source), str(source))
    return "path" not in cols and {"user_id", "channel"} <= set(cols)
