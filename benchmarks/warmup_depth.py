"""Step size and tree depth through nutpie's warm-up for a simulated geo panel (a diagnostic).

At 100 geos x 156 weeks x 5 channels the sampler reaches the maximum tree depth (1023
leapfrog steps) from about warm-up iteration 20 with step sizes of 0.03-0.05, where 40 geos
take 20-25 steps per draw; this prints the trajectory to study it::

    .venv/bin/python benchmarks/warmup_depth.py --geos 100 --tune 100
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    """Fit one chain with the warm-up saved and print steps and step size along it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--geos", type=int, default=100)
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--channels", type=int, default=5)
    parser.add_argument("--tune", type=int, default=100)
    parser.add_argument("--adaptation", default="low_rank", choices=("low_rank", "diag"))
    args = parser.parse_args()

    import nutpie
    from harness import simulated_panel_model

    _, compiled = simulated_panel_model(args.geos, args.weeks, args.channels)
    start = time.perf_counter()
    trace = nutpie.sample(
        compiled,
        draws=10,
        tune=args.tune,
        chains=1,
        cores=1,
        seed=1,
        progress_bar=False,
        save_warmup=True,
        adaptation=args.adaptation,
    )
    print(f"{args.geos} geos: {time.perf_counter() - start:.1f} s for {args.tune} + 10 draws")
    stats = trace["warmup_sample_stats"].to_dataset().isel(chain=0)
    steps, size = stats["n_steps"].to_numpy(), stats["step_size"].to_numpy()
    for i in range(0, len(steps), max(1, len(steps) // 20)):
        print(f"warm-up {i:4d}: {int(steps[i]):5d} leapfrog steps, step size {size[i]:.4f}")


if __name__ == "__main__":
    main()
