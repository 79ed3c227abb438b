"""The slowest-mixing parameters of a simulated geo panel fit (a diagnostic).

Samples the panel model of ``mmm.model.simulate_panel`` with nutpie (as ``mmm fit`` does, in
this process) and prints the steps per draw and the ten smallest bulk ESS with their R-hat.
At 40 geos the spread of the geo ROIs (``geo_effect_sd``) is the slowest parameter; see
docs/benchmarks_geo.md::

    .venv/bin/python benchmarks/slowest_parameters.py --geos 40 --tune 1000 --draws 1000
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    """Fit one simulated panel and list its ten smallest bulk ESS."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--geos", type=int, default=40)
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--channels", type=int, default=5)
    parser.add_argument("--tune", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--target-accept", type=float, default=None, help="config default")
    parser.add_argument("--adaptation", default="low_rank", choices=("low_rank", "diag"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--form", default="adaptive", choices=("adaptive", "non_centred"))
    args = parser.parse_args()

    import arviz as az
    import numpy as np
    import nutpie
    from harness import simulated_panel_model

    from mmm.model.centring import centring_pilot
    from mmm.model.fit import run_pilot

    config, compiled = simulated_panel_model(args.geos, args.weeks, args.channels)
    target_accept = args.target_accept or config.sampler.target_accept
    start = time.perf_counter()
    pilot = centring_pilot(config) if args.form == "adaptive" else None
    if pilot is not None:  # as mmm's fit does (mmm.model.centring)
        compiled = run_pilot(compiled, config.sampler, pilot, cores=2)
    trace = nutpie.sample(
        compiled,
        draws=args.draws,
        tune=args.tune,
        chains=2,
        cores=2,
        seed=args.seed,
        progress_bar=False,
        adaptation=args.adaptation,
        target_accept=target_accept,
    )
    seconds = time.perf_counter() - start
    posterior = trace["posterior"].to_dataset()
    ess, rhat = az.ess(posterior), az.rhat(posterior)
    cells = sorted(
        (float(e), float(r), f"{name}[{i}]")
        for name in ess.data_vars
        for i, (e, r) in enumerate(
            zip(ess[name].to_numpy().ravel(), rhat[name].to_numpy().ravel(), strict=True)
        )
    )
    stats = trace["sample_stats"].to_dataset()
    print(
        f"{args.geos}x{args.weeks}x{args.channels}, 2 x ({args.tune} + {args.draws}), "
        f"target_accept {target_accept}, {args.form}: {seconds:.0f} s sampling (pilot included), "
        f"{float(stats['n_steps'].mean()):.1f} steps per draw, "
        f"{int(stats['diverging'].sum())} divergences"
    )
    for value, r, name in cells[:10]:
        print(f"  {name:<24} bulk ESS {value:7.0f}  R-hat {r:.3f}")
    values = np.array([c[0] for c in cells])
    print(f"bulk ESS 1% / 5% / 50% quantiles: {np.percentile(values, [1, 5, 50]).round(0)}")


if __name__ == "__main__":
    main()
