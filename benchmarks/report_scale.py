"""Time the funnel and attribution HTML reports against the commands' ``--json`` runs.

Usage::

    .venv/bin/python benchmarks/report_scale.py [--leads 2000000] [--journeys 1000000] [--json]
        [--repeat 3]

Simulates a CRM export (``mmm.leads.simulate.simulate_crm``, as ``funnel_scale.py`` does) and an
event log (``simulate_events`` of ``mta_vs_channelattribution.py``), then runs the real CLI in
fresh processes, each command once (``--repeat N``: N times, interleaved so that each command
sees the same load, and the median reported), wall seconds:

* ``mmm funnel CRM --by channel --json`` and the same with ``--report funnel.html``;
* ``mmm attribute LOG --json`` (Markov, the default), ``mmm attribute LOG -m all --json`` and
  ``mmm attribute LOG --json --report attribution.html`` (the report runs every model).

Prints each time, the ratios report / json (target: under 1.5) and the report sizes (target:
under 5 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from mmm.leads.simulate import simulate_crm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mta_vs_channelattribution import simulate_events  # noqa: E402

MMM = str(Path(sys.executable).with_name("mmm"))


CPU: dict[str, list[float]] = {}


def run(*args: str) -> float:
    """Wall seconds of one ``mmm`` command in a fresh process (output discarded); its CPU
    seconds (all threads, less sensitive to other jobs on the machine) go to :data:`CPU`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([MMM, *args], check=True, stdout=subprocess.DEVNULL)
    wall = round(time.perf_counter() - start, 2)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    CPU.setdefault(" ".join(a for a in args if not a.startswith("/")), []).append(round(cpu, 2))
    return wall


def timed(commands: dict[str, list[str]], repeat: int, out: dict) -> dict[str, float]:
    """Median wall seconds of each command over ``repeat`` interleaved rounds (each round runs
    every command once, in order); every run's seconds go to ``out["runs_s"]``."""
    walls: dict[str, list[float]] = {key: [] for key in commands}
    for _ in range(repeat):
        for key, args in commands.items():
            walls[key].append(run(*args))
    if repeat > 1:
        out.setdefault("runs_s", {}).update(walls)
    return {key: round(float(np.median(values)), 2) for key, values in walls.items()}


def main() -> None:
    """Simulate, run the commands, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=2_000_000)
    parser.add_argument("--journeys", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    parser.add_argument("--skip-funnel", action="store_true", help="time the attribution only")
    parser.add_argument("--skip-attribute", action="store_true", help="time the funnel only")
    parser.add_argument("--repeat", type=int, default=1, help="runs per command (median)")
    args = parser.parse_args()
    out: dict[str, float | int] = {"leads": args.leads, "journeys": args.journeys,
                                   "cpus": os.cpu_count() or 0}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        crm, log = Path(tmp) / "crm.csv", Path(tmp) / "events.parquet"
        funnel_html, attribution_html = Path(tmp) / "funnel.html", Path(tmp) / "attribution.html"
        if not args.skip_funnel:
            raw, _ = simulate_crm(np.random.default_rng(args.seed), args.leads)
            raw.to_csv(crm, index=False)
            del raw
            time_funnel(crm, funnel_html, out, args.repeat)
        if not args.skip_attribute:
            pq.write_table(simulate_events(args.journeys, args.seed), log)
            time_attribute(log, attribution_html, out, args.repeat)
    out["cpu_s"] = {key: round(float(np.median(v)), 2) for key, v in CPU.items()}  # type: ignore[assignment]
    out["load_average_1min"] = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps(out))
        return
    for key, value in out.items():
        print(f"{key:>24}: {value}")


def time_funnel(crm: Path, funnel_html: Path, out: dict, repeat: int = 1) -> None:
    """``mmm funnel --json`` with and without ``--report``."""
    funnel = ["funnel", str(crm), "--by", "channel", "--json"]
    walls = timed(
        {"funnel_json": funnel, "funnel_report": [*funnel, "--report", str(funnel_html)]},
        repeat,
        out,
    )
    out["funnel_json_s"] = walls["funnel_json"]
    out["funnel_report_s"] = walls["funnel_report"]
    out["funnel_ratio"] = round(out["funnel_report_s"] / out["funnel_json_s"], 2)
    out["funnel_report_mb"] = round(funnel_html.stat().st_size / 1e6, 2)


def time_attribute(log: Path, attribution_html: Path, out: dict, repeat: int = 1) -> None:
    """``mmm attribute --json`` (Markov), with ``-m all`` and with ``--report``."""
    attribute = ["attribute", str(log), "--json"]
    walls = timed(
        {
            "attribute_json": attribute,
            "attribute_all_json": [*attribute, "-m", "all"],
            "attribute_report": [*attribute, "--report", str(attribution_html)],
        },
        repeat,
        out,
    )
    for key, seconds in walls.items():
        out[f"{key}_s"] = seconds
    out["attribute_ratio"] = round(out["attribute_report_s"] / out["attribute_json_s"], 2)
    out["attribute_ratio_vs_all"] = round(
        out["attribute_report_s"] / out["attribute_all_json_s"], 2
    )
    out["attribute_report_mb"] = round(attribution_html.stat().st_size / 1e6, 2)


if __name__ == "__main__":
    main()
