"""Path input: aggregated tables and event logs turned into paths with DuckDB."""

from __future__ import annotations

import pandas as pd
import pytest

from mmm.attribution import paths_from_events, read_input, read_paths, time_decay
from mmm.errors import MmmError


def _events() -> pd.DataFrame:
    t0 = pd.Timestamp("2025-01-01")
    rows = [
        # u1: search, email, email + conversion (50) -> one journey; then display, no conversion
        ("u1", t0, "search", False, 0.0),
        ("u1", t0 + pd.Timedelta(days=1), "email", False, 0.0),
        ("u1", t0 + pd.Timedelta(days=2), "email", True, 50.0),
        ("u1", t0 + pd.Timedelta(days=3), "display", False, 0.0),
        # u2: direct 40 days before converting on search: outside a 30-day lookback
        ("u2", t0, "direct", False, 0.0),
        ("u2", t0 + pd.Timedelta(days=40), "search", False, 0.0),
        ("u2", t0 + pd.Timedelta(days=41), "search", True, 20.0),
        # u3: converts twice: two journeys
        ("u3", t0, "social", True, 5.0),
        ("u3", t0 + pd.Timedelta(days=1), "email", True, 7.0),
    ]
    return pd.DataFrame(rows, columns=["user_id", "timestamp", "channel", "conversion", "value"])


def test_events_become_journeys_with_lookback() -> None:
    data = paths_from_events(_events(), lookback_days=30)
    table = data.table.set_index("path")
    assert table.loc["search > email > email", "conversions"] == 1
    assert table.loc["search > email > email", "value"] == 50
    assert table.loc["display", "nulls"] == 1
    assert table.loc["display", "conversions"] == 0
    assert table.loc["search > search", "value"] == 20  # the direct touch fell out
    assert table.loc["social", "conversions"] == 1
    assert table.loc["email", "value"] == 7
    assert data.total_conversions == 4
    assert data.total_value == 82
    assert data.unattributed_conversions == 0


def test_conversion_without_touch_is_counted_as_unattributed() -> None:
    events = _events()
    marker = pd.DataFrame(  # a second conversion right after u1's first, with no channel
        [("u1", pd.Timestamp("2025-01-03 00:00:01"), "", True, 9.0)], columns=events.columns
    )
    data = paths_from_events(pd.concat([events, marker], ignore_index=True))
    assert data.total_conversions == 4
    assert data.unattributed_conversions == 1


def test_long_lookback_keeps_old_touch_and_collapse_merges_repeats() -> None:
    data = paths_from_events(_events(), lookback_days=60, collapse_repeats=True)
    paths = set(data.table["path"])
    assert "direct > search" in paths
    assert "search > email" in paths
    assert "search > email > email" not in paths


def test_event_log_files_csv_and_parquet(tmp_path) -> None:
    events = _events()
    csv, parquet = tmp_path / "events.csv", tmp_path / "events.parquet"
    events.to_csv(csv, index=False)
    events.to_parquet(parquet)
    a = read_input(csv).table
    b = read_input(parquet).table
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 5


def test_time_decay_uses_real_touch_times() -> None:
    t0 = pd.Timestamp("2025-01-01")
    events = pd.DataFrame(
        {
            "user_id": ["u"] * 3,
            "timestamp": [t0, t0 + pd.Timedelta(days=7), t0 + pd.Timedelta(days=14)],
            "channel": ["a", "b", "c"],
            "conversion": [False, False, True],
            "value": [0.0, 0.0, 7.0],
        }
    )
    result = time_decay(paths_from_events(events), half_life=7).table.set_index("channel")
    # ages 14, 7, 0 days -> weights 1/4, 1/2, 1 -> normalised by 7/4
    assert result.loc["a", "conversions"] == pytest.approx(1 / 7)
    assert result.loc["b", "conversions"] == pytest.approx(2 / 7)
    assert result.loc["c", "conversions"] == pytest.approx(4 / 7)
    assert result.loc["c", "value"] == pytest.approx(4.0)


def test_path_table_is_normalised_and_merged() -> None:
    frame = pd.DataFrame({"path": ["a>b", " a > b ", "c"], "conversions": [1, 2, 0]})
    data = read_paths(frame.assign(nulls=[0, 1, 4]))
    assert list(data.table["path"]) == ["a > b", "c"]
    assert list(data.table["conversions"]) == [3, 0]
    assert list(data.table["nulls"]) == [1, 4]
    assert data.channels() == ["a", "b", "c"]


def test_missing_path_column_is_named(tmp_path) -> None:
    path = tmp_path / "p.csv"
    pd.DataFrame({"journey": ["a"], "conversions": [1]}).to_csv(path, index=False)
    with pytest.raises(MmmError, match=r"p\.csv, 'path': missing column 'path'"):
        read_paths(path)


def test_negative_conversions_name_column_and_row() -> None:
    frame = pd.DataFrame({"path": ["a", "b"], "conversions": [1, -2]})
    with pytest.raises(MmmError, match=r"'conversions', row 3: expected a non-negative number"):
        read_paths(frame)


def test_empty_channel_in_path() -> None:
    with pytest.raises(MmmError, match=r"'path', row 2: empty channel name"):
        read_paths(pd.DataFrame({"path": ["a >> b"], "conversions": [1]}))


def test_event_log_missing_column_and_bad_timestamp(tmp_path) -> None:
    path = tmp_path / "ev.csv"
    _events().drop(columns="channel").to_csv(path, index=False)
    with pytest.raises(MmmError, match=r"ev\.csv, 'channel': missing column 'channel'"):
        paths_from_events(path)
    bad = _events().astype({"timestamp": str})
    bad.loc[2, "timestamp"] = "yesterday"
    with pytest.raises(MmmError, match=r"'timestamp', row 4: not a valid timestamp"):
        paths_from_events(bad)


def test_chunked_arrow_strings_are_split() -> None:
    import pyarrow as pa

    part = pa.table({"path": ["a > b", "b"], "conversions": [1.0, 2.0]})
    frame = pa.concat_tables([part, part]).to_pandas()
    data = read_paths(frame)
    assert list(data.table["conversions"]) == [2.0, 4.0]
    touches = data.touches()
    assert touches.length.tolist() == [2, 1]
    assert touches.channel.tolist() == [0, 1, 1]
