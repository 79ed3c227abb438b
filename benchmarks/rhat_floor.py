"""Where the 40 x 5 panel's largest R-hat comes from, and how low it can be at all.

Three parts, printed; no results file:

* ``null``: the largest rank-normalized split R-hat (ArviZ's default) over N quantities of
  independent standard normal draws, 2 chains x 1000 (``--draws``), over several repetitions:
  the value a sampler that drew independent samples would report for a model with that many
  quantities.
* ``nuts``: the largest R-hat NUTS itself leaves on the easiest posterior there is, N
  independent standard normals, with the target's settings (2 chains x (1000 + 1000), the
  kept draws set by ``--draws``; target accept 0.95; nutpie with its default diagonal mass
  matrix), over several sampler seeds; with
  the largest bulk (rank-normalized split) and folded R-hat apart, since the reported R-hat is
  the larger of the two.
* ``fit SEED``: the issue-11 target fit (40 geos x 156 weeks x 5 channels, 2 x (1000 + 1000),
  the panel of ``geo_panel.py``) with sampler seed SEED, and the quantities with the largest
  R-hat and the smallest bulk ESS, each with the other figure, over the variables without a
  date dimension (as ``geo_panel.py`` counts them); and the largest R-hat over the model's
  free parameters alone (what PyMC's own convergence check counts) against the one over the
  derived quantities (``roi_geo``, ``beta``). ``--draws`` and ``--chains`` change the length.

Usage::

    .venv/bin/python benchmarks/rhat_floor.py null --quantities 747 --repeats 20
    .venv/bin/python benchmarks/rhat_floor.py nuts --quantities 747 --repeats 10
    .venv/bin/python benchmarks/rhat_floor.py nuts --quantities 747 --repeats 10 --draws 2000
    .venv/bin/python benchmarks/rhat_floor.py fit 2
    .venv/bin/python benchmarks/rhat_floor.py fit 2 --draws 2000
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def null_maxima(quantities: int, repeats: int, draws: int = 1000, seed: int = 0) -> np.ndarray:
    """Largest R-hat over ``quantities`` independent normal series (2 x ``draws``), per
    repetition."""
    import arviz as az
    import xarray as xr

    rng = np.random.default_rng(seed)
    out = []
    for _ in range(repeats):
        values = rng.standard_normal((2, draws, quantities))
        data = xr.Dataset({"x": (("chain", "draw", "quantity"), values)})
        out.append(float(az.rhat(data)["x"].max()))
    return np.array(out)


def bulk_and_folded_maxima(posterior) -> tuple[float, float]:
    """The largest bulk (rank-normalized split) and folded R-hat over ``posterior``'s elements."""
    import arviz as az

    bulk = az.rhat(posterior, method="z_scale")
    folded = az.rhat(posterior, method="folded")
    return (
        max(float(bulk[v].max()) for v in bulk.data_vars),
        max(float(folded[v].max()) for v in folded.data_vars),
    )


def nuts_maxima(
    quantities: int, repeats: int, target_accept: float = 0.95, draws: int = 1000
) -> list[tuple[float, float, int]]:
    """(largest bulk R-hat, largest folded R-hat, divergences) of NUTS on ``quantities``
    independent standard normals, 2 x (1000 + ``draws``), sampler seeds 1..``repeats``."""
    import pymc as pm

    from mmm.model.nutpie_import import import_nutpie
    from mmm.model.nuts import compile_for_nutpie

    nutpie = import_nutpie()
    with pm.Model() as model:
        pm.Normal("x", 0.0, 1.0, shape=quantities)
    compiled = compile_for_nutpie(model, "numba")
    out = []
    for seed in range(1, repeats + 1):
        trace = nutpie.sample(compiled, chains=2, cores=2, tune=1000, draws=draws, seed=seed,
                              target_accept=target_accept, progress_bar=False)  # fmt: skip
        divergences = int(trace["sample_stats"]["diverging"].sum())
        out.append((*bulk_and_folded_maxima(trace["posterior"].to_dataset()), divergences))
    return out


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


def fit_target(
    seed: int, draws: int = 1000, chains: int = 2
) -> tuple[list[tuple[float, float, str]], tuple[float, float]]:
    """The target fit with sampler seed ``seed`` (``chains`` x (1000 + ``draws``)): its
    per-quantity R-hat and ESS, and its largest bulk and folded R-hat."""
    from geo_panel import data_paths, parameter_names

    from mmm.model.build import build_model
    from mmm.model.centring import centring_pilot
    from mmm.model.config import parse_config
    from mmm.model.data import load_dataset
    from mmm.model.fit import sample
    from mmm.model.simulate import Simulation
    from mmm.model.simulate_panel import panel_config

    csv, truth = data_paths(1, 40, 156, 5)
    sim = Simulation(frame=None, truth=json.loads(Path(truth).read_text()))
    sampler = {"chains": chains, "tune": 1000, "draws": draws, "seed": seed}
    config = parse_config(panel_config(sim, csv, name="geo_bench", **sampler))
    model, _ = build_model(config, load_dataset(config))
    start = time.perf_counter()
    idata, _, _ = sample(model, config.sampler, progress=False, pilot=centring_pilot(config))
    divergences = int(idata["sample_stats"]["diverging"].sum())
    print(f"seed {seed}: sampled in {time.perf_counter() - start:.1f} s, {divergences} divergences")
    posterior = idata["posterior"].to_dataset()
    names = parameter_names(posterior)
    free = [v.name for v in model.free_RVs if v.name in names]
    derived = [v for v in names if v not in free]
    rows = per_quantity(posterior)
    for label, group in (("free parameters", free), (f"derived ({', '.join(derived)})", derived)):
        values = [r for r, _, quantity in rows if quantity.rsplit("[", 1)[0] in group]
        print(f"largest R-hat over the {len(values)} {label}: {max(values):.4f}")
    return rows, bulk_and_folded_maxima(posterior[names])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    null = commands.add_parser("null", help="largest R-hat of independent draws")
    null.add_argument("--quantities", type=int, default=747)
    null.add_argument("--repeats", type=int, default=20)
    null.add_argument("--draws", type=int, default=1000, help="draws per chain")
    nuts = commands.add_parser("nuts", help="largest R-hat of NUTS on independent normals")
    nuts.add_argument("--quantities", type=int, default=747)
    nuts.add_argument("--repeats", type=int, default=10)
    nuts.add_argument("--target-accept", type=float, default=0.95)
    nuts.add_argument("--draws", type=int, default=1000, help="kept draws per chain")
    fit = commands.add_parser("fit", help="the target fit's worst quantities")
    fit.add_argument("seed", type=int)
    fit.add_argument("--draws", type=int, default=1000, help="kept draws per chain")
    fit.add_argument("--chains", type=int, default=2)
    args = parser.parse_args()
    if args.command == "null":
        maxima = null_maxima(args.quantities, args.repeats, args.draws)
        print(
            f"{args.quantities} independent quantities, 2 x {args.draws} draws, "
            f"{args.repeats} repeats: "
            f"largest R-hat median {np.median(maxima):.4f}, range {maxima.min():.4f}-"
            f"{maxima.max():.4f}, share >= 1.01: {(maxima >= 1.01).mean():.2f}"
        )
        return
    if args.command == "nuts":
        runs = nuts_maxima(args.quantities, args.repeats, args.target_accept, args.draws)
        largest = np.array([max(b, f) for b, f, _ in runs])
        print(f"NUTS on {args.quantities} independent normals, 2 x (1000 + {args.draws}), target "
              f"accept {args.target_accept}, seeds 1-{args.repeats}:")  # fmt: skip
        for seed, (bulk, folded, divergences) in enumerate(runs, start=1):
            print(f"  seed {seed}: largest bulk R-hat {bulk:.4f}, folded {folded:.4f}, "
                  f"{divergences} divergences")  # fmt: skip
        print(f"largest R-hat median {np.median(largest):.4f}, range {largest.min():.4f}-"
              f"{largest.max():.4f}, share >= 1.01: {(largest >= 1.01).mean():.2f}")  # fmt: skip
        return
    rows, maxima = fit_target(args.seed, args.draws, args.chains)
    print(f"largest bulk R-hat {maxima[0]:.4f}, largest folded R-hat {maxima[1]:.4f}")
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
