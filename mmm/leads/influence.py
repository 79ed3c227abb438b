"""Campaign influence on won deals: first-touch, last-touch and linear credit side by side.

For every won deal, the touches of its lead up to the won date share the deal value:
first-touch gives it all to the earliest touch, last-touch to the latest, linear splits it
evenly over all touches. Comparing the three per campaign shows how much a single-touch view
over- or under-credits a campaign (positive ``first_vs_linear`` = first-touch over-credits).

Touches come from a touch file (one row per lead and touch: CRM campaign members, form fills,
a GA4 event log keyed by lead) or, without one, from the lead table itself, at channel level:
the first-touch channel at the created date and the last-touch channel at the MQL date (a lead
table holds no touches in between, so "linear" there splits between those two), and
optionally the self-reported answer as one more touch.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from mmm.errors import DataError
from mmm.leads.channels import self_reported_channel

NO_TOUCH = "(no touch)"
TOUCH_FIELDS = ("lead_id", "timestamp", "campaign")


def read_touches(path: str | Path, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Read a touch file (CSV or Parquet) with columns lead_id, timestamp, campaign.

    Parameters
    ----------
    path : str or Path
        The file.
    mapping : mapping, optional
        Canonical field (``lead_id``, ``timestamp``, ``campaign``) -> column in the file.

    Returns
    -------
    DataFrame
        ``lead_id`` (str), ``timestamp`` (datetime64), ``campaign`` (str).
    """
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise DataError("file not found", source=source)
    raw = (
        pd.read_parquet(path)
        if path.suffix.lower() in (".parquet", ".pq")
        else pd.read_csv(path, dtype=str)
    )
    mapping = dict(mapping or {})
    out = pd.DataFrame(index=raw.index)
    for field in TOUCH_FIELDS:
        col = mapping.get(field, field)
        if col not in raw:
            raise DataError(
                f"touch file needs a '{col}' column for {field}", source=source, key=col
            )
        out[field] = raw[col]
    ts = pd.to_datetime(out["timestamp"], errors="coerce", format="mixed")
    bad = (ts.isna() & out["timestamp"].notna()).to_numpy() | out["lead_id"].isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        what = (
            "empty lead id"
            if pd.isna(out["lead_id"].iloc[i])
            else f"'{out['timestamp'].iloc[i]}' is not a date"
        )
        raise DataError(what, source=source, key=mapping.get("timestamp", "timestamp"), row=i + 2)
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_convert(None)
    out["timestamp"] = ts.astype("datetime64[us]")
    out["lead_id"] = out["lead_id"].astype(str)
    out["campaign"] = out["campaign"].astype("string").fillna("(not set)")
    return out.dropna(subset=["timestamp"])


def touches_from_leads(leads: pd.DataFrame, *, include_self_reported: bool = False) -> pd.DataFrame:
    """Touches implied by the lead table's own source fields (see the module docstring)."""
    parts = []
    for col, when in (("first_touch", "created"), ("last_touch", "mql")):
        if col in leads:
            date = leads[when].fillna(leads["created"])
            # a microsecond apart keeps first touch first and last touch last on equal dates
            offset = {"first_touch": 0, "last_touch": 2}[col]
            parts.append(
                pd.DataFrame(
                    {
                        "lead_id": leads["lead_id"],
                        "timestamp": date + pd.Timedelta(microseconds=offset),
                        "campaign": leads[col],
                    }
                )
            )
    if include_self_reported and "self_reported" in leads:
        parts.append(self_reported_touches(leads))
    if not parts:
        raise DataError(
            "no first_touch / last_touch columns to build touches from; pass a touch file"
        )
    out = pd.concat(parts, ignore_index=True).dropna(subset=["campaign", "timestamp"])
    out["campaign"] = out["campaign"].astype("string")
    return out


def self_reported_touches(
    leads: pd.DataFrame, mapping: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The self-reported answer as one touch at the created date, labelled ``self-reported: X``."""
    channel = self_reported_channel(leads["self_reported"], mapping)
    out = pd.DataFrame(
        {
            "lead_id": leads["lead_id"],
            "timestamp": leads["created"],
            "campaign": "self-reported: " + channel,
        }
    )
    return out.dropna(subset=["campaign"])


def campaign_influence(
    leads: pd.DataFrame,
    touches: pd.DataFrame | None = None,
    *,
    as_of: str | pd.Timestamp | None = None,
    include_self_reported: bool = False,
) -> pd.DataFrame:
    """First-touch, last-touch and linear credit of won revenue per campaign.

    Parameters
    ----------
    leads : DataFrame
        Canonical lead table (won date and deal value used).
    touches : DataFrame, optional
        ``lead_id``, ``timestamp``, ``campaign``; built from the lead table when None.
    as_of : str or Timestamp, optional
        Deals won after this date are ignored.
    include_self_reported : bool
        Add the self-reported answer as a touch (to a touch file as well).

    Returns
    -------
    DataFrame
        ``campaign``, ``deals`` (won deals it touched), ``first_touch``, ``last_touch``,
        ``linear`` (credited revenue), ``first_vs_linear`` and ``last_vs_linear`` (relative
        over-credit of the single-touch views), sorted by linear credit. Won deals without a
        touch up to the won date appear as ``(no touch)``; the three credit columns each sum
        to the total won revenue.
    """
    won = leads["won"].notna()
    if as_of is not None:
        won &= leads["won"] <= pd.Timestamp(as_of)
    deals = leads.loc[won, ["lead_id", "won", "deal_value"]]
    won_leads = leads[won.to_numpy()]  # only won deals get credit: build touches for them only
    if touches is None:
        touches = touches_from_leads(won_leads, include_self_reported=include_self_reported)
    elif include_self_reported and "self_reported" in leads:
        touches = pd.concat([touches, self_reported_touches(won_leads)], ignore_index=True)
    t = touches.merge(deals, on="lead_id", how="inner")
    t = t[t["timestamp"] <= t["won"] + pd.Timedelta(days=1)]
    t = t.sort_values(["lead_id", "timestamp"], kind="stable")
    by_lead = t.groupby("lead_id", sort=False)
    n = by_lead["campaign"].transform("size").to_numpy()
    pos = by_lead.cumcount().to_numpy()
    value = t["deal_value"].to_numpy(float)
    credit = pd.DataFrame(
        {
            "campaign": t["campaign"].to_numpy(),
            "lead_id": t["lead_id"].to_numpy(),
            "first_touch": np.where(pos == 0, value, 0.0),
            "last_touch": np.where(pos == n - 1, value, 0.0),
            "linear": value / n,
        }
    )
    untouched = deals[~deals["lead_id"].isin(t["lead_id"])]
    if len(untouched):
        v = untouched["deal_value"].to_numpy(float)
        extra = pd.DataFrame(
            {
                "campaign": NO_TOUCH,
                "lead_id": untouched["lead_id"].to_numpy(),
                "first_touch": v,
                "last_touch": v,
                "linear": v,
            }
        )
        credit = pd.concat([credit, extra], ignore_index=True)
    out = credit.groupby("campaign").agg(
        deals=("lead_id", "nunique"),
        first_touch=("first_touch", "sum"),
        last_touch=("last_touch", "sum"),
        linear=("linear", "sum"),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["first_vs_linear"] = out["first_touch"] / out["linear"] - 1.0
        out["last_vs_linear"] = out["last_touch"] / out["linear"] - 1.0
    out = out.reset_index().sort_values(["linear", "campaign"], ascending=[False, True])
    return out.reset_index(drop=True)
