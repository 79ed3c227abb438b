"""Mutated CRM exports and column mappings: a DataError/ConfigError naming file, column, row."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import yaml
from hypothesis import given
from hypothesis import strategies as st

from mmm.errors import DataError
from mmm.leads.schema import DATE_FIELDS, load_mapping, read_leads, validate_leads

from .conftest import EXAMPLE_CRM, EXAMPLE_MAPPING
from .mutations import (
    BAD_CELLS,
    DATE_CELLS,
    any_value,
    mutated_bytes,
    mutated_rows,
    mutated_tree,
    read_rows,
    user_error_or_result,
    write_rows,
)


def crm_rows() -> list[list[str]]:
    """30 leads of the shipped CRM example (5 of them won), with a stage and a landing page."""
    rows = read_rows(EXAMPLE_CRM.read_text())
    header, body = rows[0], rows[1:]
    won = header.index("won")
    chosen = body[:25] + [r for r in body if r[won]][:5]
    stage = ["won" if r[won] else ("lost" if r[header.index("lost")] else "lead") for r in chosen]
    pages = ["https://example.com/?utm_source=google&utm_medium=cpc&utm_campaign=x", ""] * 15
    return [
        [*header, "stage", "landing_page"],
        *([*r, s, p] for r, s, p in zip(chosen, stage, pages, strict=True)),
    ]


ROWS = crm_rows()
HEADER = ROWS[0]
MAPPING_TEXT = EXAMPLE_MAPPING.read_text()
MAPPING = yaml.safe_load(MAPPING_TEXT)
#: The same leads with the HubSpot column names of the shipped mapping file.
RENAMED = {
    field: column for section in MAPPING.values() for field, column in section.items()
}  # fmt: skip
HUBSPOT_ROWS = [[RENAMED.get(c, c) for c in HEADER], *ROWS[1:]]


def read(data: bytes, mapping=None, suffix=".csv"):
    """Write ``data`` as a CRM export and read it with ``mapping``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"crm{suffix}"
        path.write_bytes(data)
        result = user_error_or_result(lambda: read_leads(path, mapping), path)
    if isinstance(result, pd.DataFrame):
        assert result["lead_id"].is_unique
        assert (result["deal_value"] >= 0).all()
        for field in DATE_FIELDS:
            assert result[field].dtype.kind == "M", field
    return result


def test_unmutated_examples_read():
    assert isinstance(read(write_rows(ROWS).encode()), pd.DataFrame)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "m.yaml").write_text(MAPPING_TEXT)
        mapping = load_mapping(Path(tmp) / "m.yaml")
    assert isinstance(read(write_rows(HUBSPOT_ROWS).encode(), mapping), pd.DataFrame)


@given(rows=mutated_rows(ROWS))
def test_mutated_cells_rows_and_columns(rows):
    read(write_rows(rows).encode())


@given(data=mutated_bytes(write_rows(ROWS)))
def test_broken_file_bytes(data):
    read(data)


@given(
    row=st.integers(0, len(ROWS) - 2),
    field=st.sampled_from([f for f in DATE_FIELDS if f in HEADER]),
    cell=st.sampled_from(DATE_CELLS + BAD_CELLS),
)
def test_one_bad_date_names_its_column_and_row(row, field, cell):
    rows = [list(r) for r in ROWS]
    rows[row + 1][HEADER.index(field)] = cell
    result = read(write_rows(rows).encode())
    if isinstance(result, DataError):
        assert result.key in HEADER and result.row is not None, str(result)
        if "not a date" in result.message:
            assert (result.key, result.row) == (field, row + 2), str(result)


@given(
    row=st.integers(0, len(ROWS) - 2),
    cell=st.sampled_from(["-1", "abc", "inf", "-inf", "1e309", "Infinity", "$5", "-0.01"]),
)
def test_bad_deal_value_names_its_row(row, cell):
    rows = [list(r) for r in ROWS]
    rows[row + 1][HEADER.index("deal_value")] = cell
    result = read(write_rows(rows).encode())
    assert isinstance(result, DataError), f"deal value {cell!r} was accepted"
    assert (result.key, result.row) == ("deal_value", row + 2), str(result)


@given(tree=mutated_tree(MAPPING))
def test_mutated_mapping_file(tree):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mapping.yaml"
        path.write_text(yaml.safe_dump(tree, allow_unicode=True))
        mapping = user_error_or_result(lambda: load_mapping(path), path)
    if isinstance(mapping, dict):
        read(write_rows(HUBSPOT_ROWS).encode(), mapping)


@given(data=mutated_bytes(MAPPING_TEXT))
def test_broken_mapping_bytes(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mapping.yaml"
        path.write_bytes(data)
        user_error_or_result(lambda: load_mapping(path), path)


@given(
    row=st.integers(0, len(ROWS) - 2),
    column=st.sampled_from(HEADER),
    value=st.one_of(any_value, st.sampled_from([pd.Timestamp("2025-01-01", tz="UTC"), pd.NaT])),
)
def test_in_memory_table_with_odd_python_values(row, column, value):
    """``validate_leads`` on a typed table (as pandas reads it) with one cell of any type."""
    frame = pd.DataFrame(ROWS[1:], columns=HEADER).replace("", None).astype(object)
    cells = list(frame[column])
    cells[row] = value
    frame[column] = pd.Series(cells, dtype=object)
    user_error_or_result(lambda: validate_leads(frame, source="memory.csv"), "memory.csv")
