"""The example's convergence over many sampler seeds: is a change's posterior quality unchanged?

    .venv/bin/python benchmarks/sampler_seeds.py [--seeds 20] [--label NAME]

Fits the shipped example (156 x 5, 2 x (1000 + 1000)) in one process with sampler seeds 1..N
through :func:`mmm.model.fit.fit`, its structure compiled into the default cache first, and
prints the spread of its smallest bulk ESS and largest R-hat, the divergences and the median
sampling time. One seed's chains are a chaotic function
of the code's last bits (a change that moves a value by one unit in the last place re-draws
them), so two versions of the code are compared over seeds, not seed by seed. To measure an
older commit, put it in a worktree and run this file with ``PYTHONPATH=<worktree>``.

Rows go to benchmarks/results/sampler_seeds.jsonl with the commit and package versions.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
from harness import ROOT, mmm_code, now, package_versions

RESULTS = ROOT / "benchmarks" / "results" / "sampler_seeds.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--label", default="", help="a name for the code measured")
    args = parser.parse_args()

    import mmm
    from mmm.model.config import load_config
    from mmm.model.data import load_dataset
    from mmm.model.fit import fit
    from mmm.model.warm import compile_structures

    config = load_config(ROOT / "configs" / "example.yaml")
    dataset = load_dataset(config)
    compile_structures(config, dataset)  # every seed samples with the structure's own code
    figures = []
    for seed in range(1, args.seeds + 1):
        sampler = config.sampler.model_copy(update={"seed": seed})
        fitted = fit(config.model_copy(update={"sampler": sampler}), dataset, progress=False)
        d = fitted.diagnostics
        figures.append((d.ess_bulk_min, d.rhat_max, d.divergences, d.sample_seconds))
    ess, rhat, divergences, sample_s = np.array(figures).T
    row = {
        "label": args.label,
        "seeds": args.seeds,
        "ess_bulk_min": {
            "median": round(float(np.median(ess)), 1),
            "lowest": round(float(ess.min()), 1),
        },
        "rhat_max": {
            "median": round(float(np.median(rhat)), 4),
            "highest": round(float(rhat.max()), 4),
        },
        "divergences": int(divergences.sum()),
        "sample_s_median": round(float(np.median(sample_s)), 3),
        "mmm_source": str(mmm.__file__),
        "when": now(),
        "code": mmm_code(),
        "versions": package_versions(("mmm", "pymc", "pytensor", "nutpie", "numba")),
        "command": " ".join(["python", "benchmarks/sampler_seeds.py", *sys.argv[1:]]),
    }
    print(json.dumps(row))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as f:
        f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
