"""Funnel report on the hand-made six-lead table: every figure computed by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mmm.errors import DataError
from mmm.leads.funnel import OVERALL, funnel_report, group_labels
from mmm.leads.schema import latest_date

AS_OF = pd.Timestamp("2025-03-31")


@pytest.fixture
def report(small_leads: pd.DataFrame):
    return funnel_report(small_leads, "first_touch", as_of=AS_OF)


def test_stage_counts(report) -> None:
    st = report.stages.set_index("group")
    assert st.loc[OVERALL].tolist() == [6, 5, 4, 4, 2, 2, 1]
    assert st.loc["search"].tolist() == [3, 3, 2, 2, 1, 1, 1]
    assert st.loc["social"].tolist() == [3, 2, 2, 2, 1, 1, 0]
    assert list(st.columns) == ["lead", "mql", "sql", "opportunity", "pipeline", "won", "lost"]


def test_sales_metrics(report) -> None:
    s = report.sales.set_index("group")
    # overall: open opportunities = L5; win rate (KM) 1/2; avg deal 2000; cycle (30 + 20) / 2
    assert s.loc[OVERALL, "open_opportunities"] == 1
    assert s.loc[OVERALL, "win_rate"] == pytest.approx(0.5)
    assert s.loc[OVERALL, "avg_deal"] == 2000
    assert s.loc[OVERALL, "cycle_days"] == 25
    assert s.loc[OVERALL, "velocity_per_day"] == pytest.approx(1 * 0.5 * 2000 / 25)
    assert s.loc[OVERALL, "revenue_per_lead"] == pytest.approx(4000 / 6)
    assert s.loc[OVERALL, "revenue_per_mql"] == pytest.approx(800)
    assert s.loc["social", "velocity_per_day"] == pytest.approx(1 * 0.5 * 3000 / 20)
    assert s.loc["search", "velocity_per_day"] == 0
    assert s.loc["search", "revenue_per_mql"] == pytest.approx(1000 / 3)


def test_ranking_shows_the_mismatch(report) -> None:
    r = report.ranking.set_index("group")
    assert r.loc["search", ["mqls", "rank_by_mqls", "rank_by_revenue", "rank_gap"]].tolist() == [
        3,
        1,
        2,
        -1,
    ]
    assert r.loc["social", ["mqls", "rank_by_mqls", "rank_by_revenue", "rank_gap"]].tolist() == [
        2,
        2,
        1,
        1,
    ]
    assert r["revenue_share"].sum() == pytest.approx(1.0)


def test_conversions_table(report) -> None:
    c = report.conversions.set_index(["group", "step"])
    assert c.loc[(OVERALL, "opportunity->pipeline"), "naive"] == 0.5
    assert c.loc[(OVERALL, "lead->mql"), "entered"] == 6
    assert (c["lo"] <= c["rate"] + 1e-12).all() and (c["rate"] <= c["hi"] + 1e-12).all()
    assert len(report.conversions) == 3 * 5


def test_to_dict_is_json(report) -> None:
    out = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert out["as_of"] == "2025-03-31"
    assert out["interval"] == 0.9
    assert {"rate", "lo", "hi"} <= set(out["conversions"][0])
    assert out["stages"][0]["group"] == OVERALL


def test_default_as_of_is_latest_date(small_leads: pd.DataFrame) -> None:
    assert latest_date(small_leads) == pd.Timestamp("2025-03-30")


def test_grouping_errors(small_leads: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="unknown grouping 'source'"):
        group_labels(small_leads, "source")
    with pytest.raises(DataError, match="--by channel needs the 'utm_source' column"):
        group_labels(small_leads, "channel")
    with pytest.raises(DataError, match="no 'last_touch' column"):
        group_labels(small_leads, "last_touch")


def test_channel_grouping_from_utm(small_leads: pd.DataFrame) -> None:
    leads = small_leads.assign(
        utm_source=["google", "google", None, "linkedin", "linkedin", "newsletter"],
        utm_medium=["cpc", "organic", None, "paid", "social", "email"],
    )
    labels = group_labels(leads, "channel")
    assert labels.tolist() == [
        "Paid Search",
        "Organic Search",
        "Direct",
        "Paid Social",
        "Organic Social",
        "Email",
    ]
    rep = funnel_report(leads, "channel", as_of=AS_OF)
    assert set(rep.stages["group"]) == {OVERALL, *labels}
    assert np.isfinite(rep.sales["won_revenue"]).all()


def test_too_many_groups(small_leads: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="--by lead_id|gives 6 groups"):
        funnel_report(
            small_leads.assign(utm_campaign=small_leads["lead_id"]), "utm_campaign", max_groups=5
        )
