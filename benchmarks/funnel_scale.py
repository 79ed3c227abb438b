"""Time the lead funnel on a simulated CRM export of N leads (default 2 million).

Usage::

    .venv/bin/python benchmarks/funnel_scale.py [--leads 2000000]

Writes the export as CSV in a temporary folder, then times each step the ``mmm funnel``
command runs: read + validate, funnel by channel, account view, campaign influence, weekly CSV.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from mmm.leads.accounts import account_view
from mmm.leads.funnel import funnel_report
from mmm.leads.influence import campaign_influence
from mmm.leads.schema import read_leads
from mmm.leads.simulate import simulate_crm
from mmm.leads.weekly import weekly_aggregates, write_weekly


def main() -> None:
    """Simulate, run each step, print timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "crm.csv"
        t = time.perf_counter()
        raw, _ = simulate_crm(np.random.default_rng(args.seed), args.leads)
        raw.to_csv(path, index=False)
        print(f"{'simulate + write CSV':>24}: {time.perf_counter() - t:6.1f} s")
        del raw
        total = time.perf_counter()
        t = time.perf_counter()
        leads = read_leads(path)
        print(f"{'read + validate':>24}: {time.perf_counter() - t:6.1f} s")
        steps = {
            "funnel --by channel": lambda: funnel_report(leads, "channel"),
            "account view": lambda: account_view(leads),
            "campaign influence": lambda: campaign_influence(leads),
            "weekly CSV": lambda: write_weekly(
                weekly_aggregates(leads, "channel"), Path(tmp) / "w.csv"
            ),
        }
        for name, step in steps.items():
            t = time.perf_counter()
            step()
            print(f"{name:>24}: {time.perf_counter() - t:6.1f} s")
        print(f"{'total (without simulate)':>24}: {time.perf_counter() - total:6.1f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak memory':>24}: {peak:6.0f} MB ({args.leads:,} leads)")


if __name__ == "__main__":
    main()
