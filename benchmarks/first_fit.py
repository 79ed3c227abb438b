"""Issue 15's measurements: where a warm refit's seconds go, and what a config edit costs.

    .venv/bin/python benchmarks/first_fit.py [--repeats 3]

Every run is a whole ``mmm fit`` process on the shipped example (156 weeks x 5 channels,
2 chains x (1000 + 1000)), with its own PyTensor cache folder:

* **refit**: the example's structure is in the cache (one untimed fit before); the stages of
  the timed fits are read from the times at which ``mmm fit`` prints its stage lines
  (start -> first line: imports, config and data; -> '... sampling': model build and the
  compile or cache load; -> '... summarizing and saving': sampling; -> exit: summary and the
  model folder).
* **edits**: a cache that holds only the example's structure (copied afresh for each edit, so
  every edited structure is new to it while the operations' compiled code is warm) and one
  edited config: ``max_lag`` 8 -> 12, Hill instead of logistic saturation, Weibull instead of
  geometric adstock, a control added.
  Target: each at most 1.5x the refit's wall time.

With ``compile_backend: auto`` (the default; ``--compile-backend numba`` measures the Numba-only
path) a structure the cache lacks samples with JAX and ``mmm fit`` then compiles its Numba code
in a detached process (:mod:`mmm.model.warm`). The benchmark waits for that process after each
fit before timing the next (a modeler's next fit comes minutes later), and records how long it
ran (``background_compile_s``) and the backend each fit used.

Rows go to benchmarks/results/first_fit.jsonl with the commit and package versions.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from harness import ROOT, mmm_code, now, package_versions

from mmm.model.warm import wait_for_exit

RESULTS = ROOT / "benchmarks" / "results" / "first_fit.jsonl"
MMM = str(Path(sys.executable).parent / "mmm")
STAGES = (("... compiling", "... reusing", "... sampling"), ("... sampling",),
          ("... summarizing",))  # fmt: skip


def timed_fit(config: Path, cache: Path, work: Path) -> dict:
    """Wall seconds of one ``mmm fit`` process and of its stages (see the module doc)."""
    env = os.environ | {
        "PYTENSOR_FLAGS": f"base_compiledir={cache}",
        "PYTHONUNBUFFERED": "1",
        "MMM_BACKGROUND_COMPILE": "1",
        "COLUMNS": "200",
    }
    command = [MMM, "fit", str(config), "--no-progress", "-o", str(work / "model")]
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, cwd=work)  # fmt: skip
    marks, output = {}, []
    for line in proc.stdout:
        output.append(line)
        at = time.perf_counter() - start
        marks.setdefault("first_line", at)
        for key, prefixes in zip(
            ("build_start", "sample_start", "summary_start"), STAGES, strict=True
        ):
            if line.startswith(prefixes):
                marks.setdefault(key, at)
    proc.wait()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError("".join(output)[-2000:])
    text = " ".join("".join(output).split())
    compile_s = float(text.split("; compile ")[1].split(" s")[0])
    backend = text.split("compiling the model (")[1].split(":")[0].split(")")[0]
    background = re.search(r"in the background \(pid (\d+)\)", text)
    return {
        "backend": backend,
        "background_compile_s": (
            round(wait_for_exit(int(background.group(1))), 1) if background else None
        ),
        "wall_s": round(wall, 2),
        "imports_config_data_s": round(marks["first_line"], 2),
        "build_and_compile_s": round(marks["sample_start"] - marks["first_line"], 2),
        "of_which_compile_s": compile_s,
        "sample_s": round(marks["summary_start"] - marks["sample_start"], 2),
        "summarize_and_write_s": round(wall - marks["summary_start"], 2),
    }


def edited(base: dict, edit: str, work: Path) -> dict:
    """The example config with one edit (and the data column a new control needs)."""
    config = json.loads(json.dumps(base))
    config["name"] = f"example_{edit}"
    if edit == "max_lag_12":
        config["defaults"]["adstock"]["max_lag"] = 12
    elif edit == "hill":
        config["defaults"]["saturation"] = {"type": "hill"}
    elif edit == "weibull_adstock":
        config["defaults"]["adstock"] = config["defaults"]["adstock"] | {"type": "weibull"}
    elif edit == "control_added":
        data = pd.read_csv(work / "data" / "example.csv")
        data["price"] = np.random.default_rng(0).normal(10.0, 1.0, len(data)).round(2)
        data.to_csv(work / "data" / "example_price.csv", index=False)
        config["data"]["path"] = "../data/example_price.csv"
        config["controls"] = [*config["controls"], "price"]
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed refits")
    parser.add_argument("--compile-backend", default="auto", choices=("auto", "numba"),
                        help="sampler.compile_backend of every config")  # fmt: skip
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "configs").mkdir()
        subprocess.run([MMM, "simulate", "--output", str(work / "data" / "example.csv"),
                        "--seed", "1"], check=True, capture_output=True)  # fmt: skip
        base = yaml.safe_load((ROOT / "configs" / "example.yaml").read_text())
        base["sampler"]["compile_backend"] = args.compile_backend
        config = work / "configs" / "example.yaml"
        config.write_text(yaml.safe_dump(base, sort_keys=False))
        seen = work / "cache-seen"
        first = timed_fit(config, seen, work)  # empty cache: fills it with this structure
        rows.append({"case": "first fit, empty cache"} | first)
        print(json.dumps(rows[-1]), flush=True)
        for repeat in range(args.repeats):
            rows.append({"case": "refit", "repeat": repeat} | timed_fit(config, seen, work))
            print(json.dumps(rows[-1]), flush=True)
        for edit in ("max_lag_12", "hill", "weibull_adstock", "control_added"):
            cache = work / f"cache-{edit}"
            shutil.copytree(seen, cache)
            path = work / "configs" / f"{edit}.yaml"
            path.write_text(yaml.safe_dump(edited(base, edit, work), sort_keys=False))
            rows.append({"case": f"edit: {edit}"} | timed_fit(path, cache, work))
            print(json.dumps(rows[-1]), flush=True)
    refit = float(np.median([r["wall_s"] for r in rows if r["case"] == "refit"]))
    for row in rows:
        row["ratio_to_refit"] = round(row["wall_s"] / refit, 2)
    summary = {
        "case": "targets",
        "refit_median_s": refit,
        "edits_at_most_1.5x_refit": {
            r["case"]: r["ratio_to_refit"] <= 1.5 for r in rows if r["case"].startswith("edit")
        },
    }
    print(json.dumps(summary), flush=True)
    stamp = {
        "when": now(),
        "code": mmm_code(),
        "load_1min": os.getloadavg()[0],
        "compile_backend": args.compile_backend,
        "versions": package_versions(("mmm", "pymc", "pytensor", "nutpie", "numba")),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as out:
        for row in [*rows, summary]:
            out.write(json.dumps(stamp | row) + "\n")


if __name__ == "__main__":
    main()
