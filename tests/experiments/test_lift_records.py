"""Lift-record CSV: exact columns, round trip, validation messages."""

from __future__ import annotations

from datetime import date

import pytest

from mmm.errors import MmmError
from mmm.experiments import LiftRecord, read_records, write_records


def _record(**changes) -> LiftRecord:
    fields = dict(
        channel="tv",
        start=date(2025, 3, 3),
        end=date(2025, 3, 30),
        x=1000.0,
        delta_x=-1000.0,
        delta_y=-250.0,
        sigma=40.0,
    )
    fields.update(changes)
    return LiftRecord(**fields)


def test_round_trip_and_exact_header(tmp_path) -> None:
    path = tmp_path / "lift.csv"
    write_records([_record(), _record(channel="search", delta_x=500.0, delta_y=80.5)], path)
    lines = path.read_text().splitlines()
    assert lines[0] == "channel,start,end,x,delta_x,delta_y,sigma"
    assert lines[1] == "tv,2025-03-03,2025-03-30,1000,-1000,-250,40"
    back = read_records(path)
    assert back[0] == _record()
    assert back[1].delta_y == 80.5


def test_append_keeps_earlier_records(tmp_path) -> None:
    path = tmp_path / "lift.csv"
    write_records([_record()], path)
    write_records([_record(channel="social")], path, append=True)
    assert [r.channel for r in read_records(path)] == ["tv", "social"]


def test_bad_sigma_names_file_column_and_row(tmp_path) -> None:
    path = tmp_path / "lift.csv"
    path.write_text(
        "channel,start,end,x,delta_x,delta_y,sigma\n"
        "tv,2025-03-03,2025-03-30,1000,-1000,-250,40\n"
        "tv,2025-04-07,2025-05-04,1000,-1000,-250,0\n"
    )
    with pytest.raises(MmmError, match=r"lift\.csv, 'sigma', row 3: sigma must be positive"):
        read_records(path)


def test_missing_column_and_bad_date(tmp_path) -> None:
    path = tmp_path / "lift.csv"
    path.write_text("channel,start,end,x,delta_x,delta_y\ntv,2025-03-03,2025-03-30,1,1,1\n")
    with pytest.raises(MmmError, match=r"'sigma': missing column\(s\) sigma"):
        read_records(path)
    path.write_text("channel,start,end,x,delta_x,delta_y,sigma\ntv,March,2025-03-30,1,1,1,1\n")
    with pytest.raises(MmmError, match=r"'start', row 2: expected an ISO date"):
        read_records(path)


def test_negative_spend_after_change_is_refused() -> None:
    with pytest.raises(MmmError, match="spend cannot be negative"):
        _record(delta_x=-2000.0)
