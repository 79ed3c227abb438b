"""Campaign influence: first / last / linear credit of won revenue, by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mmm.errors import DataError
from mmm.leads.influence import NO_TOUCH, campaign_influence, read_touches


@pytest.fixture
def touches() -> pd.DataFrame:
    # L1 (won 03-03, 1000): webinar -> ebook -> demo; L4 (won 02-25, 3000): ebook -> webinar,
    # plus a touch after the win that must not count; L2 (lost) touches are ignored
    rows = [
        ("L1", "2025-01-01", "webinar"),
        ("L1", "2025-01-20", "ebook"),
        ("L1", "2025-02-20", "demo"),
        ("L4", "2025-01-04", "ebook"),
        ("L4", "2025-02-01", "webinar"),
        ("L4", "2025-03-10", "demo"),
        ("L2", "2025-01-02", "demo"),
    ]
    df = pd.DataFrame(rows, columns=["lead_id", "timestamp", "campaign"])
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    return df


def test_credit_by_hand(small_leads: pd.DataFrame, touches: pd.DataFrame) -> None:
    out = campaign_influence(small_leads, touches).set_index("campaign")
    assert out.loc["webinar", ["first_touch", "last_touch", "linear"]].tolist() == pytest.approx(
        [1000, 3000, 1000 / 3 + 1500]
    )
    assert out.loc["ebook", ["first_touch", "last_touch", "linear"]].tolist() == pytest.approx(
        [3000, 0, 1000 / 3 + 1500]
    )
    assert out.loc["demo", ["first_touch", "last_touch", "linear"]].tolist() == pytest.approx(
        [0, 1000, 1000 / 3]
    )
    assert out.loc["demo", "deals"] == 1
    for col in ("first_touch", "last_touch", "linear"):
        assert out[col].sum() == pytest.approx(4000)
    assert out.loc["demo", "last_vs_linear"] == pytest.approx(2.0)  # last touch credits 3x


def test_untouched_deals_and_self_reported(
    small_leads: pd.DataFrame, touches: pd.DataFrame
) -> None:
    out = campaign_influence(small_leads, touches[touches["lead_id"] == "L1"]).set_index("campaign")
    assert out.loc[NO_TOUCH, "linear"] == 3000
    leads = small_leads.assign(self_reported=["podcast", None, None, None, None, None])
    out = campaign_influence(leads, touches, include_self_reported=True).set_index("campaign")
    assert out.loc["self-reported: Audio", "linear"] == pytest.approx(250)  # 1000 over 4 touches
    assert out["linear"].sum() == pytest.approx(4000)


def test_from_lead_table(small_leads: pd.DataFrame) -> None:
    leads = small_leads.assign(last_touch=["email", "email", None, "social", "social", None])
    out = campaign_influence(leads).set_index("campaign")
    assert out.loc["search", ["first_touch", "last_touch", "linear"]].tolist() == [1000, 0, 500]
    assert out.loc["email", ["first_touch", "last_touch", "linear"]].tolist() == [0, 1000, 500]
    assert out.loc["social", ["first_touch", "last_touch", "linear"]].tolist() == [3000, 3000, 3000]


def test_read_touches(tmp_path: Path, touches: pd.DataFrame) -> None:
    path = tmp_path / "t.csv"
    touches.rename(columns={"campaign": "Campaign Name"}).to_csv(path, index=False)
    back = read_touches(path, {"campaign": "Campaign Name"})
    assert back["timestamp"].dtype.kind == "M" and len(back) == 7
    with pytest.raises(DataError, match="touch file needs a 'campaign' column"):
        read_touches(path)
    bad = touches.astype({"timestamp": str})
    bad.loc[2, "timestamp"] = "yesterday"
    bad.to_csv(path, index=False)
    with pytest.raises(DataError, match="'yesterday' is not a date") as exc:
        read_touches(path)
    assert exc.value.row == 4
