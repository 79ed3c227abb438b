"""Account view on the hand-made table (accounts A1: L1, L2; A2: L3, L4, L5; A3: L6)."""

from __future__ import annotations

import pandas as pd
import pytest

from mmm.errors import DataError
from mmm.leads.accounts import account_view

AS_OF = pd.Timestamp("2025-03-31")


def test_mqa_reach_and_engaged(small_leads: pd.DataFrame) -> None:
    rep = account_view(small_leads, k=2, as_of=AS_OF)
    acc = rep.accounts.set_index("account_id")
    assert acc["reach"].to_dict() == {"A1": 2, "A2": 3, "A3": 1}
    assert acc["engaged_contacts"].to_dict() == {"A1": 2, "A2": 3, "A3": 0}
    # A1: MQLs 01-05, 01-06 -> MQA on the 2nd, 01-06; A2: MQLs 01-08, 01-09, 02-03 -> 01-09
    assert acc.loc["A1", "mqa_date"] == pd.Timestamp("2025-01-06")
    assert acc.loc["A2", "mqa_date"] == pd.Timestamp("2025-01-09")
    assert not acc.loc["A3", "is_mqa"]
    assert acc["furthest_stage"].to_dict() == {"A1": "won", "A2": "won", "A3": "lead"}
    assert acc["won_revenue"].to_dict() == {"A1": 1000.0, "A2": 3000.0, "A3": 0.0}
    assert rep.summary["mqas"] == 2
    assert rep.summary["mean_reach"] == pytest.approx(2.0)
    assert list(rep.accounts["account_id"]) == ["A2", "A1", "A3"]  # most engaged first


def test_k_three_and_engaged_at_sql(small_leads: pd.DataFrame) -> None:
    rep = account_view(small_leads, k=3, as_of=AS_OF)
    assert rep.accounts.set_index("account_id")["is_mqa"].to_dict() == {
        "A1": False,
        "A2": True,
        "A3": False,
    }
    rep = account_view(small_leads, k=2, engaged_stage="sql", as_of=AS_OF)
    acc = rep.accounts.set_index("account_id")
    assert acc["engaged_contacts"].to_dict() == {"A1": 2, "A2": 2, "A3": 0}
    assert acc.loc["A2", "mqa_date"] == pd.Timestamp("2025-02-20")


def test_account_funnel_by_hand(small_leads: pd.DataFrame) -> None:
    f = account_view(small_leads, k=2, as_of=AS_OF).funnel.set_index("step")
    assert list(f.index) == ["account->mqa", "mqa->sql", "sql->opportunity", "opportunity->won"]
    assert f.loc["account->mqa", ["entered", "converted"]].tolist() == [3, 2]
    # both MQAs have an SQL; A1 first won 03-03, A2 02-25: all account opportunities won
    assert f.loc["mqa->sql", "naive"] == 1.0
    assert f.loc["opportunity->won", "naive"] == 1.0


def test_account_errors(small_leads: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="needs an 'account_id' column"):
        account_view(small_leads.drop(columns="account_id"))
    with pytest.raises(DataError, match="k must be at least 1"):
        account_view(small_leads, k=0)
    with pytest.raises(DataError, match="unknown engaged stage 'hot'"):
        account_view(small_leads, engaged_stage="hot")
