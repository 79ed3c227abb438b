"""Mutated model data: a DataError naming the file, column and row, or a valid Dataset."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from hypothesis import given
from hypothesis import strategies as st

from mmm.errors import DataError
from mmm.model.config import Config, parse_config
from mmm.model.data import Dataset, dataset_from_frame, load_dataset

from .conftest import EXAMPLE_CONFIG, example_csv_text
from .mutations import (
    BAD_CELLS,
    DATE_CELLS,
    any_value,
    mutated_bytes,
    mutated_rows,
    read_rows,
    user_error_or_result,
    write_rows,
)

ROWS = read_rows(example_csv_text())
HEADER = ROWS[0]
NUMERIC = HEADER[1:]  # sales, the five channels, promo
SPEND = ["tv", "search", "social", "display", "radio"]


def example_config(data_path: Path) -> Config:
    """The shipped example config, reading ``data_path``."""
    raw = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    return parse_config(raw | {"data": raw["data"] | {"path": str(data_path)}})


def load(data: bytes, suffix: str = ".csv") -> Dataset | DataError:
    """Write ``data`` to a file and load it with the example config."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"example{suffix}"
        path.write_bytes(data)
        result = user_error_or_result(lambda: load_dataset(example_config(path)), path)
    if isinstance(result, Dataset):
        assert np.isfinite(result.target).all() and np.isfinite(result.spend).all()
        assert (result.spend >= 0).all()
        assert np.isfinite(result.spend.sum(axis=0)).all()
        assert np.isfinite(result.target.sum())
    return result


def test_unmutated_example_loads():
    assert isinstance(load(example_csv_text().encode()), Dataset)


@given(rows=mutated_rows(ROWS))
def test_mutated_cells_rows_and_columns(rows):
    load(write_rows(rows).encode())


@given(data=mutated_bytes(example_csv_text()))
def test_broken_file_bytes(data):
    load(data)


@given(
    row=st.integers(0, len(ROWS) - 2),
    column=st.sampled_from(NUMERIC),
    cell=st.sampled_from(["", "abc", "nan", "NA", "inf", "-inf", "1e309", "1,5", "$3", "-1e308"]),
)
def test_one_bad_number_names_its_column_and_row(row, column, cell):
    """A cell that is not a finite number (or negative spend) is reported where it is."""
    rows = [list(r) for r in ROWS]
    rows[row + 1][HEADER.index(column)] = cell
    error = load(write_rows(rows).encode())
    if cell == "-1e308" and column not in SPEND:
        return  # a negative KPI or control value is allowed (if the KPI's mean stays positive)
    assert isinstance(error, DataError), f"{cell!r} in {column} row {row + 2} was accepted"
    assert (error.key, error.row) == (column, row + 2), str(error)


@given(
    rows=st.integers(0, len(ROWS) - 2),
    value=st.one_of(
        any_value,
        st.sampled_from(
            [
                pd.Timestamp("2022-01-02", tz="UTC"),
                pd.NaT,
                b"\x00\xff",
                np.datetime64("2022-01-02"),
                object(),
            ]
        ),
    ),
    column=st.sampled_from(HEADER),
)
def test_in_memory_frame_with_odd_python_values(rows, value, column):
    """``dataset_from_frame`` on a table with one cell of any Python type."""
    frame = pd.DataFrame(ROWS[1:], columns=HEADER).astype(object)
    for name in NUMERIC:
        frame[name] = frame[name].astype(float).astype(object)
    cells = list(frame[column])
    cells[rows] = value
    frame[column] = pd.Series(cells, dtype=object)
    config = example_config(Path("memory.csv"))
    user_error_or_result(lambda: dataset_from_frame(frame, config, source="memory.csv"), "memory")


@given(
    duplicate=st.sampled_from(HEADER),
    renamed=st.sampled_from([0, 1.5, None, ("a", "b"), "date "]),
)
def test_in_memory_frame_with_duplicate_or_odd_column_names(duplicate, renamed):
    frame = pd.DataFrame(ROWS[1:], columns=HEADER)
    frame = pd.concat([frame, frame[[duplicate]]], axis=1)
    frame.columns = [*frame.columns[:-1], duplicate]
    frame[renamed] = 1.0
    config = example_config(Path("memory.csv"))
    user_error_or_result(lambda: dataset_from_frame(frame, config, source="memory.csv"), "memory")


def parquet_bytes() -> bytes:
    """The example data as a Parquet file."""
    frame = pd.read_csv(io.StringIO(example_csv_text()))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "example.parquet"
        frame.to_parquet(path)
        return path.read_bytes()


PARQUET = parquet_bytes()


def test_unmutated_parquet_loads():
    assert isinstance(load(PARQUET, suffix=".parquet"), Dataset)


@given(cut=st.integers(0, len(PARQUET) - 1), garbage=st.binary(max_size=32))
def test_truncated_or_garbled_parquet(cut, garbage):
    load(PARQUET[:cut] + garbage + PARQUET[cut + len(garbage) :], suffix=".parquet")


@given(row=st.integers(0, len(ROWS) - 2), cell=st.sampled_from(DATE_CELLS + BAD_CELLS))
def test_one_bad_date_names_the_date_column_and_a_row(row, cell):
    rows = [list(r) for r in ROWS]
    rows[row + 1][0] = cell
    result = load(write_rows(rows).encode())
    if isinstance(result, Dataset):  # the same date written another way
        assert result.dates[row] == pd.Timestamp(ROWS[row + 1][0])
    else:
        assert (result.key, result.row is not None) == ("date", True), str(result)


DATE_FORMATS = ["%d/%m/%Y", "%m/%d/%Y", "%Y%m%d", "%Y-%m-%dT00:00:00Z", "%Y-%m-%d 09:30:00+05:00"]


@given(fmt=st.sampled_from(DATE_FORMATS), zoned=st.sets(st.integers(0, len(ROWS) - 2)))
def test_whole_date_column_in_another_format(fmt, zoned):
    """Every date written in ``fmt``, some rows with a time zone: loads or names 'date'."""
    rows = [list(r) for r in ROWS]
    for i, r in enumerate(rows[1:]):
        stamp = pd.Timestamp(r[0])
        r[0] = stamp.strftime(fmt) if i not in zoned else stamp.strftime("%Y-%m-%dT00:00:00-03:00")
    result = load(write_rows(rows).encode())
    if isinstance(result, Dataset):
        expected = pd.DatetimeIndex([r[0] for r in ROWS[1:]])
        assert (result.dates.normalize() == expected).all()
    else:
        assert result.key == "date", str(result)


@given(
    column=st.sampled_from(NUMERIC),
    rows=st.lists(st.integers(0, len(ROWS) - 2), min_size=2, max_size=4, unique=True),
)
def test_values_whose_total_overflows_are_refused(column, rows):
    """Each value is finite, but their total is not: the first row past the limit is named."""
    table = [list(r) for r in ROWS]
    for row in rows:
        table[row + 1][HEADER.index(column)] = "1.7e308"
    error = load(write_rows(table).encode())
    assert isinstance(error, DataError)
    assert (error.key, error.row) == (column, sorted(rows)[1] + 2), str(error)
