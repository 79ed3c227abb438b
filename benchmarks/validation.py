"""Validation benchmarks: the cost of cross-validation on Dask, and out-of-sample coverage.

    .venv/bin/python benchmarks/validation.py cv-speed   # 5-fold CV vs one fit; 1 vs 2 workers
    .venv/bin/python benchmarks/validation.py coverage   # 90% holdout coverage over 10 seeds

``cv-speed`` times whole processes (``mmm fit`` and ``mmm cv``, imports and cluster start-up
included) on the shipped example (156 weeks x 5 channels, 2 chains x (1000 + 1000)), after one
warm-up fit of that structure, so the compile cache is warm for every timed run (a user's
second fit; the empty-cache case is issue 15's benchmark). Target: the 5-fold CV at most 3x one
fit, and faster with 2 workers than with 1. ``coverage`` fits simulated 156 x 5 panels with a
13-week holdout, seed by seed, and pools the holdout periods. Target: 90% predictive-interval
coverage between 0.80 and 0.97. Each run appends its rows to benchmarks/results/validation.jsonl
with the commit, package versions and the cache state.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from harness import ROOT, mmm_code, now, package_versions

RESULTS = ROOT / "benchmarks" / "results" / "validation.jsonl"
MMM = str(Path(sys.executable).parent / "mmm")
PACKAGES = ("mmm", "pymc", "pytensor", "nutpie", "dask", "distributed", "arviz")


def timed(command: list[str], cwd: Path) -> float:
    """Wall seconds of a whole process; raises when it fails."""
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return time.perf_counter() - start


def example_config(work: Path) -> Path:
    """configs/example.yaml with the example data simulated beside it (as scripts/demo.sh)."""
    (work / "configs").mkdir()
    (work / "data").mkdir()
    subprocess.run(
        [MMM, "simulate", "--output", str(work / "data" / "example.csv"), "--seed", "1"],
        check=True,
        capture_output=True,
    )
    config = work / "configs" / "example.yaml"
    config.write_text((ROOT / "configs" / "example.yaml").read_text())
    return config


def cv_speed(args: argparse.Namespace) -> list[dict]:
    cv = [MMM, "cv", "configs/example.yaml", "--folds", "5", "--horizon", "13",
          "--min-train", "104", "--json"]  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        example_config(work)
        fit = [MMM, "fit", "configs/example.yaml", "--no-progress", "-o", "models/example"]
        timed(fit, work)  # warm-up: the structure's compiled code is in the cache afterwards
        for repeat in range(args.repeats):
            one_fit = timed(fit, work)
            by_workers = {
                n: timed([*cv, "--workers", str(n), "--html", f"cv{n}.html"], work) for n in (1, 2)
            }
            row = {
                "benchmark": "cv-speed",
                "repeat": repeat,
                "one_fit_s": round(one_fit, 1),
                "cv_1_worker_s": round(by_workers[1], 1),
                "cv_2_workers_s": round(by_workers[2], 1),
                "ratio_cv_2_workers_to_fit": round(by_workers[2] / one_fit, 2),
                "speedup_2_vs_1_worker": round(by_workers[1] / by_workers[2], 2),
                "cache": "warm (one fit of the structure before the timed runs)",
                "cores": os.cpu_count(),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def coverage(args: argparse.Namespace) -> list[dict]:
    from mmm.model.config import parse_config
    from mmm.model.data import dataset_from_frame
    from mmm.model.simulate import simulate, simulation_config
    from mmm.validation.holdout import fit_with_holdout

    rows = []
    for seed in range(1, args.seeds + 1):
        sim = simulate(seed=seed, weeks=156, n_channels=5)
        raw = simulation_config(sim, "unused.csv", draws=1000, tune=1000)
        raw["validation"] = {"holdout_periods": args.holdout}
        config = parse_config(raw)
        fitted, scores = fit_with_holdout(config, dataset_from_frame(sim.frame, config), (), False)
        row = {
            "benchmark": "holdout-coverage",
            "seed": seed,
            **{k: round(v, 4) for k, v in scores.items()},
            "rhat_max": round(fitted.diagnostics.rhat_max, 4),
            "divergences": fitted.diagnostics.divergences,
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    covered = np.array([r["coverage_90"] for r in rows])
    rng = np.random.default_rng(0)
    boot = rng.choice(covered, size=(10_000, covered.size)).mean(axis=1)
    pooled = {
        "benchmark": "holdout-coverage-pooled",
        "seeds": len(rows),
        "periods": int(sum(r["periods"] for r in rows)),
        "coverage_90": round(float(covered.mean()), 4),
        "bootstrap_90_interval": [round(float(q), 4) for q in np.quantile(boot, [0.05, 0.95])],
        "target": [0.80, 0.97],
    }
    lo, hi = pooled["bootstrap_90_interval"]
    pooled["met"] = bool(lo >= 0.80 and hi <= 0.97)
    print(json.dumps(pooled), flush=True)
    return [*rows, pooled]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    speed = sub.add_parser("cv-speed", help="5-fold CV against one fit; 1 and 2 workers")
    speed.add_argument("--repeats", type=int, default=2)
    cover = sub.add_parser("coverage", help="90%% holdout coverage over simulated seeds")
    cover.add_argument("--seeds", type=int, default=10)
    cover.add_argument("--holdout", type=int, default=13)
    args = parser.parse_args()
    rows = cv_speed(args) if args.command == "cv-speed" else coverage(args)
    stamp = {"when": now(), "code": mmm_code(), "versions": package_versions(PACKAGES)}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as out:
        for row in rows:
            out.write(json.dumps(stamp | row) + "\n")


if __name__ == "__main__":
    main()
