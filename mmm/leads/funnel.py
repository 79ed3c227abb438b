"""Funnel analytics per source channel: stage counts, cohort-correct rates, sales metrics.

The entry point is :func:`funnel_report`, which takes the canonical lead table from
:func:`mmm.leads.schema.read_leads` and returns a :class:`FunnelReport` of plain DataFrames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mmm.analysis.intervals import DEFAULT_PROB
from mmm.errors import DataError
from mmm.leads.channels import Rule, classify, self_reported_channel
from mmm.leads.cohorts import DAY, cohort_table, conversion_rate
from mmm.leads.groupings import GROUPINGS
from mmm.leads.schema import FUNNEL, LOST, latest_date

OVERALL = "(all)"
NONE = "(none)"


@dataclass
class FunnelReport:
    """Everything :func:`funnel_report` computes; every table has a ``group`` column.

    Attributes
    ----------
    by : str
        The grouping column.
    method : str
        How censoring of young leads was handled, in words.
    as_of : Timestamp
        The export date leads are followed up to.
    stages : DataFrame
        Leads that reached each stage (``lead`` ... ``won``) and ``lost``.
    conversions : DataFrame
        One row per group and stage-to-stage step: naive and cohort-correct rate, interval,
        days between the stages.
    sales : DataFrame
        Win rate, average deal, sales cycle, open opportunities, sales velocity, won revenue,
        revenue per lead and per MQL.
    ranking : DataFrame
        Groups ranked by MQL volume next to their rank by won revenue.
    cohorts : DataFrame
        Overall, per monthly cohort and step: naive vs completion-adjusted rate.
    prob : float
        Central probability of the rates' intervals (``lo``, ``hi``); ``"interval"`` in
        :meth:`to_dict`.
    """

    by: str
    method: str
    as_of: pd.Timestamp
    stages: pd.DataFrame
    conversions: pd.DataFrame
    sales: pd.DataFrame
    ranking: pd.DataFrame
    cohorts: pd.DataFrame
    prob: float = DEFAULT_PROB

    def to_dict(self) -> dict:
        """JSON-friendly dict: tables as lists of records, NaN as None."""

        def records(df: pd.DataFrame) -> list[dict]:
            return df.astype(object).where(df.notna(), None).to_dict(orient="records")

        return {
            "by": self.by,
            "method": self.method,
            "as_of": str(self.as_of.date()),
            "interval": self.prob,
            "stages": records(self.stages),
            "conversions": records(self.conversions),
            "sales": records(self.sales),
            "ranking": records(self.ranking),
            "cohorts": records(self.cohorts),
        }


def group_labels(leads: pd.DataFrame, by: str, rules: tuple[Rule, ...] | None = None) -> pd.Series:
    """The group of each lead for ``by`` (see :data:`GROUPINGS`); missing values -> ``(none)``."""
    if by not in GROUPINGS:
        raise DataError(f"unknown grouping '{by}'; choose one of {', '.join(GROUPINGS)}", key=by)
    if by == "channel":
        for col in ("utm_source", "utm_medium"):
            if col not in leads:
                raise DataError(f"--by channel needs the '{col}' column", key=col)
        return classify(leads["utm_source"], leads["utm_medium"], leads.get("utm_campaign"), rules)
    if by == "self_reported_channel":
        if "self_reported" not in leads:
            raise DataError("--by self_reported_channel needs the 'self_reported' column", key=by)
        return self_reported_channel(leads["self_reported"]).fillna(NONE)
    if by not in leads:
        raise DataError(
            f"no '{by}' column in the lead table (map it with --column {by}=NAME)", key=by
        )
    return leads[by].astype("string").fillna(NONE)


def _dates(leads: pd.DataFrame, stage: str) -> pd.Series:
    return leads["created" if stage == "lead" else stage]


def _groups(leads: pd.DataFrame, labels: pd.Series):
    yield OVERALL, leads
    for name in sorted(labels.dropna().unique()):
        yield str(name), leads[(labels == name).to_numpy()]


def stage_counts(leads: pd.DataFrame, labels: pd.Series, as_of: pd.Timestamp) -> pd.DataFrame:
    """Leads that reached each funnel stage by ``as_of``, per group."""
    reached = pd.DataFrame(
        {s: (_dates(leads, s) <= as_of).to_numpy() for s in (*FUNNEL, LOST)}, index=leads.index
    )
    per = reached.groupby(labels.to_numpy()).sum()
    per.loc[OVERALL] = reached.sum()
    per = per.loc[[OVERALL, *[g for g in per.index if g != OVERALL]]]
    return per.rename_axis("group").reset_index().astype({s: "int64" for s in (*FUNNEL, LOST)})


def conversions(
    leads: pd.DataFrame,
    labels: pd.Series,
    as_of: pd.Timestamp,
    *,
    method: str = "km",
    horizon: float = 180.0,
    prob: float = DEFAULT_PROB,
) -> pd.DataFrame:
    """Stage-to-stage rates per group: naive, cohort-correct, Beta interval, days between.

    One row per group and step with the fields of :class:`~mmm.leads.cohorts.Rate` (the
    interval at probability ``prob`` in ``lo``, ``hi``).
    """
    rows = []
    for name, sub in _groups(leads, labels):
        for a, b in zip(FUNNEL[:-1], FUNNEL[1:], strict=True):
            r = conversion_rate(
                _dates(sub, a), _dates(sub, b), as_of, method=method, horizon=horizon, prob=prob
            )
            rows.append({"group": name, "step": f"{a}->{b}", **r.to_dict()})
    return pd.DataFrame(rows)


def sales_metrics(
    leads: pd.DataFrame,
    labels: pd.Series,
    as_of: pd.Timestamp,
    *,
    method: str = "km",
    horizon: float = 180.0,
) -> pd.DataFrame:
    """Win rate, deal size, cycle, velocity and revenue per lead / MQL, per group.

    ``win_rate`` is the cohort-correct opportunity -> won rate; ``cycle_days`` the mean days
    from opportunity to won among won deals; ``open_opportunities`` those neither won nor lost
    by ``as_of``; ``velocity`` = open opportunities x win rate x average deal / cycle days
    (expected revenue per day from the open pipeline).
    """
    rows = []
    for name, sub in _groups(leads, labels):
        won = (sub["won"] <= as_of).to_numpy()
        opp = (sub["opportunity"] <= as_of).to_numpy()
        lost = (sub[LOST] <= as_of).to_numpy()
        win = conversion_rate(sub["opportunity"], sub["won"], as_of, method=method, horizon=horizon)
        revenue = float(sub["deal_value"].to_numpy()[won].sum())
        avg_deal = revenue / won.sum() if won.any() else float("nan")
        cycle = (
            ((sub["won"] - sub["opportunity"]).to_numpy()[won] / DAY).mean()
            if won.any()
            else float("nan")
        )
        open_opp = int((opp & ~won & ~lost).sum())
        n_leads = int((sub["created"] <= as_of).sum())
        n_mql = int((sub["mql"] <= as_of).sum())
        velocity = open_opp * win.rate * avg_deal / cycle if cycle and cycle > 0 else float("nan")
        rows.append(
            {
                "group": name,
                "opportunities": int(opp.sum()),
                "open_opportunities": open_opp,
                "won": int(won.sum()),
                "win_rate": win.rate,
                "win_rate_naive": win.naive,
                "avg_deal": avg_deal,
                "cycle_days": float(cycle),
                "velocity_per_day": float(velocity),
                "won_revenue": revenue,
                "revenue_per_lead": revenue / n_leads if n_leads else float("nan"),
                "revenue_per_mql": revenue / n_mql if n_mql else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def channel_ranking(stages: pd.DataFrame, sales: pd.DataFrame) -> pd.DataFrame:
    """Rank groups by MQL volume and by won revenue side by side (1 = most)."""
    df = stages[["group", "mql"]].merge(sales[["group", "won_revenue"]], on="group")
    df = df[df["group"] != OVERALL].rename(columns={"mql": "mqls"})
    df["rank_by_mqls"] = df["mqls"].rank(ascending=False, method="min").astype(int)
    df["rank_by_revenue"] = df["won_revenue"].rank(ascending=False, method="min").astype(int)
    df["rank_gap"] = df["rank_by_mqls"] - df["rank_by_revenue"]
    total_mql, total_rev = df["mqls"].sum(), df["won_revenue"].sum()
    df["mql_share"] = df["mqls"] / total_mql if total_mql else np.nan
    df["revenue_share"] = df["won_revenue"] / total_rev if total_rev else np.nan
    return df.sort_values(["rank_by_mqls", "group"]).reset_index(drop=True)


def funnel_report(
    leads: pd.DataFrame,
    by: str = "first_touch",
    *,
    as_of: str | pd.Timestamp | None = None,
    method: str = "km",
    horizon: float = 180.0,
    prob: float = DEFAULT_PROB,
    cohort_freq: str = "M",
    rules: tuple[Rule, ...] | None = None,
    max_groups: int = 500,
) -> FunnelReport:
    """Full funnel analysis of a lead table.

    Parameters
    ----------
    leads : DataFrame
        Canonical lead table (:func:`mmm.leads.schema.read_leads`).
    by : str
        Grouping, one of :data:`GROUPINGS`.
    as_of : str or Timestamp, optional
        Export date; default the latest date in the table.
    method : {"km", "mature"}
        Censoring handling for young leads (see :mod:`mmm.leads.cohorts`).
    horizon : float
        Days within which a conversion counts.
    prob : float
        Central posterior interval probability.
    cohort_freq : str
        Period of the cohort table (``"M"``, ``"W"``, ``"Q"``).
    rules : tuple of Rule, optional
        Channel rules for ``by="channel"``.
    max_groups : int
        Refuse groupings with more groups than this (each group costs a full analysis).

    Returns
    -------
    FunnelReport
    """
    as_of = pd.Timestamp(as_of) if as_of is not None else latest_date(leads)
    labels = group_labels(leads, by, rules)
    n_groups = labels.nunique()
    if n_groups > max_groups:
        raise DataError(
            f"--by {by} gives {n_groups} groups (more than {max_groups}); group by a coarser "
            "field (for accounts, see the account view)",
            key=by,
        )
    stages = stage_counts(leads, labels, as_of)
    conv = conversions(leads, labels, as_of, method=method, horizon=horizon, prob=prob)
    sales = sales_metrics(leads, labels, as_of, method=method, horizon=horizon)
    ranking = channel_ranking(stages, sales)
    cohort_rows = []
    for a, b in zip(FUNNEL[:-1], FUNNEL[1:], strict=True):
        tab = cohort_table(
            _dates(leads, a),
            _dates(leads, b),
            as_of,
            freq=cohort_freq,
            horizon=horizon,
            prob=prob,
        )
        cohort_rows.append(tab.assign(step=f"{a}->{b}"))
    cohorts = pd.concat(cohort_rows, ignore_index=True) if cohort_rows else pd.DataFrame()
    method_text = conv["method"].iloc[0]
    return FunnelReport(by, method_text, as_of, stages, conv, sales, ranking, cohorts, prob)
