"""Broken inputs through the command line: one message, exit code 2, never a traceback.

Every case here is broken before sampling starts (config, data or lift tests), so no test
fits a model.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mmm.cli import app
from mmm.cli._common import USER_ERROR_EXIT_CODE

from .conftest import EXAMPLE_CONFIG, EXAMPLE_CRM, example_csv_text
from .mutations import read_rows, write_rows
from .test_attribution_fuzz import EVENTS

runner = CliRunner()
ROWS = read_rows(example_csv_text())
SPEND = ["tv", "search", "social", "display", "radio"]


def invoke(args: list[str]) -> str:
    """Run ``mmm`` and return its output (one line per message, however wide)."""
    result = runner.invoke(app, args, env={"COLUMNS": "400"})
    output = result.output
    assert "Traceback" not in output, output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == USER_ERROR_EXIT_CODE, output
    return " ".join(output.split())


def fit_files(tmp: Path, data: bytes, lift: bytes | None = None, config: bytes | None = None):
    """The example config (with lift tests when given) beside ``data``; returns its path."""
    raw = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    raw["data"]["path"] = "example.csv"
    if lift is not None:
        raw["calibration"] = {"lift_tests": "lift.csv"}
        (tmp / "lift.csv").write_bytes(lift)
    (tmp / "example.csv").write_bytes(data)
    path = tmp / "example.yaml"
    path.write_bytes(config if config is not None else yaml.safe_dump(raw).encode())
    return path


def fit_args(config: Path) -> list[str]:
    return ["fit", str(config), "--output", str(config.parent / "model"), "--no-progress"]


def test_fit_with_text_in_a_spend_cell(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[5][ROWS[0].index("search")] = "12,5k"
    output = invoke(fit_args(fit_files(tmp_path, write_rows(rows).encode())))
    assert f"{tmp_path / 'example.csv'}, 'search', row 6: '12,5k' is not a number" in output
    assert not (tmp_path / "model").exists()


@pytest.mark.parametrize(
    ("data", "config", "expected"),
    [
        (example_csv_text().encode("utf-16"), None, "example.csv: could not read the file"),
        (b"", None, "example.csv: could not read the file"),
        (example_csv_text().encode(), b"\x00\xff garbage", "example.yaml: not valid YAML"),
        (example_csv_text().encode(), b"- just\n- a list\n", "example.yaml: expected a mapping"),
        (example_csv_text().encode(), b"name: x\ndata: {path: example.csv", "not valid YAML"),
    ],
    ids=["utf16-data", "empty-data", "binary-config", "list-config", "truncated-config"],
)
def test_fit_with_an_unreadable_file(tmp_path, data, config, expected):
    assert expected in invoke(fit_args(fit_files(tmp_path, data, config=config)))


def test_fit_with_a_ragged_lift_test_file(tmp_path):
    lift = b"channel,start,end,x,delta_x,delta_y,sigma\ntv,2023-01-01,2023-02-26,1,1,1,1,1\n"
    output = invoke(fit_args(fit_files(tmp_path, example_csv_text().encode(), lift=lift)))
    assert f"{tmp_path / 'lift.csv'}, row 2: cannot read the file" in output


@settings(max_examples=15)
@given(
    row=st.integers(0, len(ROWS) - 2),
    column=st.sampled_from(SPEND),
    cell=st.sampled_from(["abc", "-1", "inf", "nan", "", "1e309"]),
)
def test_fit_with_one_broken_spend_cell(row, column, cell):
    """Each of these breaks the data, so the command stops before it samples."""
    rows = [list(r) for r in ROWS]
    rows[row + 1][ROWS[0].index(column)] = cell
    with tempfile.TemporaryDirectory() as tmp:
        output = invoke(fit_args(fit_files(Path(tmp), write_rows(rows).encode())))
    assert f"example.csv, '{column}', row {row + 2}:" in output


def test_attribute_with_a_broken_event_log(tmp_path):
    rows = [list(r) for r in EVENTS]
    rows[3][EVENTS[0].index("value")] = "fifty"
    (tmp_path / "events.csv").write_text(write_rows(rows))
    output = invoke(["attribute", str(tmp_path / "events.csv")])
    assert f"{tmp_path / 'events.csv'}, 'value', row 4: expected a non-negative number" in output


def test_funnel_with_a_broken_crm_export_and_mapping(tmp_path):
    rows = read_rows(EXAMPLE_CRM.read_text())[:20]
    rows[4][rows[0].index("created")] = "yesterday"
    (tmp_path / "crm.csv").write_text(write_rows(rows))
    output = invoke(["funnel", str(tmp_path / "crm.csv")])
    assert f"{tmp_path / 'crm.csv'}, 'created', row 5: 'yesterday' is not a date" in output
    (tmp_path / "mapping.yaml").write_text("columns: [lead_id, created]\n")
    output = invoke(
        ["funnel", str(tmp_path / "crm.csv"), "--mapping", str(tmp_path / "mapping.yaml")]
    )
    assert "mapping.yaml, 'columns': expected 'columns:' to map field names" in output
