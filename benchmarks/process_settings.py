"""What the ``mmm`` script's process settings (``mmm/console.py``) save a warm refit.

    .venv/bin/python benchmarks/process_settings.py [--repeats 5]
    .venv-bench/bin/python benchmarks/process_settings.py [--repeats 5]

Times whole ``mmm fit`` processes on the shipped example, alternating two entries into the same
command line: ``default`` runs it with Python's garbage-collector thresholds and xarray importing
``dask.array`` to test its arrays, ``console`` with the settings ``mmm.console.main`` makes (the
``mmm`` script's). The example's structure must be in the default PyTensor cache (fit it once
before; the first such fit compiles it in the background). Alternating the two, run for run,
keeps the machine's drift out of their difference.

Rows go to benchmarks/results/process_settings.jsonl with the commit and package versions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import ROOT, mmm_code, now, package_versions

RESULTS = ROOT / "benchmarks" / "results" / "process_settings.jsonl"

#: The two entries: the console's own, and the same with Python's defaults kept.
ENTRIES = {
    "console": "import mmm.console, sys\nsys.argv = ['mmm', *sys.argv[1:]]\nmmm.console.main()\n",
    "default": (
        "import gc, mmm.console, sys\n"
        "mmm.console.defer_dask_import = lambda: False\n"
        "mmm.console.YOUNG_GENERATION_THRESHOLD = gc.get_threshold()[0]\n"
        "sys.argv = ['mmm', *sys.argv[1:]]\n"
        "mmm.console.main()\n"
    ),
}


def timed_fit(entry: str, work: Path) -> float:
    """Wall seconds of one ``mmm fit`` process on the example through ``entry``."""
    config = ROOT / "configs" / "example.yaml"
    command = [sys.executable, "-c", ENTRIES[entry], "fit", str(config), "--no-progress",
               "-o", str(work / entry)]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(done.stdout[-2000:] + done.stderr[-2000:])
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    walls: dict[str, list[float]] = {entry: [] for entry in ENTRIES}
    with tempfile.TemporaryDirectory(prefix="bench-settings-") as folder:
        timed_fit("console", Path(folder))  # untimed: the first process reads files from disk
        for _ in range(args.repeats):
            for entry in ("default", "console"):
                walls[entry].append(timed_fit(entry, Path(folder)))
    medians = {entry: statistics.median(values) for entry, values in walls.items()}
    row = {
        "walls_s": {entry: [round(w, 2) for w in values] for entry, values in walls.items()},
        "median_s": {entry: round(m, 2) for entry, m in medians.items()},
        "saved_s": round(medians["default"] - medians["console"], 2),
        "when": now(),
        "code": mmm_code(),
        "versions": package_versions(("mmm", "pymc", "pytensor", "nutpie", "numba", "xarray")),
        "command": " ".join(["python", "benchmarks/process_settings.py", *sys.argv[1:]]),
    }
    for entry in ENTRIES:
        print(f"{entry:8s} " + ", ".join(f"{w:.2f}" for w in walls[entry])
              + f" s; median {medians[entry]:.2f} s")  # fmt: skip
    print(f"saved by the console's settings: {row['saved_s']:.2f} s (median against median)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as f:
        f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
