"""Weekly MMM target: Monday weeks, no gaps, zeros, per-channel and total columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmm.errors import DataError
from mmm.leads.weekly import slug, weekly_aggregates, write_weekly


def test_weekly_by_hand(small_leads: pd.DataFrame) -> None:
    w = weekly_aggregates(small_leads, as_of="2025-03-31")
    # first lead 2025-01-01 (Wed) -> week of Mon 2024-12-30; 03-31 is a Monday, so its
    # week is incomplete and dropped: last week starts 03-24
    assert w["date"].iloc[0] == pd.Timestamp("2024-12-30")
    assert w["date"].iloc[-1] == pd.Timestamp("2025-03-24")
    assert (w["date"].diff().dropna() == pd.Timedelta(days=7)).all()
    assert list(w.columns) == [
        "date", "mql_search", "mql_social", "mql_total", "sql_search", "sql_social", "sql_total",
        "won_revenue_search", "won_revenue_social", "won_revenue_total",
    ]  # fmt: skip
    wk = w.set_index("date")
    # MQLs: 01-05 (Sun) and 01-06..09; week of 12-30 has L1 (01-05) only
    assert wk.loc["2024-12-30", "mql_total"] == 1
    assert wk.loc["2025-01-06", ["mql_search", "mql_social"]].tolist() == [2, 1]
    assert wk.loc["2025-02-24", "won_revenue_social"] == 3000.0  # L4 won 02-25
    assert wk.loc["2025-03-03", "won_revenue_search"] == 1000.0  # L1 won 03-03
    assert w["won_revenue_total"].sum() == 4000.0
    assert w["mql_total"].sum() == 5
    assert w["mql_total"].dtype == np.int64
    assert (w.drop(columns="date") >= 0).all().all()


def test_keep_partial_week_and_other_metrics(small_leads: pd.DataFrame) -> None:
    w = weekly_aggregates(
        small_leads, as_of="2025-03-31", complete_weeks=False, metrics=("lead", "pipeline_value")
    )
    assert w["date"].iloc[-1] == pd.Timestamp("2025-03-31")
    assert w["lead_total"].sum() == 6
    assert w["pipeline_value_total"].sum() == 4000.0


def test_unknown_metric(small_leads: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="unknown metric 'revenue'"):
        weekly_aggregates(small_leads, metrics=("revenue",))


def test_slug_and_csv(tmp_path: Path, small_leads: pd.DataFrame) -> None:
    assert slug("Paid Search") == "paid_search"
    assert slug("(none)") == "none"
    path = write_weekly(weekly_aggregates(small_leads), tmp_path / "weekly.csv")
    back = pd.read_csv(path)
    assert back["date"].iloc[0] == "2024-12-30"
    assert not (tmp_path / "weekly.csv.tmp").exists()


def test_week_start_sunday(small_leads: pd.DataFrame) -> None:
    w = weekly_aggregates(small_leads, as_of="2025-03-31", week_start="SUN")
    # first lead Wed 2025-01-01 -> week of Sun 2024-12-29; 03-31 (Mon) is in the partial week
    # of Sun 03-30, dropped
    assert w["date"].iloc[0] == pd.Timestamp("2024-12-29")
    assert w["date"].iloc[-1] == pd.Timestamp("2025-03-23")
    assert (w["date"].dt.day_name() == "Sunday").all()
    wk = w.set_index("date")
    assert wk.loc["2025-01-05", "mql_total"] == 4  # MQLs Sun 01-05 .. Thu 01-09 (L1 to L4)
    with pytest.raises(DataError, match="week_start must be one of"):
        weekly_aggregates(small_leads, week_start="monday")
