"""Account view (account-based marketing): engaged contacts, MQAs, reach and account funnel.

A contact is *engaged* once it reaches ``engaged_stage`` (MQL by default). An account becomes a
marketing-qualified account (MQA) on the day its k-th engaged contact does. *Reach* is the number
of distinct contacts of the account marketing has touched (every contact in the CRM export has
at least one touch: the one that created the lead). The account funnel dates each stage by the
first contact that reached it; an account that already had the later stage when it became an
MQA counts as converted on day 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mmm.errors import DataError
from mmm.leads.cohorts import conversion_rate
from mmm.leads.schema import STAGES, latest_date


@dataclass
class AccountReport:
    """Result of :func:`account_view`.

    Attributes
    ----------
    k, engaged_stage : int, str
        The MQA rule used.
    summary : dict
        Accounts, MQAs, mean reach and engaged contacts per account.
    accounts : DataFrame
        One row per account: reach, engaged contacts, MQA flag and date, furthest stage,
        won revenue; sorted by engaged contacts.
    funnel : DataFrame
        Account-level stage-to-stage rates (account -> MQA -> SQL -> opportunity -> won).
    """

    k: int
    engaged_stage: str
    summary: dict
    accounts: pd.DataFrame
    funnel: pd.DataFrame


def _kth_date(account: np.ndarray, date: np.ndarray, k: int, n_accounts: int) -> np.ndarray:
    """Per account code, the k-th earliest non-missing date (NaT if fewer than k)."""
    ok = ~np.isnat(date)
    account, date = account[ok], date[ok]
    order = np.lexsort((date, account))
    account, date = account[order], date[order]
    start = np.r_[0, np.flatnonzero(np.diff(account)) + 1]
    rank = np.arange(len(account)) - np.repeat(start, np.diff(np.r_[start, len(account)]))
    out = np.full(n_accounts, np.datetime64("NaT"), dtype=date.dtype if len(date) else "M8[us]")
    hit = rank == k - 1
    out[account[hit]] = date[hit]
    return out


def account_view(
    leads: pd.DataFrame,
    *,
    k: int = 3,
    engaged_stage: str = "mql",
    as_of: str | pd.Timestamp | None = None,
    method: str = "km",
    horizon: float = 180.0,
) -> AccountReport:
    """Marketing-qualified accounts and the funnel with accounts as the unit.

    Parameters
    ----------
    leads : DataFrame
        Canonical lead table with an ``account_id`` column.
    k : int
        Engaged contacts an account needs to be an MQA.
    engaged_stage : str
        Stage at which a contact counts as engaged (``lead`` = every contact).
    as_of : str or Timestamp, optional
        Export date (default the latest date in the table).
    method : {"km", "mature"}
        Censoring handling for the account funnel rates.
    horizon : float
        Days within which a conversion counts.

    Returns
    -------
    AccountReport
    """
    if "account_id" not in leads or leads["account_id"].isna().all():
        raise DataError(
            "the account view needs an 'account_id' column (map it with --column)", key="account_id"
        )
    if k < 1:
        raise DataError(f"k must be at least 1, got {k}", key="k")
    if engaged_stage not in ("lead", *STAGES):
        raise DataError(f"unknown engaged stage '{engaged_stage}'", key="engaged_stage")
    as_of = pd.Timestamp(as_of) if as_of is not None else latest_date(leads)
    df = leads[leads["account_id"].notna() & (leads["created"] <= as_of)]
    # integer codes once: grouping 2M string ids ten times over is what made this slow
    acc, names = pd.factorize(df["account_id"], sort=True)
    con = pd.factorize(df["contact_id"])[0]
    n_acc = len(names)
    eng_col = "created" if engaged_stage == "lead" else engaged_stage
    engaged = df[eng_col].where(df[eng_col] <= as_of).to_numpy("datetime64[us]")
    pairs = (
        pd.DataFrame({"a": acc, "c": con, "d": engaged}).groupby(["a", "c"], sort=False)["d"].min()
    )
    pair_acc = pairs.index.get_level_values("a").to_numpy()
    first_engaged = pairs.to_numpy("datetime64[us]")
    per = pd.DataFrame(
        {
            "account_id": names,
            "reach": np.bincount(pair_acc, minlength=n_acc),
            "engaged_contacts": np.bincount(
                pair_acc, weights=~np.isnat(first_engaged), minlength=n_acc
            ).astype(int),
            "mqa_date": _kth_date(pair_acc, first_engaged, k, n_acc),
        }
    )
    per["is_mqa"] = per["mqa_date"].notna()
    by_acc = pd.DataFrame({s: df[s].where(df[s] <= as_of).to_numpy() for s in ("created", *STAGES)})
    stage_dates = by_acc.groupby(acc).min().reindex(range(n_acc))
    stage_dates.index = pd.Index(names, name="account_id")
    depth = stage_dates[list(STAGES)].notna().to_numpy().sum(axis=1)
    per["furthest_stage"] = np.array(["lead", *STAGES], dtype=object)[depth]
    won = (df["won"] <= as_of).to_numpy()
    per["won_revenue"] = np.bincount(
        acc, weights=np.where(won, df["deal_value"].to_numpy(float), 0.0), minlength=n_acc
    )
    per = per.sort_values(
        ["engaged_contacts", "reach", "account_id"], ascending=[False, False, True]
    )

    dates = {"account": stage_dates["created"], "mqa": per.set_index("account_id")["mqa_date"]}
    dates.update({s: stage_dates[s] for s in ("sql", "opportunity", "won")})
    index = stage_dates["created"].index
    rows = []
    steps = list(dates)
    for a, b in zip(steps[:-1], steps[1:], strict=True):
        entered = dates[a].reindex(index)
        reached_b = dates[b].reindex(index)
        reached_b = reached_b.where(
            reached_b.isna() | entered.isna() | (reached_b >= entered), entered
        )
        r = conversion_rate(entered, reached_b, as_of, method=method, horizon=horizon)
        rows.append({"step": f"{a}->{b}", **r.to_dict()})
    summary = {
        "accounts": int(len(per)),
        "mqas": int(per["is_mqa"].sum()),
        "mqa_share": float(per["is_mqa"].mean()) if len(per) else float("nan"),
        "mean_reach": float(per["reach"].mean()) if len(per) else float("nan"),
        "mean_engaged_contacts": float(per["engaged_contacts"].mean())
        if len(per)
        else float("nan"),
        "won_revenue_from_mqas": float(per.loc[per["is_mqa"], "won_revenue"].sum()),
        "won_revenue": float(per["won_revenue"].sum()),
    }
    return AccountReport(k, engaged_stage, summary, per.reset_index(drop=True), pd.DataFrame(rows))
