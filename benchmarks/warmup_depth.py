"""Warm-up cost of a simulated geo panel by where the chain starts (a diagnostic with results).

From PyMC's jittered initial point a large panel's first warm-up iterations run at nutpie's
maximum tree depth (1023 leapfrog steps); ``sampler.start: mode`` (mmm.model.start) starts
near the posterior mode instead. One chain per start, run one after the other on the same
compiled model (panel_config's settings: target_accept 0.95, no centring pilot, so both starts
sample the same non-centred geo effects), each row appended to
``benchmarks/results/warmup_depth.jsonl``; a run stopped at ``--limit`` seconds records the
warm-up draws it finished::

    .venv/bin/python benchmarks/warmup_depth.py --geos 100 --channels 20 --tune 60
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "warmup_depth.jsonl"
KEPT_DRAWS = 20


def run_start(compiled, start: str, args: argparse.Namespace) -> dict[str, object]:
    """Sample one chain from ``start``; gradients spent in the warm-up and per kept draw."""
    import nutpie

    from mmm.model.start import MODE_ITERATIONS, start_near_mode

    begin = time.perf_counter()
    search_s = 0.0
    if start == "mode":
        compiled, _ = start_near_mode(compiled)
        search_s = time.perf_counter() - begin
    sampler = nutpie.sample(
        compiled,
        draws=KEPT_DRAWS,
        tune=args.tune,
        chains=1,
        cores=1,
        seed=1,
        progress_bar=False,
        save_warmup=True,
        adaptation=args.adaptation,
        target_accept=0.95,
        blocking=False,
    )
    try:
        trace, finished = sampler.wait(timeout=args.limit), True
    except TimeoutError:  # the draws so far, then stop the chain
        trace, finished = sampler.inspect(), False
        sampler.cancel()
    wall = time.perf_counter() - begin
    warm = trace["warmup_sample_stats"].to_dataset().isel(chain=0)
    steps = warm["n_steps"].to_numpy()
    row = {
        "start": start,
        "status": "ok" if finished else "limit",
        "limit_s": args.limit,
        "mode_iterations": MODE_ITERATIONS if start == "mode" else 0,
        "search_s": round(search_s, 2),
        "wall_s": round(wall, 2),
        "warmup_draws_done": int(steps.size),
        "warmup_gradients": int(steps.sum()),
        "warmup_gradients_per_10": [int(steps[i : i + 10].sum()) for i in range(0, len(steps), 10)],
        "warmup_at_max_depth": int((steps >= 1023).sum()),
    }
    if not finished:
        return row
    kept = trace["sample_stats"].to_dataset().isel(chain=0)
    return row | {
        "kept_steps_per_draw": float(kept["n_steps"].to_numpy().mean()),
        "final_step_size": float(warm["step_size"].to_numpy()[-1]),
        "divergences": int(np.sum(kept["diverging"].to_numpy())),
    }


def main() -> None:
    """Sample one chain per start and append a row for each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--geos", type=int, default=100)
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--channels", type=int, default=5)
    parser.add_argument("--tune", type=int, default=100)
    parser.add_argument("--adaptation", default="low_rank", choices=("low_rank", "diag"))
    parser.add_argument("--starts", default="mode,jitter", help="comma list of mode, jitter")
    parser.add_argument("--limit", type=float, default=900, help="seconds per start (then stop)")
    args = parser.parse_args()

    from harness import mmm_code, now, package_versions, simulated_panel_model

    _, compiled = simulated_panel_model(args.geos, args.weeks, args.channels)
    for start in args.starts.split(","):
        row = {
            "geos": args.geos,
            "weeks": args.weeks,
            "channels": args.channels,
            "tune": args.tune,
            "draws": KEPT_DRAWS,
            "adaptation": args.adaptation,
            **run_start(compiled, start, args),
            "when": now(),
            "mmm_code": mmm_code(),
            "versions": package_versions(("mmm", "pymc", "pytensor", "nutpie", "numba")),
        }
        print(json.dumps(row), flush=True)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        with RESULTS.open("a") as f:
            f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
