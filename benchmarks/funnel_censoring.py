"""Measure how well funnel rates recover the simulator's truth, naive vs censoring-corrected.

Usage::

    .venv/bin/python benchmarks/funnel_censoring.py [--leads 50000] [--seeds 5] [--recent-days 60]

For each seed, simulates a year of CRM leads (``mmm.leads.simulate.simulate_crm``, export date at
the end of the year so recent cohorts are right-censored) and prints, per funnel step and
averaged over seeds: the true rate; on all leads the naive rate and the Kaplan-Meier rate; on
the leads that entered the step in the last ``--recent-days`` days the naive rate and the
completion-adjusted rate (and how often its 90% interval covers the truth); and how often
the 90% interval of the Kaplan-Meier rate per channel and step contains the truth.

Options: ``--seed`` (first seed; seed + i for the i-th run), ``--seeds``, ``--leads``,
``--recent-days``.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from mmm.leads.cohorts import conversion_rate, recent_cohort_rate
from mmm.leads.schema import FUNNEL, validate_leads
from mmm.leads.simulate import simulate_crm


def main() -> None:
    """Simulate, estimate, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=50_000)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--recent-days", type=float, default=60.0)
    args = parser.parse_args()
    rows, covered, total = [], 0, 0
    for i in range(args.seeds):
        raw, truth = simulate_crm(np.random.default_rng(args.seed + i), args.leads)
        leads = validate_leads(raw, source="simulated")
        true = truth.rates()
        for a, b in zip(FUNNEL[:-1], FUNNEL[1:], strict=True):
            step = f"{a}->{b}"
            ent, rea = leads["created" if a == "lead" else a], leads[b]
            r = conversion_rate(ent, rea, truth.as_of)
            rec = recent_cohort_rate(ent, rea, truth.as_of, days=args.recent_days)
            t = true.loc["overall", step]
            rows.append(
                {"step": step, "truth": t, "naive_all": r.naive, "km_all": r.rate,
                 "naive_recent": rec["naive"], "adjusted_recent": rec["adjusted"],
                 "recent_interval_covers": float(rec["lo"] <= t <= rec["hi"])}
            )  # fmt: skip
            for ch in truth.channels:
                sub = leads[leads["first_touch"] == ch]
                rc = conversion_rate(sub["created" if a == "lead" else a], sub[b], truth.as_of)
                covered += rc.lo <= true.loc[ch, step] <= rc.hi
                total += 1
    df = pd.DataFrame(rows).groupby("step", sort=False).mean()
    for col in ("naive_all", "km_all", "naive_recent", "adjusted_recent"):
        df[f"{col}_bias_pct"] = 100 * (df[col] / df["truth"] - 1)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    recent = f"recent = entered in the last {args.recent_days:g} d"
    print(f"{args.seeds} seeds x {args.leads} leads; {recent}")
    print(df.round(4).to_string())
    print(f"90% KM intervals per channel and step containing the truth: {covered}/{total}")


if __name__ == "__main__":
    main()
