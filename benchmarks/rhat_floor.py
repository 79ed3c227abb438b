"""Where the 40 x 5 panel's largest R-hat comes from, and how low it can be at all.

Two parts, printed; no results file:

* ``null``: the largest rank-normalized split R-hat (ArviZ's default) over N quantities of
  independent standard normal draws, 2 chains x 1000, over several repetitions: the value a
  sampler that drew independent samples would report for a model with that many quantities.
* ``fit SEED``: the issue-11 target fit (40 geos x 156 weeks x 5 channels, 2 x (1000 + 1000),
  the panel of ``geo_panel.py``) with sampler seed SEED, and the quantities with the largest
  R-hat and the smallest bulk ESS, each with the other figure, over the variables without a
  date dimension (as ``geo_panel.py`` counts them).

Usage::

    .venv/bin/python benchmarks/rhat_floor.py null --quantities 747 --repeats 20
    .venv/bin/python benchmarks/rhat_floor.py fit 2
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def null_maxima(quantities: int, repeats: int, seed: int = 0) -> np.ndarray:
    """Largest R-hat over ``quantities`` independent normal series, per repetition."""
    import arviz as az
    import xarray as xr

    rng = np.random.default_rng(seed)
    out = []
    for _ in range(repeats):
        draws = rng.standard_normal((2, 1000, quantities))
        data = xr.Dataset({"x": (("chain", "draw", "quantity"), draws)})
        out.append(float(az.rhat(data)["x"].max()))
    return np.array(out)


def per_quantity(posterior) -> list[tuple[float, float, str]]:
    """(R-hat, bulk ESS, 'name[i]') of every element of the variables without a date dim."""
    import arviz as az
    from geo_panel import parameter_names

    names = parameter_names(posterior)
    rhat, ess = az.rhat(posterior[names]), az.ess(posterior[names], method="bulk")
    rows = []
    for name in rhat.data_vars:
        r, e = rhat[name].to_numpy().ravel(), ess[name].to_numpy().ravel()
        rows += [(float(r[i]), float(e[i]), f"{name}[{i}]") for i in range(r.size)]
    return rows


def fit_target(seed: int) -> list[tuple[float, float, str]]:
    """The target fit with sampler seed ``seed``; its per-quantity R-hat and ESS."""
    from geo_panel import data_paths

    from mmm.model.build import build_model
    from mmm.model.centring import centring_pilot
    from mmm.model.config import parse_config
    from mmm.model.data import load_dataset
    from mmm.model.fit import sample
    from mmm.model.simulate import Simulation
    from mmm.model.simulate_panel import panel_config

    csv, truth = data_paths(1, 40, 156, 5)
    sim = Simulation(frame=None, truth=json.loads(Path(truth).read_text()))
    sampler = {"chains": 2, "tune": 1000, "draws": 1000, "seed": seed}
    config = parse_config(panel_config(sim, csv, name="geo_bench", **sampler))
    model, _ = build_model(config, load_dataset(config))
    start = time.perf_counter()
    idata, _, _ = sample(model, config.sampler, progress=False, pilot=centring_pilot(config))
    divergences = int(idata["sample_stats"]["diverging"].sum())
    print(f"seed {seed}: sampled in {time.perf_counter() - start:.1f} s, {divergences} divergences")
    return per_quantity(idata["posterior"].to_dataset())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    null = commands.add_parser("null", help="largest R-hat of independent draws")
    null.add_argument("--quantities", type=int, default=747)
    null.add_argument("--repeats", type=int, default=20)
    fit = commands.add_parser("fit", help="the target fit's worst quantities")
    fit.add_argument("seed", type=int)
    args = parser.parse_args()
    if args.command == "null":
        maxima = null_maxima(args.quantities, args.repeats)
        print(
            f"{args.quantities} independent quantities, 2 x 1000 draws, {args.repeats} repeats: "
            f"largest R-hat median {np.median(maxima):.4f}, range {maxima.min():.4f}-"
            f"{maxima.max():.4f}, share >= 1.01: {(maxima >= 1.01).mean():.2f}"
        )
        return
    rows = fit_target(args.seed)
    print(f"{len(rows)} quantities, {sum(r >= 1.01 for r, _, _ in rows)} with R-hat >= 1.01")
    print(
        "largest R-hat:",
        ", ".join(f"{n} {r:.4f} (ESS {e:.0f})" for r, e, n in sorted(rows)[::-1][:6]),
    )
    print(
        "smallest ESS:",
        ", ".join(
            f"{n} {e:.0f} (R-hat {r:.4f})" for r, e, n in sorted(rows, key=lambda x: x[1])[:6]
        ),
    )


if __name__ == "__main__":
    main()
