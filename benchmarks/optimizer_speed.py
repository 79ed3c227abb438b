"""Optimizer speed: 10 channels x 1,000 posterior draws (target: under 2 s on 2 cores).

Draws scatter around a simulation's true parameters (lognormal noise), so the problem has the
shape of a real posterior without needing a fit. Prints, per objective, the wall time of the
whole ``mmm.planning.optimizer.optimize`` call (median of ``--repeat`` runs), SLSQP iterations and
objective/gradient evaluations, and the time to build the horizon response from the draws.
Each run appends one JSON line (date, commit, load average, sizes and the printed figures) to
benchmarks/results/optimizer_speed.jsonl.

    .venv/bin/python benchmarks/optimizer_speed.py [--channels 10] [--draws 1000] [--horizon 13]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
from harness import ROOT, mmm_code, now

from mmm.model.simulate import simulate
from mmm.planning.optimizer import optimize
from mmm.planning.response import ResponseModel, response_from_truth

RESULTS = ROOT / "benchmarks" / "results" / "optimizer_speed.jsonl"


def posterior_like(channels: int, draws: int, horizon: int, seed: int = 1) -> ResponseModel:
    """A ResponseModel with ``draws`` draws around a simulation's truth."""
    sim = simulate(seed=seed, weeks=156, n_channels=channels)
    spend = sim.frame[sim.channels].to_numpy(dtype=float)
    truth = response_from_truth(sim.truth, spend, horizon, "history")
    rng = np.random.default_rng(seed)
    noise = lambda sd: np.exp(rng.normal(0.0, sd, (draws, channels)))  # noqa: E731
    params = {
        "geometric_alpha": np.clip(truth.params["geometric_alpha"] * noise(0.1), 0.01, 0.95),
        "logistic_lam": truth.params["logistic_lam"] * noise(0.25),
    }
    scale = np.array([sim.truth["channels"][c]["spend_scale"] for c in sim.channels])
    return ResponseModel.from_parameters(
        truth.plan, params, truth.beta * noise(0.25), scale, truth.pattern,
        history=spend, current=truth.current, pattern_kind="history",
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--horizon", type=int, default=13)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    response = posterior_like(args.channels, args.draws, args.horizon)
    build = time.perf_counter() - start
    budget = 1.2 * float(response.current.sum())
    c = response.channels
    print(
        f"{args.channels} channels x {args.draws} draws, horizon {args.horizon} "
        f"(+{response.plan.n_lags - 1} carry-over periods); response built in {build:.3f} s"
    )
    cases = {
        "mean": {},
        "mean, bounds + fixed": {"bounds": f"{c[0]}=0.5x:1.5x,{c[1]}=0.8x:1.2x", "fixed": [c[2]]},
        "mean_minus_std:1": {"objective": "mean_minus_std:1"},
        "cvar:0.1": {"objective": "cvar:0.1"},
        "target_kpi (90% of best)": None,
    }
    best = float(optimize(response, budget).kpi.mean())
    cases["target_kpi (90% of best)"] = {"objective": f"target_kpi:{0.9 * best}"}
    print(f"{'objective':<28}{'seconds':>9}{'iterations':>12}{'evaluations':>13}  converged")
    rows = {}
    for label, kwargs in cases.items():
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            plan = optimize(response, budget, **kwargs)
            times.append(time.perf_counter() - start)
        s = plan.solver
        print(
            f"{label:<28}{np.median(times):>9.3f}{s['iterations']:>12}{s['evaluations']:>13}"
            f"  {s['success']}"
        )
        rows[label] = {
            "median_s": round(float(np.median(times)), 4),
            "times_s": [round(t, 4) for t in times],
            "iterations": int(s["iterations"]),
            "evaluations": int(s["evaluations"]),
            "converged": bool(s["success"]),
        }
    row = {
        "when": now(),
        "code": mmm_code(),
        "load_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "channels": args.channels,
        "draws": args.draws,
        "horizon": args.horizon,
        "repeat": args.repeat,
        "build_s": round(build, 4),
        "objectives": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as f:
        f.write(json.dumps(row) + "\n")
    print(f"appended to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
