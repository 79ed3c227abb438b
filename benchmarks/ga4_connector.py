"""Time the GA4 connector on a synthetic export of N events (default 5 million).

Usage::

    .venv/bin/python benchmarks/ga4_connector.py [--events 5000000] [--json]

Generates a GA4 BigQuery-schema Parquet file (nested ``event_params``) in a temporary folder,
then times ``mmm.leads.ga4.write_event_log`` (export -> event-log Parquet, the path
``mmm ga4`` takes; wall and CPU seconds, and the machine's load average) and ``ga4_event_log``
(export -> pandas DataFrame). Prints one line per figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from mmm.leads.ga4 import ga4_event_log, write_event_log
from mmm.leads.ga4_sim import simulate_ga4


def main() -> None:
    """Generate, convert, print timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = parser.parse_args()
    result: dict[str, float | int | str] = {"events": args.events, "cpus": os.cpu_count() or 0}
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "events.parquet", Path(tmp) / "event_log.parquet"
        t = time.perf_counter()
        table = simulate_ga4(
            np.random.default_rng(args.seed), args.events, days=90, anonymous_share=0.01
        )
        pq.write_table(table, src)
        result["generate_s"] = round(time.perf_counter() - t, 2)
        result["export_mb"] = round(src.stat().st_size / 2**20, 1)
        del table

        t, cpu = time.perf_counter(), time.process_time()
        stats = write_event_log(src, out)
        result["connector_to_parquet_s"] = round(time.perf_counter() - t, 2)
        # CPU seconds summed over DuckDB's threads: less sensitive to other jobs on the machine
        result["connector_to_parquet_cpu_s"] = round(time.process_time() - cpu, 2)
        result["load_average_1min"] = round(os.getloadavg()[0], 2)
        result.update({k: v for k, v in stats.items() if k != "output"})

        t = time.perf_counter()
        frame = ga4_event_log(src)
        result["connector_to_dataframe_s"] = round(time.perf_counter() - t, 2)
        result["rows_out"] = len(frame)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:>26}: {value}")


if __name__ == "__main__":
    main()
