"""Read attribution input: aggregated path tables (event logs: :mod:`mmm.attribution.events`).

Two inputs are accepted:

* an **aggregated path table**, one row per distinct path, with the columns ``path``
  (``"search > email > display"``), ``conversions`` and, optionally, ``value`` and ``nulls``
  (journeys on that path that did not convert);
* an **event log** (CSV or Parquet) with the fixed columns ``user_id``, ``timestamp``,
  ``channel``, ``conversion`` and ``value``. It is turned into paths inside DuckDB (window
  functions and ``string_agg``, in :mod:`mmm.attribution.events`), so ten million events
  never become ten million Python objects.

:func:`mmm.attribution.inputs.read_input` reads either; both read files through
:mod:`mmm.attribution.tables`.

Both end as a :class:`PathData`: the aggregated table plus, for an event log, the SQL of the
journey touches so that time decay can use real touch timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mmm.attribution.event_touches import EventTouches, from_lists
from mmm.attribution.tables import column_types, read_table, reader_message
from mmm.errors import DataError, MmmError

SEP = " > "
EVENT_COLUMNS = ("user_id", "timestamp", "channel", "conversion", "value")
PATH_COLUMNS = ("path", "conversions", "value", "nulls")
#: DuckDB types a path table's columns are read as they are; any other type is read as text.
NUMERIC_TYPES = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
     "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "BOOLEAN"}
)  # fmt: skip


@dataclass(frozen=True)
class Touches:
    """Touch-level arrays of the distinct paths, sorted by path then position.

    Attributes
    ----------
    path_id : numpy.ndarray
        Index into the path table of each touch.
    position : numpy.ndarray
        0-based position of the touch in its path.
    channel : numpy.ndarray
        Integer code of the touch's channel (index into ``channels``).
    length : numpy.ndarray
        Number of touches of each path (one entry per path).
    channels : list of str
        Channel names, sorted.
    """

    path_id: np.ndarray
    position: np.ndarray
    channel: np.ndarray
    length: np.ndarray
    channels: list[str]


@dataclass
class PathData:
    """Aggregated journeys ready for attribution.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per distinct path: ``path``, ``conversions``, ``value``, ``nulls``.
    source : str
        Where the data came from (for messages).
    touches_sql : str, optional
        For event logs: a DuckDB query of the converted journeys' touches with columns
        ``journey``, ``channel``, ``age_days`` (time before the conversion) and ``value``.
    unattributed_conversions : float
        For event logs: conversions whose journey has no touch left (no channel row in the
        lookback window, e.g. a second conversion in the same session); they are not in
        ``table``.
    journeys_sql : str, optional
        For event logs: the path query that also lists each path's converting journeys' touch
        ages (read by :meth:`event_touches` when the first read did not keep them).
    """

    table: pd.DataFrame
    source: str = "<paths>"
    touches_sql: str | None = None
    connection: duckdb.DuckDBPyConnection | None = field(default=None, repr=False)
    unattributed_conversions: float = 0.0
    journeys_sql: str | None = field(default=None, repr=False)
    _touches: Touches | None = field(default=None, repr=False)
    _event_touches: EventTouches | None = field(default=None, repr=False)

    @property
    def total_conversions(self) -> float:
        """Total conversions over all paths."""
        return float(self.table["conversions"].sum())

    @property
    def total_value(self) -> float:
        """Total conversion value over all paths."""
        return float(self.table["value"].sum())

    def touches(self) -> Touches:
        """Return the touch-level arrays (split in DuckDB, cached)."""
        if self._touches is None:
            self._touches = split_paths(self.table, self.source)
        return self._touches

    def channels(self) -> list[str]:
        """Return the sorted channel names."""
        return self.touches().channels

    def event_touches(self) -> EventTouches | None:
        """Return the converting journeys' touches with their ages (event logs only).

        Kept from the first read when :func:`~mmm.attribution.paths_from_events` was asked for
        them (``touch_times=True``); otherwise queried once here and cached. ``None`` for an
        aggregated path table, which has no times.
        """
        if self._event_touches is None and self.journeys_sql is not None:
            if self.connection is None:
                return None
            try:
                lists = self.connection.sql(self.journeys_sql).to_arrow_table()
            except duckdb.Error as exc:
                raise MmmError(
                    f"cannot read the event log: {reader_message(exc)}", source=self.source
                ) from None
            self.keep_event_touches(lists)
        return self._event_touches

    def keep_event_touches(self, lists: pa.Table) -> None:
        """Store the converting journeys' touch ages from the path query's list columns."""
        touches = self.touches()
        self._event_touches = from_lists(lists, touches.length, touches.channel, self.source)


def read_paths(source: str | Path | pd.DataFrame) -> PathData:
    """Read and validate an aggregated path table.

    Parameters
    ----------
    source : str, Path or pandas.DataFrame
        A CSV/Parquet file or a data frame with ``path`` and ``conversions`` and optionally
        ``value`` and ``nulls``.

    Returns
    -------
    PathData

    Raises
    ------
    MmmError
        On a missing column, an empty path or a negative / missing count.
    """
    if isinstance(source, pd.DataFrame):
        frame, name = source.copy(), "<paths>"
    else:
        name = str(source)
        con = duckdb.connect()
        relation = read_table(source)
        columns = ", ".join(
            _as_read(column, kind) for column, kind in column_types(con, relation, name).items()
        )
        try:
            frame = con.sql(f"SELECT {columns} FROM {relation}").to_arrow_table().to_pandas()
        except duckdb.Error as exc:
            raise MmmError(f"cannot read the file: {reader_message(exc)}", source=name) from None
    return validate_paths(frame, name)


def _as_read(column: str, kind: str) -> str:
    """A column as numbers when DuckDB read numbers, otherwise as text.

    DuckDB guesses types: a path column of ``inf`` cells becomes an infinite DATE, which
    pandas cannot hold; as text, the checks below report it.
    """
    quoted = '"' + column.replace('"', '""') + '"'
    if kind in NUMERIC_TYPES or kind.startswith("DECIMAL"):
        return quoted
    return f"CAST({quoted} AS VARCHAR) AS {quoted}"


def validate_paths(frame: pd.DataFrame, source: str = "<paths>") -> PathData:
    """Check an aggregated path table and return it as :class:`PathData`."""
    for column in PATH_COLUMNS:
        if (frame.columns == column).sum() > 1:
            raise DataError(f"more than one column named '{column}'", source=source, key=column)
    for column in ("path", "conversions"):
        if column not in frame.columns:
            raise DataError(
                f"missing column '{column}' (an aggregated path table needs 'path' and "
                f"'conversions'; columns found: {', '.join(map(str, frame.columns))})",
                source=source,
                key=column,
            )
    path = frame["path"]
    missing = path.isna() | (path.astype(str).str.strip() == "")
    if missing.any():
        raise DataError("empty path", source=source, key="path", row=_first(missing))
    numbers = {}
    for column in ("conversions", "value", "nulls"):
        if column not in frame.columns:
            numbers[column] = np.zeros(len(frame))
            continue
        values = _as_numbers(frame[column])
        bad = pd.Series(~(np.isfinite(values) & (values >= 0)))
        if bad.any():
            row = _first(bad)
            raw = frame[column].iloc[row - 2]
            raise DataError(
                f"expected a non-negative number, got {raw!r}", source=source, key=column, row=row
            )
        numbers[column] = values
    offsets, tokens = _split(pa.array(path.astype(str), type=pa.string()))
    empty = pc.equal(tokens, "")
    if pc.any(empty).as_py():
        first_token = int(pc.index(empty, True).as_py())
        row = int(np.searchsorted(offsets, first_token, side="right")) - 1
        raise DataError(
            "empty channel name in path (two separators in a row, or a leading/trailing '>')",
            source=source,
            key="path",
            row=row + 2,
        )
    normalised = pc.binary_join(
        pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), tokens), SEP
    )
    grouped = (
        pa.table({"path": normalised, **numbers})
        .group_by("path", use_threads=False)
        .aggregate([(c, "sum") for c in ("conversions", "value", "nulls")])
        .rename_columns(["path", "conversions", "value", "nulls"])
    )
    grouped = grouped.filter(
        pc.greater(pc.add(grouped["conversions"], grouped["nulls"]), 0)
    ).sort_by("path")
    out = grouped.to_pandas()
    if out.empty:
        raise DataError("no journeys: every path has zero conversions and nulls", source=source)
    return PathData(table=out, source=source)


def _as_numbers(column: pd.Series) -> np.ndarray:
    """The column as floats; NaN where a value is not a number."""
    try:
        values = pd.to_numeric(column, errors="coerce")
    except (TypeError, ValueError):  # e.g. a list in a cell of an in-memory table
        values = pd.to_numeric(column.map(lambda v: v if np.isscalar(v) else None), errors="coerce")
    return values.to_numpy(dtype="float64", na_value=np.nan)


def _split(paths: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Split path strings at '>' and trim the names: list offsets and the flat names (Arrow)."""
    if isinstance(paths, pa.ChunkedArray):
        paths = paths.combine_chunks()
    lists = pc.split_pattern(paths, ">")
    offsets = np.asarray(lists.offsets, dtype=np.int64)
    offsets = offsets - offsets[0]
    tokens = pc.utf8_trim_whitespace(lists.flatten())
    return offsets, tokens


def _first(mask: pd.Series) -> int:
    """1-based spreadsheet row (header = row 1) of the first True in a mask."""
    return int(np.flatnonzero(mask.to_numpy(dtype=bool))[0]) + 2


def split_paths(table: pd.DataFrame, source: str = "<paths>") -> Touches:
    """Split the ``path`` strings into touch-level integer arrays (Arrow compute, no loops)."""
    offsets, tokens = _split(pa.array(table["path"].astype(str), type=pa.string()))
    encoded = pc.dictionary_encode(tokens)
    names = encoded.dictionary.to_pylist()
    order = np.argsort(np.asarray(names, dtype=object))
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    channel = rank[np.asarray(encoded.indices, dtype=np.int64)]
    length = np.diff(offsets)
    if (length == 0).any():
        raise DataError("empty path", source=source, key="path")
    path_id = np.repeat(np.arange(len(length), dtype=np.int64), length)
    position = np.arange(len(path_id), dtype=np.int64) - offsets[:-1][path_id]
    return Touches(
        path_id=path_id,
        position=position,
        channel=channel,
        length=length,
        channels=[str(names[i]) for i in order],
    )
