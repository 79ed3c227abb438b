"""Mutated lift-record files: a DataError naming the file, column and row, or valid records."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from mmm.errors import DataError
from mmm.experiments.records import COLUMNS, read_records

from .mutations import mutated_bytes, mutated_rows, user_error_or_result, write_rows

RECORDS = [
    list(COLUMNS),
    ["tv", "2023-01-01", "2023-02-26", "10000", "-10000", "-50000", "9000"],
    ["search", "2023-03-05", "2023-04-02", "20000", "5000", "12000", "4000"],
    ["social", "2023-06-04", "2023-06-25", "3000", "3000", "2500", "1500.5"],
]
NUMBERS = ["x", "delta_x", "delta_y", "sigma"]


def read(data: bytes):
    """Write ``data`` as a lift-record CSV and read it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lift.csv"
        path.write_bytes(data)
        result = user_error_or_result(lambda: read_records(path), path)
    if isinstance(result, list):
        for record in result:
            values = [record.x, record.delta_x, record.delta_y, record.sigma]
            assert all(math.isfinite(v) for v in values), record
            assert record.sigma > 0 and record.x >= 0 and record.x + record.delta_x >= 0
            assert math.isfinite(record.x + record.delta_x) and record.channel
    return result


def test_unmutated_records_read():
    assert len(read(write_rows(RECORDS).encode())) == 3


@given(rows=mutated_rows(RECORDS))
def test_mutated_cells_rows_and_columns(rows):
    read(write_rows(rows).encode())


@given(data=mutated_bytes(write_rows(RECORDS)))
def test_broken_file_bytes(data):
    read(data)


@given(
    row=st.integers(0, len(RECORDS) - 2),
    column=st.sampled_from(list(COLUMNS)),
    cell=st.sampled_from(["", " ", "abc", "nan", "inf", "-inf", "1e309", "2023-13-01", "-0"]),
)
def test_one_bad_cell_names_its_column_and_row(row, column, cell):
    rows = [list(r) for r in RECORDS]
    rows[row + 1][COLUMNS.index(column)] = cell
    result = read(write_rows(rows).encode())
    delta_x = float(RECORDS[row + 1][COLUMNS.index("delta_x")])
    valid = (column == "channel" and cell.strip()) or (
        cell == "-0" and (column in ("delta_x", "delta_y") or (column == "x" and delta_x >= 0))
    )
    if valid:  # any channel name (the model checks it) or a zero
        assert isinstance(result, list), str(result)
        return
    assert isinstance(result, DataError), f"{cell!r} in {column} was accepted"
    assert result.row == row + 2, str(result)
    related = {("start", "end"), ("x", "delta_x")}  # end before start; x + delta_x below 0
    assert result.key == column or (column, result.key) in related, str(result)


@given(row=st.integers(0, len(RECORDS) - 2), big=st.sampled_from(["1e308", "1.7e308"]))
def test_spend_after_the_change_must_stay_finite(row, big):
    rows = [list(r) for r in RECORDS]
    rows[row + 1][COLUMNS.index("x")] = big
    rows[row + 1][COLUMNS.index("delta_x")] = big
    result = read(write_rows(rows).encode())
    assert isinstance(result, DataError), "x + delta_x overflowing was accepted"
    assert (result.key, result.row) == ("delta_x", row + 2), str(result)


@given(row=st.integers(0, len(RECORDS) - 2), extra=st.sampled_from([["1"], [""], []]))
def test_a_row_with_a_cell_too_many_or_too_few_is_named(row, extra):
    """pandas would read a longer first row with its first cell as the index, shifted."""
    rows = [list(r) for r in RECORDS]
    rows[row + 1] = rows[row + 1] + extra if extra else rows[row + 1][:-1]
    result = read(write_rows(rows).encode())
    assert isinstance(result, DataError), "a ragged row was accepted"
    assert (result.key, result.row) == (None, row + 2), str(result)
    assert "the row has" in result.message
