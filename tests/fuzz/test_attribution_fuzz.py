"""Mutated path tables and event logs: an MmmError naming the file, column and row, or paths."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmm.attribution import PathData, paths_from_events, read_input, read_paths
from mmm.errors import DataError, MmmError

from .mutations import (
    any_value,
    mutated_bytes,
    mutated_rows,
    user_error_or_result,
    write_rows,
)

PATHS = [
    ["path", "conversions", "value", "nulls"],
    ["search > email", "3", "120.5", "2"],
    ["display", "1", "10", "0"],
    ["social > search > email", "0", "0", "5"],
    ["email", "2", "40", "1"],
    ["search > display > email", "4", "300", "0"],
]
EVENTS = [
    ["user_id", "timestamp", "channel", "conversion", "value"],
    ["u1", "2025-01-01 09:00:00", "search", "false", "0"],
    ["u1", "2025-01-02 10:00:00", "email", "false", "0"],
    ["u1", "2025-01-03 11:00:00", "email", "true", "50"],
    ["u1", "2025-01-04 12:00:00", "display", "false", "0"],
    ["u2", "2025-01-01 08:00:00", "direct", "false", "0"],
    ["u2", "2025-02-10 08:00:00", "search", "false", "0"],
    ["u2", "2025-02-11 08:00:00", "search", "true", "20"],
    ["u3", "2025-01-01 07:00:00", "social", "true", "5"],
    ["u3", "2025-01-02 07:00:00", "email", "true", "7.5"],
]


#: Each example opens DuckDB (tens of milliseconds), so these tests try fewer inputs.
duckdb_examples = settings(max_examples=50)


def check_paths(data: PathData) -> None:
    """What attribution relies on: finite non-negative counts and splittable paths."""
    table = data.table
    for column in ("conversions", "value", "nulls"):
        values = table[column].to_numpy(dtype=float)
        assert np.isfinite(values).all() and (values >= 0).all(), (column, values)
    assert math.isfinite(data.total_conversions) and math.isfinite(data.total_value)
    touches = data.touches()
    assert len(touches.length) == len(table) and (touches.length > 0).all()


def read(data: bytes, reader=read_input, suffix: str = ".csv"):
    """Write ``data`` to a file and read it with ``reader``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"journeys{suffix}"
        path.write_bytes(data)
        result = user_error_or_result(lambda: reader(path), path)
        if isinstance(result, PathData):
            check_paths(result)
    return result


def test_unmutated_tables_read():
    assert isinstance(read(write_rows(PATHS).encode(), read_paths), PathData)
    assert isinstance(read(write_rows(EVENTS).encode(), paths_from_events), PathData)
    assert read(write_rows(EVENTS).encode()).touches_sql is not None


@duckdb_examples
@given(rows=mutated_rows(PATHS), reader=st.sampled_from([read_input, read_paths]))
def test_mutated_path_table(rows, reader):
    read(write_rows(rows).encode(), reader)


@duckdb_examples
@given(data=mutated_bytes(write_rows(PATHS)), reader=st.sampled_from([read_input, read_paths]))
def test_broken_path_table_bytes(data, reader):
    read(data, reader)


@duckdb_examples
@given(rows=mutated_rows(EVENTS), reader=st.sampled_from([read_input, paths_from_events]))
def test_mutated_event_log(rows, reader):
    read(write_rows(rows).encode(), reader)


@duckdb_examples
@given(data=mutated_bytes(write_rows(EVENTS)))
def test_broken_event_log_bytes(data):
    read(data, paths_from_events)


@duckdb_examples
@given(
    row=st.integers(0, len(PATHS) - 2),
    column=st.sampled_from(["conversions", "value", "nulls"]),
    cell=st.sampled_from(["-1", "abc", "inf", "-inf", "1e309", "-0.5", "1,5"]),
)
def test_one_bad_count_names_its_column_and_row(row, column, cell):
    rows = [list(r) for r in PATHS]
    rows[row + 1][PATHS[0].index(column)] = cell
    result = read(write_rows(rows).encode(), read_paths)
    assert isinstance(result, DataError), f"{cell!r} in {column} was accepted"
    assert (result.key, result.row) == (column, row + 2), str(result)


@duckdb_examples
@given(
    row=st.integers(0, len(EVENTS) - 2),
    column=st.sampled_from(["user_id", "timestamp", "conversion", "value", "channel"]),
    cell=st.sampled_from(["", "abc", "-1", "inf", "nan", "1e309", "a > b", "2025-13-01"]),
)
def test_one_bad_event_cell_names_its_column_and_row(row, column, cell):
    """Any user id but an empty one is fine, and so are no value and any channel without '>'."""
    rows = [list(r) for r in EVENTS]
    rows[row + 1][EVENTS[0].index(column)] = cell
    result = read(write_rows(rows).encode(), paths_from_events)
    bad = {
        "user_id": cell == "",
        "timestamp": True,
        "conversion": True,
        "value": cell != "",
        "channel": ">" in cell,
    }[column]
    if not bad:
        assert isinstance(result, PathData), str(result)
    else:
        assert isinstance(result, DataError), f"{cell!r} in {column} was accepted"
        assert (result.key, result.row) == (column, row + 2), str(result)


@duckdb_examples
@given(
    row=st.integers(0, len(PATHS) - 2),
    column=st.sampled_from(PATHS[0]),
    value=any_value,
)
def test_in_memory_path_table_with_odd_python_values(row, column, value):
    frame = pd.DataFrame(PATHS[1:], columns=PATHS[0]).astype(object)
    cells = list(frame[column])
    cells[row] = value
    frame[column] = pd.Series(cells, dtype=object)
    result = user_error_or_result(lambda: read_paths(frame), "<paths>")
    if isinstance(result, PathData):
        check_paths(result)


@duckdb_examples
@given(
    row=st.integers(0, len(EVENTS) - 2),
    column=st.sampled_from(EVENTS[0]),
    value=st.one_of(any_value, st.sampled_from([pd.Timestamp("2025-01-01", tz="UTC"), pd.NaT])),
)
def test_in_memory_event_log_with_odd_python_values(row, column, value):
    frame = pd.DataFrame(EVENTS[1:], columns=EVENTS[0])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    frame["conversion"] = frame["conversion"] == "true"
    frame["value"] = frame["value"].astype(float)
    frame = frame.astype(object)
    cells = list(frame[column])
    cells[row] = value
    frame[column] = pd.Series(cells, dtype=object)
    result = user_error_or_result(lambda: paths_from_events(frame), "<events>")
    if isinstance(result, PathData):
        check_paths(result)


@pytest.mark.parametrize("lookback", [math.nan, math.inf, -1.0, 0.0, 1e12])
def test_lookback_must_be_a_positive_finite_number_of_days(lookback):
    frame = pd.DataFrame(EVENTS[1:], columns=EVENTS[0])
    with pytest.raises(MmmError, match="lookback_days must be positive") as info:
        paths_from_events(frame, lookback_days=lookback)
    assert info.value.key == "lookback"
