"""Weekly MQLs, SQLs and won revenue by channel: a CSV an MMM config can use as its target.

Each metric is dated by the day the stage was reached (an MQL counts in the week it became an
MQL, revenue in the week the deal was won), so weekly totals are not censored the way cohort
rates are. Weeks start on Monday by default (``week_start``); ``date`` holds their first day.
Every week between the first and last is present, with zeros where nothing happened.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from mmm.errors import DataError
from mmm.leads.channels import Rule
from mmm.leads.funnel import group_labels
from mmm.leads.schema import FUNNEL, latest_date

DEFAULT_METRICS: tuple[str, ...] = ("mql", "sql", "won_revenue")
DAYS: tuple[str, ...] = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
METRICS: tuple[str, ...] = (*FUNNEL, "won_revenue", "pipeline_value")


def slug(name: str) -> str:
    """Column-safe lower-case name: ``"Paid Search"`` -> ``"paid_search"``."""
    s = re.sub(r"[^0-9a-z]+", "_", str(name).lower()).strip("_")
    return s or "none"


def _metric(leads: pd.DataFrame, metric: str) -> tuple[pd.Series, np.ndarray]:
    """(date, amount) of one metric per lead."""
    if metric == "won_revenue":
        return leads["won"], leads["deal_value"].to_numpy(float)
    if metric == "pipeline_value":
        return leads["pipeline"], leads["deal_value"].to_numpy(float)
    date = leads["created" if metric == "lead" else metric]
    return date, np.ones(len(leads))


def weekly_aggregates(
    leads: pd.DataFrame,
    by: str = "first_touch",
    *,
    metrics: tuple[str, ...] = DEFAULT_METRICS,
    as_of: str | pd.Timestamp | None = None,
    complete_weeks: bool = True,
    week_start: str = "MON",
    rules: tuple[Rule, ...] | None = None,
) -> pd.DataFrame:
    """Weekly totals per channel, wide, gap-free.

    Parameters
    ----------
    leads : DataFrame
        Canonical lead table.
    by : str
        Grouping column (see :data:`mmm.leads.funnel.GROUPINGS`).
    metrics : tuple of str
        Any of ``lead``, ``mql``, ``sql``, ``opportunity``, ``pipeline``, ``won`` (counts),
        ``won_revenue`` and ``pipeline_value`` (sums of deal value).
    as_of : str or Timestamp, optional
        Export date; events after it are ignored. Default: the latest date in the table.
    complete_weeks : bool
        Drop the last week when ``as_of`` is not its last day (a partial week looks like a drop).
    week_start : str
        First day of the week (``MON`` ... ``SUN``), to match the spend data's weeks.
    rules : tuple of Rule, optional
        Channel rules for ``by="channel"``.

    Returns
    -------
    DataFrame
        ``date`` (first day of the week) then ``<metric>_<channel>`` columns and
        ``<metric>_total`` for each metric, floats for revenue, ints for counts.
    """
    for m in metrics:
        if m not in METRICS:
            raise DataError(f"unknown metric '{m}'; choose from {', '.join(METRICS)}", key=m)
    as_of = pd.Timestamp(as_of) if as_of is not None else latest_date(leads)
    labels = group_labels(leads, by, rules).to_numpy()
    names = sorted(set(labels))
    slugs = {n: slug(n) for n in names}
    if len(set(slugs.values())) < len(slugs):
        raise DataError("two channel names give the same column name; rename one", key=by)
    created = leads["created"][leads["created"] <= as_of]
    if week_start not in DAYS:
        raise DataError(f"week_start must be one of {', '.join(DAYS)}, got '{week_start}'")
    anchor = f"W-{DAYS[DAYS.index(week_start) - 1]}"  # a week starting MON ends SUN
    first = created.min().to_period(anchor).start_time
    last = as_of.to_period(anchor).start_time
    if complete_weeks and as_of.normalize() < as_of.to_period(anchor).end_time.normalize():
        last -= pd.Timedelta(days=7)
    weeks = pd.date_range(first, last, freq=f"W-{week_start}")
    out = pd.DataFrame({"date": weeks})
    for metric in metrics:
        date, amount = _metric(leads, metric)
        ok = (date <= as_of).to_numpy()
        week = date[ok].dt.to_period(anchor).dt.start_time.to_numpy()
        table = (
            pd.DataFrame({"week": week, "group": labels[ok], "amount": amount[ok]})
            .groupby(["week", "group"])["amount"]
            .sum()
            .unstack("group")
            .reindex(index=weeks, columns=names)
            .fillna(0.0)
        )
        is_count = metric in FUNNEL
        for name in names:
            col = table[name].to_numpy()
            out[f"{metric}_{slugs[name]}"] = col.astype("int64") if is_count else col
        total = table.sum(axis=1).to_numpy()
        out[f"{metric}_total"] = total.astype("int64") if is_count else total
    return out


def write_weekly(table: pd.DataFrame, path: str | Path) -> Path:
    """Write the weekly table as CSV (``date`` as YYYY-MM-DD), atomically."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    table.to_csv(tmp, index=False, date_format="%Y-%m-%d", float_format="%.2f")
    tmp.replace(path)
    return path
