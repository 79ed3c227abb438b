"""GA4 connector on a hand-made export (every output row by hand) and on simulated exports."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mmm.errors import DataError
from mmm.leads.ga4 import EVENT_LOG_COLUMNS, ga4_event_log, write_event_log
from mmm.leads.ga4_sim import simulate_ga4

T0 = 1_735_689_600_000_000  # 2025-01-01 00:00:00 UTC in microseconds
MIN = 60_000_000


def _p(key: str, s: str | None = None, i: int | None = None, d: float | None = None) -> dict:
    return {
        "key": key,
        "value": {"string_value": s, "int_value": i, "float_value": None, "double_value": d},
    }


def _ev(user, minute, name, params, ts_src=("(direct)", "(none)", "(direct)"), usd=None) -> dict:
    return {
        "event_date": "20250101",
        "event_timestamp": T0 + minute * MIN,
        "event_name": name,
        "event_params": params,
        "user_pseudo_id": user,
        "traffic_source": {"name": ts_src[2], "medium": ts_src[1], "source": ts_src[0]},
        "event_value_in_usd": usd,
    }


EVENTS = [
    # user a, session 100: google / cpc; purchase worth 20 (double_value)
    _ev(
        "a",
        0,
        "session_start",
        [
            _p("ga_session_id", i=100),
            _p("source", "google"),
            _p("medium", "cpc"),
            _p("campaign", "brand"),
        ],
    ),
    _ev("a", 1, "purchase", [_p("ga_session_id", i=100), _p("value", d=20.0)]),
    # user a, session 200: UTM-tagged landing page -> Email; lead worth 5 (int_value)
    _ev(
        "a",
        600,
        "page_view",
        [
            _p("ga_session_id", i=200),
            _p("page_location", "https://x.com/?utm_source=newsletter&utm_medium=email"),
        ],
    ),
    _ev("a", 601, "generate_lead", [_p("ga_session_id", i=200), _p("value", i=5)]),
    # user b: 1st session untagged -> user-level traffic_source (facebook / paid); 2nd -> Direct
    _ev("b", 10, "page_view", [_p("ga_session_id", i=300)], ts_src=("facebook", "paid", "promo")),
    _ev("b", 900, "page_view", [_p("ga_session_id", i=400)], ts_src=("facebook", "paid", "promo")),
    _ev(
        "b",
        901,
        "purchase",
        [_p("ga_session_id", i=400)],
        ts_src=("facebook", "paid", "promo"),
        usd=7.5,
    ),
    # consent-mode ping without a user: dropped
    _ev(None, 5, "purchase", [_p("value", d=99.0)]),
    # user c: auto-tagged Google Ads click
    _ev(
        "c",
        20,
        "page_view",
        [_p("ga_session_id", i=500), _p("page_location", "https://x.com/?gclid=xyz")],
    ),
]
EXPECTED = [
    ("a", 0, "Paid Search", False, 0.0),
    ("a", 1, "", True, 20.0),
    ("a", 600, "Email", False, 0.0),
    ("a", 601, "", True, 5.0),
    ("b", 10, "Paid Social", False, 0.0),
    ("b", 900, "Direct", False, 0.0),
    ("b", 901, "", True, 7.5),
    ("c", 20, "Paid Search", False, 0.0),
]


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "events_20250101.parquet"
    pq.write_table(pa.Table.from_pylist(EVENTS[::-1]), path)  # row order must not matter
    return path


def _expected() -> pd.DataFrame:
    df = pd.DataFrame(EXPECTED, columns=["user_id", "minute", "channel", "conversion", "value"])
    df.insert(
        1, "timestamp", pd.Timestamp("2025-01-01") + pd.to_timedelta(df.pop("minute"), unit="min")
    )
    return df


def test_event_log_by_hand(export: Path) -> None:
    out = ga4_event_log(export)
    assert tuple(out.columns) == EVENT_LOG_COLUMNS
    assert out["timestamp"].dtype == "datetime64[us]"
    assert out["conversion"].dtype == bool and out["value"].dtype == np.float64
    got = out.assign(user_id=out["user_id"].astype(object), channel=out["channel"].astype(object))
    exp = _expected().astype({"timestamp": "datetime64[us]"})
    pd.testing.assert_frame_equal(got.reset_index(drop=True), exp, check_dtype=False)
    assert out.attrs["stats"]["dropped_no_user"] == 1
    assert out.attrs["stats"]["conversion_value"] == pytest.approx(32.5)


def test_options(export: Path) -> None:
    only_purchase = ga4_event_log(export, conversions=["purchase"])
    assert only_purchase["conversion"].sum() == 2
    no_direct = ga4_event_log(export, drop_direct=True)
    assert "Direct" not in set(no_direct["channel"]) and no_direct["conversion"].sum() == 3
    with_channel = ga4_event_log(export, conversion_channel=True)
    assert with_channel.loc[with_channel["conversion"], "channel"].tolist() == [
        "Paid Search",
        "Email",
        "Direct",
    ]


def test_ndjson_with_string_integers(tmp_path: Path) -> None:
    """BigQuery writes INT64 as JSON strings; extra fields are ignored."""
    path = tmp_path / "events.json"
    with path.open("w") as fh:
        for ev in EVENTS:
            ev = json.loads(json.dumps(ev))
            ev["event_timestamp"] = str(ev["event_timestamp"])
            for p in ev["event_params"]:
                if p["value"]["int_value"] is not None:
                    p["value"]["int_value"] = str(p["value"]["int_value"])
            ev["device"] = {"category": "desktop"}
            fh.write(json.dumps(ev) + "\n")
    out = ga4_event_log(path)
    assert out["channel"].tolist() == _expected()["channel"].tolist()
    assert out["value"].sum() == pytest.approx(32.5)


def test_write_parquet_and_csv_from_folder(tmp_path: Path, export: Path) -> None:
    stats = write_event_log(tmp_path, tmp_path / "log.parquet")
    back = pd.read_parquet(tmp_path / "log.parquet")
    assert len(back) == len(EXPECTED) and stats["touches"] == 5 and stats["conversions"] == 3
    write_event_log(export, tmp_path / "log.csv")
    assert pd.read_csv(tmp_path / "log.csv").columns.tolist() == list(EVENT_LOG_COLUMNS)
    with pytest.raises(DataError, match="the output folder does not exist"):
        write_event_log(export, tmp_path / "nope" / "log.parquet")


def test_bad_exports(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no GA4 export file found"):
        ga4_event_log(tmp_path / "missing.parquet")
    bad = tmp_path / "bad.parquet"
    pq.write_table(
        pa.table({"user_pseudo_id": ["a"], "event_timestamp": [1], "event_name": ["x"]}), bad
    )
    with pytest.raises(DataError, match="not a GA4 export: no 'event_params' column") as exc:
        ga4_event_log(bad)
    assert exc.value.source == str(bad)


def test_simulated_export_totals(tmp_path: Path, rng: np.random.Generator) -> None:
    table = simulate_ga4(rng, 50_000, anonymous_share=0.02)
    path = tmp_path / "sim.parquet"
    pq.write_table(table, path)
    out = ga4_event_log(path)
    ev = table.to_pandas()
    named = ev["user_pseudo_id"].notna()
    conv = named & ev["event_name"].isin(["generate_lead", "purchase"])
    assert out["conversion"].sum() == conv.sum()
    assert out["value"].sum() == pytest.approx(ev.loc[conv, "event_value_in_usd"].sum())
    sessions = {
        (u, p[0]["value"]["int_value"])
        for u, p in zip(ev.loc[named, "user_pseudo_id"], ev.loc[named, "event_params"], strict=True)
    }
    assert (~out["conversion"]).sum() == len(sessions)
    # every channel the simulator draws appears, none unassigned
    drawn = {"Paid Search", "Organic Search", "Paid Social", "Organic Social", "Email", "Referral"}
    assert set(out.loc[~out["conversion"], "channel"]) == drawn | {"Display", "Direct"}
