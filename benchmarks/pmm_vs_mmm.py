"""mmm versus PyMC-Marketing: speed, convergence and ROI accuracy on the same simulated data.

Both tools fit the same ``mmm simulate`` datasets with the same model class (geometric adstock
with 8 lags, logistic saturation, linear trend, yearly Fourier order 2, the ``promo`` control),
the same chains / tune / draws and nutpie's NUTS. Every timed fit runs in a fresh subprocess
(imports, model build, numba compile and sampling all count), and mmm and PyMC-Marketing runs
alternate so both see the same machine load. Results are appended to a JSON-lines file and
``docs/benchmarks.md`` is regenerated from all results collected so far, so partial runs give a
valid partial document.

Run it with the benchmark environment (PyMC-Marketing pins an older PyMC than mmm's own venv)::

    ~/.pyenv/versions/3.12.1/bin/python -m venv .venv-bench
    .venv-bench/bin/pip install -e '.[bench]'
    .venv-bench/bin/python benchmarks/pmm_vs_mmm.py head --sizes 156x5,260x12 --seeds 1,2,3
    .venv-bench/bin/python benchmarks/pmm_vs_mmm.py scaling --tools mmm --sizes all
    .venv-bench/bin/python benchmarks/pmm_vs_mmm.py study --tools mmm --seeds 1-12
    .venv-bench/bin/python benchmarks/pmm_vs_mmm.py doc      # only rewrite the document
    .venv/bin/python benchmarks/pmm_vs_mmm.py priors         # truths against default priors

Sub-commands: ``head`` (head-to-head, alternating fresh processes), ``scaling`` (the weeks x
channels grid, fresh processes), ``study`` (many seeds of 156 x 5 in one process per tool, for
coverage and ROI error; mmm reuses its compiled model there, so its times are not process
times), ``priors`` (each simulated dataset's true channel parameters against both tools'
default priors, see ``benchmarks/prior_mass.py``; simulation only, no fits), ``doc``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from harness import (
    deadline_passed,
    mmm_code,
    now,
    package_versions,
    spawn_with_rusage,
    stop_at_timestamp,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "pmm_vs_mmm.jsonl"
#: Results of the first runs, when mmm compiled with nutpie's C callback (``numba_cfunc``).
ARCHIVE = ROOT / "benchmarks" / "results" / "pmm_vs_mmm-cfunc.jsonl"
DOC = ROOT / "docs" / "benchmarks.md"
WEEKS = (104, 156, 260, 520)
CHANNELS = (3, 6, 12, 24)
HEAD_SIZES = ((156, 5), (260, 12))
INTERVAL = 0.9
L_MAX = 8
#: Packages whose versions every result row records (with the commit and the cache state).
VERSIONED = ("mmm", "pymc", "pymc-marketing", "pytensor", "nutpie", "numba", "numpy")
FOURIER_ORDER = 2
#: Suite of the head-to-head on data drawn inside both tools' default priors (``--in-prior``).
IN_PRIOR_SUITE = "head_in_prior"


# --------------------------------------------------------------------------- one fit (worker)


def _truth_roi(sim) -> np.ndarray:
    return np.array([sim.truth["channels"][c]["roi"] for c in sim.channels])


def _posterior_checks(posterior) -> dict[str, float]:
    """Max R-hat and min bulk ESS over the parameters (variables without a date dimension).

    PyMC-Marketing stores per-date Deterministics (contributions) in its posterior; mmm stores
    none. Both tools are judged on their non-time-indexed variables so the numbers compare.
    """
    import arviz as az

    names = [v for v in posterior.data_vars if "date" not in posterior[v].dims]
    params = posterior[names]
    rhat = az.rhat(params)
    ess = az.ess(params, method="bulk")
    return {
        "rhat_max": max(float(np.nanmax(rhat[v].to_numpy())) for v in rhat.data_vars),
        "ess_bulk_min": min(float(np.nanmin(ess[v].to_numpy())) for v in ess.data_vars),
    }


def _roi_scores(roi: np.ndarray, truth: np.ndarray) -> dict[str, object]:
    """ROI accuracy of draws ``roi`` (S, M) against ``truth`` (M,)."""
    tail = (1 - INTERVAL) / 2
    lo, hi = np.quantile(roi, [tail, 1 - tail], axis=0)
    inside = (lo <= truth) & (truth <= hi)
    rel = np.abs(roi.mean(axis=0) - truth) / truth
    return {
        "mare": float(rel.mean()),
        "covered": int(inside.sum()),
        "n_channels": int(truth.size),
        "roi_mean": [round(float(v), 4) for v in roi.mean(axis=0)],
        "roi_truth": [round(float(v), 4) for v in truth],
    }


def _timed_nutpie() -> dict[str, float]:
    """Wrap nutpie's compile and sample functions to time them (PyMC calls them by attribute)."""
    import nutpie

    timings = {"compile_s": 0.0, "sample_s": 0.0}

    def timed(fn, key: str):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                timings[key] += time.perf_counter() - start

        return wrapper

    nutpie.compile_pymc_model = timed(nutpie.compile_pymc_model, "compile_s")
    nutpie.sample = timed(nutpie.sample, "sample_s")
    return timings


def fit_mmm(sim, seed: int, chains: int, tune: int, draws: int) -> dict[str, object]:
    """Fit mmm on a simulation; timings, diagnostics and ROI scores."""
    from mmm.model.config import parse_config
    from mmm.model.data import dataset_from_frame
    from mmm.model.fit import fit
    from mmm.model.simulate import simulation_config

    start = time.perf_counter()
    config = parse_config(
        simulation_config(sim, "unused.csv", chains=chains, tune=tune, draws=draws, seed=seed)
    )
    fitted = fit(config, dataset_from_frame(sim.frame, config), progress=False)
    return {"fit_s": time.perf_counter() - start} | _mmm_scores(fitted, sim)


def _mmm_scores(fitted, sim) -> dict[str, object]:
    """Timings, diagnostics and ROI scores of an mmm fit (a fresh one or a loaded folder)."""
    from mmm.analysis.posterior import roi_draws

    diagnostics = fitted.diagnostics
    out = {
        "compile_s": diagnostics.compile_seconds,
        "sample_s": diagnostics.sample_seconds,
        "divergences": int(diagnostics.divergences),
        "compile_backend": diagnostics.compile_backend or fitted.config.sampler.compile_backend,
    }
    out |= _posterior_checks(fitted.posterior)
    return out | _roi_scores(roi_draws(fitted), _truth_roi(sim))


def pmm_model(sim):
    """PyMC-Marketing's MMM with mmm's model class (its default priors)."""
    from pymc_marketing.mmm import MMM, GeometricAdstock, LinearTrend, LogisticSaturation
    from pymc_marketing.mmm.additive_effect import LinearTrendEffect

    model = MMM(
        date_column="date",
        target_column="sales",
        channel_columns=sim.channels,
        control_columns=sim.controls or None,
        adstock=GeometricAdstock(l_max=L_MAX),
        saturation=LogisticSaturation(),
        yearly_seasonality=FOURIER_ORDER,
    )
    # One change point at t = 0: a straight line through the whole period.
    model.add_mu_effect(LinearTrendEffect(trend=LinearTrend(n_changepoints=1), prefix="trend"))
    return model


def pmm_roi_draws(model, frame, channels: list[str]) -> np.ndarray:
    """ROI draws (S, M) in original units from a fitted PyMC-Marketing MMM.

    PyMC-Marketing divides the target and each channel by its maximum inside the model; its
    ``channel_contribution`` is in target/max units, so the original-scale contribution is that
    times ``target_scale`` (what its identity-link counterfactual decomposition does). Spend is
    the raw spend column.
    """
    idata = model.idata
    contribution = idata["posterior"]["channel_contribution"]
    scale = float(np.asarray(idata["constant_data"]["target_scale"]).squeeze())
    total = contribution.sum("date").transpose("chain", "draw", "channel")
    total = total.sel(channel=channels).to_numpy() * scale
    return total.reshape(-1, len(channels)) / frame[channels].to_numpy(dtype=float).sum(axis=0)


def fit_pmm(sim, seed: int, chains: int, tune: int, draws: int) -> dict[str, object]:
    """Fit PyMC-Marketing on a simulation; timings, diagnostics and ROI scores."""
    import warnings

    timings = _timed_nutpie()
    frame = sim.frame
    start = time.perf_counter()
    model = pmm_model(sim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(
            frame.drop(columns=["sales"]),
            frame["sales"],
            chains=chains,
            tune=tune,
            draws=draws,
            random_seed=seed,
            nuts_sampler="nutpie",
            target_accept=0.9,
            progressbar=False,
        )
    fit_s = time.perf_counter() - start
    stats = model.idata["sample_stats"]
    key = "diverging" if "diverging" in stats else "divergences"
    out = dict(timings) | {"fit_s": fit_s, "divergences": int(stats[key].to_numpy().sum())}
    out |= _posterior_checks(model.idata["posterior"].to_dataset())
    return out | _roi_scores(pmm_roi_draws(model, frame, sim.channels), _truth_roi(sim))


FITTERS = {"mmm": fit_mmm, "pmm": fit_pmm}


def worker(args: argparse.Namespace) -> None:
    """Fit one tool on one or more seeds of one size in this process; print JSON lines."""
    start = time.perf_counter()
    import mmm.model.fit  # noqa: F401  (imports count towards the process time)
    from mmm.model.simulate import simulate

    if args.tool == "pmm":
        import pymc_marketing.mmm  # noqa: F401
    import_s = time.perf_counter() - start
    for seed in _parse_seeds(args.seeds):
        sim = simulate(
            seed=seed,
            weeks=args.weeks,
            n_channels=args.channels,
            saturation_ceiling=args.saturation_ceiling,
        )
        row = FITTERS[args.tool](sim, seed, args.chains, args.tune, args.draws)
        row |= {"import_s": import_s, "seed": seed}
        print("RESULT " + json.dumps(row), flush=True)
        import_s = 0.0


# --------------------------------------------------------------------------- driver


def _parse_seeds(text: str) -> list[int]:
    seeds: list[int] = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            seeds.extend(range(int(a), int(b) + 1))
        elif part:
            seeds.append(int(part))
    return seeds


def _parse_sizes(text: str) -> list[tuple[int, int]]:
    if text == "all":
        return [(w, c) for w in WEEKS for c in CHANNELS]
    return [tuple(int(v) for v in s.split("x")) for s in text.split(",") if s]  # type: ignore[misc]


def run_subprocess(
    tool: str, weeks: int, channels: int, seeds: str, args: argparse.Namespace
) -> list[dict[str, object]]:
    """Run the worker in a fresh process; wall time and peak RSS of that process."""
    cmd = [
        sys.executable, __file__, "worker", "--tool", tool, "--weeks", str(weeks),
        "--channels", str(channels), "--seeds", seeds, "--chains", str(args.chains),
        "--tune", str(args.tune), "--draws", str(args.draws),
    ]  # fmt: skip
    if args.saturation_ceiling is not None:
        cmd += ["--saturation-ceiling", repr(args.saturation_ceiling)]
    env = os.environ | {"PYTHONWARNINGS": "ignore"}
    if args.cold:  # an empty PyTensor/numba cache: the first fit on a fresh machine
        cache_dir = tempfile.mkdtemp(prefix="bench-pytensor-")
        env["PYTENSOR_FLAGS"] = f"base_compiledir={cache_dir}"
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        stdout, stderr = proc.communicate(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        print(f"  {tool} {weeks}x{channels} seeds {seeds}: timed out after {args.timeout} s")
        return [{"tool": tool, "weeks": weeks, "channels": channels, "status": "timeout",
                 "timeout_s": args.timeout, "seeds": seeds}]  # fmt: skip
    wall = time.perf_counter() - start
    # The child's own peak RSS, recorded when it was reaped (see harness.spawn_with_rusage).
    rss_mb = getattr(proc, "_bench_rss_mb", None)
    rows = []
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            rows.append(json.loads(line[7:]))
    if proc.returncode != 0 or not rows:
        print(f"  {tool} {weeks}x{channels} seeds {seeds} failed:\n{stderr[-3000:]}")
        return [{"tool": tool, "weeks": weeks, "channels": channels, "status": "error",
                 "seeds": seeds, "error": stderr[-1500:]}]  # fmt: skip
    for row in rows:
        row |= {"tool": tool, "weeks": weeks, "channels": channels, "status": "ok"}
        row |= _run_fields(args, load)
    if len(rows) == 1:
        rows[0] |= {"wall_s": wall, "mode": "process", "peak_rss_mb": rss_mb}
    else:
        for row in rows:
            row |= {"mode": "study", "study_wall_s": wall, "peak_rss_mb": rss_mb}
    return rows


def run_cli(weeks: int, channels: int, seed: int, args: argparse.Namespace) -> list[dict]:
    """Fit mmm as its user does, ``mmm fit config.yaml``, in a fresh process.

    The simulated data and the config are written before the clock starts; the model folder the
    command writes is read after it stops, for the same diagnostics and ROI scores as the
    worker's. ``import_s`` is the time to the command's first line (imports, config and data
    checks). Background compiles are off (``MMM_BACKGROUND_COMPILE=0``): one started after a
    fit would still run during the next tool's fit.
    """
    import yaml

    from mmm.model.simulate import simulate, simulation_config
    from mmm.model.store import load_model

    sim = simulate(
        seed=seed, weeks=weeks, n_channels=channels, saturation_ceiling=args.saturation_ceiling
    )
    work = Path(tempfile.mkdtemp(prefix="bench-mmm-cli-"))
    sim.frame.to_csv(work / "data.csv", index=False)
    config = simulation_config(
        sim, work / "data.csv", chains=args.chains, tune=args.tune, draws=args.draws, seed=seed
    )
    (work / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    command = [str(Path(sys.executable).parent / "mmm"), "fit", str(work / "config.yaml"),
               "--no-progress", "-o", str(work / "model")]  # fmt: skip
    env = os.environ | {"PYTHONWARNINGS": "ignore", "MMM_BACKGROUND_COMPILE": "0"}
    if args.cold:
        env["PYTENSOR_FLAGS"] = f"base_compiledir={tempfile.mkdtemp(prefix='bench-pytensor-')}"
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)  # fmt: skip
    first_line, output = None, []
    for line in proc.stdout:
        first_line = first_line or time.perf_counter() - start
        output.append(line)
    proc.wait()
    wall = time.perf_counter() - start
    base = {"tool": "mmm", "weeks": weeks, "channels": channels, "seed": seed}
    if proc.returncode != 0:
        print(f"  mmm fit {weeks}x{channels} seed {seed} failed:\n{''.join(output)[-3000:]}")
        return [base | {"status": "error", "error": "".join(output)[-1500:]}]
    row = base | _mmm_scores(load_model(work / "model"), sim) | _run_fields(args, load)
    rss_mb = getattr(proc, "_bench_rss_mb", None)
    row |= {"status": "ok", "via": "cli", "import_s": first_line, "fit_s": None,
            "wall_s": wall, "mode": "process", "peak_rss_mb": rss_mb}  # fmt: skip
    return [row]


def compile_mmm_structure(weeks: int, channels: int, args: argparse.Namespace) -> None:
    """Put the size's model structure in mmm's default compile cache, untimed, as the
    background compile after a user's earlier fit of it would (:mod:`mmm.model.warm`): the warm
    runs then time refits of a structure seen before, any seed. It runs in a spawned process:
    a child forked later inherits its parent's peak RSS as its own starting ``ru_maxrss``, so a
    compile in this process would inflate every fit's peak memory."""
    settings = (weeks, channels, args.chains, args.tune, args.draws, args.saturation_ceiling)
    start = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        compiled = pool.apply(_compile_structure, settings)
    what = "compiled" if compiled else "in the cache already"
    print(f"  mmm {weeks}x{channels} structure {what} ({time.perf_counter() - start:.1f} s, "
          "untimed)", flush=True)  # fmt: skip


def _compile_structure(
    weeks: int, channels: int, chains: int, tune: int, draws: int, ceiling: float | None
) -> bool:
    from mmm.model.config import parse_config
    from mmm.model.data import dataset_from_frame
    from mmm.model.simulate import simulate, simulation_config
    from mmm.model.warm import compile_structures

    sim = simulate(seed=1, weeks=weeks, n_channels=channels, saturation_ceiling=ceiling)
    raw = simulation_config(sim, "data.csv", chains=chains, tune=tune, draws=draws, seed=1)
    config = parse_config(raw)
    return compile_structures(config, dataset_from_frame(sim.frame, config))


def _run_fields(args: argparse.Namespace, load: float) -> dict[str, object]:
    """What every result row records of the run: settings, machine load, cache, code, versions."""
    return {"chains": args.chains, "tune": args.tune, "draws": args.draws,
            "load_before": round(load, 2), "when": now(),
            "cache": "cold" if args.cold else "warm", "code": mmm_code(),
            "versions": package_versions(VERSIONED),
            "saturation_ceiling": args.saturation_ceiling}  # fmt: skip


def _append(rows: list[dict[str, object]], command: str) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as f:
        for row in rows:
            f.write(json.dumps(row | {"command": command}) + "\n")


def _show(row: dict[str, object]) -> None:
    if row.get("status") != "ok":
        return
    wall = row.get("wall_s") or row["fit_s"]
    print(
        f"  {row['tool']:>3} {row['weeks']}x{row['channels']} seed {row['seed']}: "
        f"wall {wall:.1f} s (compile {row['compile_s']:.1f}, sample {row['sample_s']:.1f}), "
        f"ESS {row['ess_bulk_min']:.0f}, R-hat {row['rhat_max']:.3f}, div {row['divergences']}, "
        f"MARE {row['mare']:.3f}, covered {row['covered']}/{row['n_channels']}, "
        f"RSS {row.get('peak_rss_mb') or float('nan'):.0f} MB",
        flush=True,
    )


def cmd_head(args: argparse.Namespace, command: str) -> None:
    """Alternate mmm and PyMC-Marketing fits, one fresh process each."""
    tools = args.tools.split(",")
    for weeks, channels in _parse_sizes(args.sizes):
        if args.mmm_cli and not args.cold and "mmm" in tools:
            compile_mmm_structure(weeks, channels, args)
        for seed in _parse_seeds(args.seeds):
            order = tools if seed % 2 else tools[::-1]
            for tool in order:
                if deadline_passed(args):
                    print("stop time reached; not starting more fits")
                    return
                if tool == "mmm" and args.mmm_cli:
                    rows = run_cli(weeks, channels, seed, args)
                else:
                    rows = run_subprocess(tool, weeks, channels, str(seed), args)
                for row in rows:
                    row["suite"] = _head_suite(args)
                    _show(row)
                _append(rows, command)
                write_doc()


def _head_suite(args: argparse.Namespace) -> str:
    """The suite a head-to-head row belongs to: empty cache, data inside both priors, or the
    plain head-to-head."""
    if args.mmm_cli:
        return "cold-cli" if args.cold else "head-cli"
    if args.cold:
        return "cold"
    return IN_PRIOR_SUITE if args.in_prior else "head"


def cmd_scaling(args: argparse.Namespace, command: str) -> None:
    """The weeks x channels grid, one fresh process per fit, tools alternating per cell."""
    tools = args.tools.split(",")
    sizes = sorted(_parse_sizes(args.sizes), key=lambda s: s[0] * s[1])
    for weeks, channels in sizes:
        for tool in tools:
            if deadline_passed(args):
                print("stop time reached; not starting more fits")
                return
            if tool == "pmm" and weeks * channels > args.pmm_max_cells:
                continue
            rows = run_subprocess(tool, weeks, channels, str(args.seed), args)
            for row in rows:
                row["suite"] = "scaling"
                _show(row)
            _append(rows, command)
            write_doc()


def cmd_study(args: argparse.Namespace, command: str) -> None:
    """Many seeds of one size in one process per tool (coverage and ROI error)."""
    weeks, channels = _parse_sizes(args.sizes)[0]
    for tool in args.tools.split(","):
        rows = run_subprocess(tool, weeks, channels, args.seeds, args)
        for row in rows:
            row["suite"] = "study"
            _show(row)
        _append(rows, command)
        write_doc()


def cmd_priors(args: argparse.Namespace, command: str) -> None:
    """Quantiles of the simulated truths under both tools' default priors (no fits).

    The datasets are those both tools fitted in the results file, unless ``--sizes`` and
    ``--seeds`` name others (their cross product). Prints a table and writes
    ``benchmarks/results/prior_mass.json``.
    """
    import prior_mass  # scipy stays out of the timed worker processes

    if args.sizes or args.seeds:
        sizes = _parse_sizes(args.sizes or ",".join(f"{w}x{c}" for w, c in HEAD_SIZES))
        datasets = [(w, c, s) for w, c in sizes for s in _parse_seeds(args.seeds or "1")]
    else:
        datasets = prior_mass.datasets_of_results(load_results())
    rows = prior_mass.prior_mass_rows(datasets)
    prior_mass.print_table(rows)
    prior_mass.write_prior_mass(rows, now(), mmm_code(), command)
    print(f"\nwrote {prior_mass.PRIOR_MASS.relative_to(ROOT)} ({len(datasets)} datasets)")


# --------------------------------------------------------------------------- the document


def load_results(path: Path = RESULTS) -> list[dict[str, object]]:
    """Every result row collected so far in ``path``."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None or not np.isfinite(value):
        return "-"
    return f"{value:,.{digits}f}"


def _median(values: list[float]) -> float:
    return float(np.median(values)) if values else float("nan")


def _process_rows(rows, tool=None, size=None, suite=None):
    out = [r for r in rows if r.get("status") == "ok" and r.get("mode") == "process"]
    if tool:
        out = [r for r in out if r["tool"] == tool]
    if size:
        out = [r for r in out if (r["weeks"], r["channels"]) == size]
    if suite:
        out = [r for r in out if r.get("suite") == suite]
    return out


def _ess_per_s(row) -> float:
    return row["ess_bulk_min"] / row["wall_s"]


def _head_table(rows, suite: str = "head") -> list[str]:
    lines = [
        "| size | seed | tool | wall s | import s | compile s | sample s | min bulk ESS | "
        "ESS/s (wall) | max R-hat | divergences | peak RSS MB | ROI MARE | 90% covered |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    head = sorted(
        _process_rows(rows, suite=suite),
        key=lambda r: (r["weeks"] * r["channels"], r["seed"], r["tool"]),
    )
    for r in head:
        lines.append(
            f"| {r['weeks']}x{r['channels']} | {r['seed']} | {r['tool']} | {_fmt(r['wall_s'])} | "
            f"{_fmt(r['import_s'])} | {_fmt(r['compile_s'])} | {_fmt(r['sample_s'])} | "
            f"{_fmt(r['ess_bulk_min'], 0)} | {_fmt(_ess_per_s(r), 2)} | "
            f"{_fmt(r['rhat_max'], 3)} | {r['divergences']} | {_fmt(r.get('peak_rss_mb'), 0)} | "
            f"{_fmt(r['mare'], 3)} | {r['covered']}/{r['n_channels']} |"
        )
    return lines


def bootstrap_median(values: list[float], draws: int = 10_000) -> tuple[float, float, float]:
    """Median of per-seed values and the 90% bootstrap interval of that median (seeds resampled)."""
    values_arr = np.asarray(values, dtype=float)
    rng = np.random.default_rng(0)
    medians = np.median(rng.choice(values_arr, size=(draws, values_arr.size)), axis=1)
    lo, hi = np.quantile(medians, [0.05, 0.95])
    return float(np.median(values_arr)), float(lo), float(hi)


def _seed_pairs(rows, size, suite: str = "head", seeds=None):
    """The seeds both tools fitted at ``size`` in ``suite`` (only those in ``seeds`` when
    given), and each tool's row per seed.

    Returns
    -------
    seeds : list of int
    mmm, pmm : list of dict
        The mmm and PyMC-Marketing rows, in the order of ``seeds``.
    """
    by_tool = {t: {r["seed"]: r for r in _process_rows(rows, t, size, suite)} for t in FITTERS}
    common = sorted(set(by_tool["mmm"]) & set(by_tool["pmm"]))
    if seeds is not None:
        common = [s for s in common if s in seeds]
    return common, [by_tool["mmm"][s] for s in common], [by_tool["pmm"][s] for s in common]


def _seed_ratios(mmm_rows, pmm_rows) -> dict[str, object]:
    """Seed-by-seed ratios mmm / PyMC-Marketing of wall time and ESS/s, with
    :func:`bootstrap_median` of each.

    Returns
    -------
    dict
        ``walls`` (the wall ratio per seed), ``wall`` and ``ess`` (median, 90% interval low,
        high), ``wall_met`` (the whole interval <= 1/3) and ``ess_met`` (the whole interval
        >= 3).
    """
    pairs = list(zip(mmm_rows, pmm_rows, strict=True))
    walls = [a["wall_s"] / b["wall_s"] for a, b in pairs]
    wall = bootstrap_median(walls)
    ess = bootstrap_median([_ess_per_s(a) / _ess_per_s(b) for a, b in pairs])
    return {
        "walls": walls,
        "wall": wall,
        "ess": ess,
        "wall_met": wall[2] <= 1 / 3,
        "ess_met": ess[1] >= 3,
    }


def _interval_text(stat: tuple[float, float, float], digits: int) -> str:
    """'median [low, high]' of :func:`bootstrap_median`."""
    median, lo, hi = stat
    return f"{median:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def _ratio_table(rows, suite: str = "head") -> list[str]:
    """Seed-by-seed ratios (each seed's mmm row over its PyMC-Marketing row), their median with
    a 90% bootstrap interval; a target counts as met only when the whole interval meets it."""
    lines = [
        "| size | seeds (both tools) | wall mmm / pmm per seed | median [90% bootstrap] | "
        "wall target (<= 0.33) | ESS/s mmm / pmm: median [90% bootstrap] | ESS/s target (>= 3) "
        "| mean MARE mmm / pmm |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size in HEAD_SIZES:
        seeds, m, p = _seed_pairs(rows, size, suite)
        if not seeds:
            lines.append(f"| {size[0]}x{size[1]} | none | - | not run (time) | - | - | - | - |")
            continue
        r = _seed_ratios(m, p)
        mare_m, mare_p = np.mean([r["mare"] for r in m]), np.mean([r["mare"] for r in p])
        lines.append(
            f"| {size[0]}x{size[1]} | {', '.join(map(str, seeds))} | "
            f"{', '.join(f'{w:.2f}' for w in r['walls'])} | {_interval_text(r['wall'], 2)} | "
            f"{'met' if r['wall_met'] else 'missed'} | "
            f"{_interval_text(r['ess'], 1)} | {'met' if r['ess_met'] else 'missed'} | "
            f"{mare_m:.3f} / {mare_p:.3f} |"
        )
    return lines


def _refit_target_lines(rows, size: tuple[int, int] = (156, 5)) -> list[str]:
    """Issue 15's warm-refit target on the ``head-cli`` suite: PyMC-Marketing's wall over
    mmm's, per seed and as a median with its 90% bootstrap interval; met when the whole
    interval is at least 5."""
    seeds, m, p = _seed_pairs(rows, size, "head-cli")
    if not seeds:
        return []
    speedups = [b["wall_s"] / a["wall_s"] for a, b in zip(m, p, strict=True)]
    median, lo, hi = bootstrap_median(speedups)
    verdict = "met" if lo >= 5 else "missed"
    return [
        f"Refit speed-up at {size[0]}x{size[1]} (PyMC-Marketing wall / mmm wall), seeds "
        f"{', '.join(map(str, seeds))}: {', '.join(f'{v:.1f}x' for v in speedups)}; median "
        f"{median:.1f}x [{lo:.1f}, {hi:.1f}]: 5x target {verdict}.",
        "",
    ]


#: Fewest seeds on which a restricted judgement (:func:`_inside_prior_lines`) is made.
MIN_SEEDS = 3


def _inside_prior_lines(rows, suite: str = "head") -> list[str]:
    """The targets judged again on the seeds whose truths all lie inside both tools' priors.

    A seed qualifies at a size when ``benchmarks/results/prior_mass.json`` holds its dataset
    and every true channel parameter lies inside the highest-density region of both tools'
    default priors (``prior_mass.inside_by_dataset``).
    """
    import prior_mass  # scipy stays out of the timed worker processes

    record = prior_mass.load_prior_mass()
    head = "### Only the seeds whose truths lie inside both tools' default priors"
    if record is None or "hdr_mass" not in record:
        return [head, "", "Not judged: `prior_mass.json` is missing or older than its HDR rule "
                "(run the `priors` command).", ""]  # fmt: skip
    inside = prior_mass.inside_by_dataset(record["rows"])
    lines = [
        head,
        "",
        f"The same targets on the seeds whose every true channel parameter lies inside the "
        f"{record['hdr_mass']:.0%} highest-density region of both tools' default priors (see "
        "*Simulated truth against each tool's default priors* below), so that neither tool's "
        "priors work against the truth. Ratios and bootstrap as above, over those seeds only; "
        f"with fewer than {MIN_SEEDS} such seeds a size is not judged, and with few seeds the "
        "bootstrap interval cannot be wider than the seeds' own range, so it understates the "
        "uncertainty. MARE is the mean over those seeds; coverage counts the true ROIs inside "
        "the 90% posterior interval over their channels.",
        "",
        "| size | seeds (both tools) | seeds inside both priors | wall mmm / pmm per seed | "
        "wall: median [90% bootstrap] (all seeds) | wall target (<= 0.33) | ESS/s mmm / pmm: "
        "median [90% bootstrap] (all seeds) | ESS/s target (>= 3) | mean MARE mmm / pmm | "
        "90% coverage |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size in HEAD_SIZES:
        lines.append(_inside_prior_row(rows, size, suite, inside))
    return [*lines, ""]


def _inside_prior_row(rows, size, suite: str, inside: dict[tuple[int, int, int], bool]) -> str:
    """One size's row of :func:`_inside_prior_lines`."""
    label = f"| {size[0]}x{size[1]} |"
    seeds, m_all, p_all = _seed_pairs(rows, size, suite)
    if not seeds:
        return f"{label} none | - | - | not run (time) | - | - | - | - | - |"
    unchecked = [s for s in seeds if (*size, s) not in inside]
    good = [s for s in seeds if inside.get((*size, s), False)]
    checked = f"{len(good)} of {len(seeds)}" + (f": {_seed_text(good)}" if good else "")
    if unchecked:
        checked += f" ({_seed_text(unchecked)} not checked)"
    cells = f"{label} {_seed_text(seeds)} | {checked} |"
    _, m, p = _seed_pairs(rows, size, suite, set(good))
    if len(good) < MIN_SEEDS:
        few = f"too few seeds ({len(good)} < {MIN_SEEDS}) to judge"
        walls = ", ".join(f"{a['wall_s'] / b['wall_s']:.2f}" for a, b in zip(m, p, strict=True))
        return f"{cells} {walls or '-'} | {few} | - | {few} | - | {_accuracy_cells(m, p)}"
    r, everyone = _seed_ratios(m, p), _seed_ratios(m_all, p_all)
    return (
        f"{cells} {', '.join(f'{w:.2f}' for w in r['walls'])} | "
        f"{_interval_text(r['wall'], 2)} ({_interval_text(everyone['wall'], 2)}) | "
        f"{'met' if r['wall_met'] else 'missed'} | "
        f"{_interval_text(r['ess'], 1)} ({_interval_text(everyone['ess'], 1)}) | "
        f"{'met' if r['ess_met'] else 'missed'} | {_accuracy_cells(m, p)}"
    )


def _in_prior_suite_lines(rows) -> list[str]:
    """The head-to-head on data drawn inside both tools' default priors (``head --in-prior``).

    The check that every truth of those datasets lies inside both priors' highest-density
    regions is redone here from the simulator, with the ceiling each row records.
    """
    import prior_mass  # scipy stays out of the timed worker processes

    suite_rows = _process_rows(rows, suite=IN_PRIOR_SUITE)
    head = "### On data drawn inside both tools' default priors"
    if not suite_rows:
        return [head, "", "Not run yet (`head --in-prior`).", ""]
    ceilings = sorted({r["saturation_ceiling"] for r in suite_rows})
    datasets = {(r["weeks"], r["channels"], r["seed"], r["saturation_ceiling"]) for r in suite_rows}
    inside = {
        key: all(
            row["inside_hdr"]
            for row in prior_mass.prior_mass_rows([key[:3]], saturation_ceiling=key[3])
        )
        for key in sorted(datasets)
    }
    lines = [
        head,
        "",
        "The seeds above whose truths all lie inside both priors are few, because the simulator "
        "draws each channel's logistic `lam` on [0.5, 3] per unit of spend / mean spend, and "
        "PyMC-Marketing states its `saturation_lam` prior per unit of spend / max spend: a "
        "flighted channel's max / mean ratio of 3-6 carries the truth past its Gamma(3, 1) "
        "prior's mass. Here the datasets are drawn with `simulate(saturation_ceiling="
        + ", ".join(f"{c:.2f}" for c in ceilings)
        + ")`, the upper end of that prior's "
        f"{prior_mass.HDR_MASS:.0%} highest-density region, which caps each channel's `lam` at "
        "that value x mean / max spend; everything else is the same simulation and the same "
        f"harness. Checked again from the simulator: {sum(inside.values())} of {len(inside)} "
        "datasets have every true channel parameter inside both tools' default priors.",
        "",
        *_head_table(rows, IN_PRIOR_SUITE),
        "",
        *_ratio_table(rows, IN_PRIOR_SUITE),
        "",
        "| size | mean MARE mmm / pmm | 90% coverage |",
        "|---|---|---|",
    ]
    for size in HEAD_SIZES:
        _, m, p = _seed_pairs(rows, size, IN_PRIOR_SUITE)
        if m:
            lines.append(f"| {size[0]}x{size[1]} | {_accuracy_cells(m, p)}")
    return [*lines, ""]


def _accuracy_cells(mmm_rows, pmm_rows) -> str:
    """'mean MARE mmm / pmm | mmm covered/channels, pmm covered/channels |' over the given
    seeds' rows."""
    if not mmm_rows:
        return "- | - |"
    mare = " / ".join(f"{np.mean([r['mare'] for r in t]):.3f}" for t in (mmm_rows, pmm_rows))
    n = sum(r["n_channels"] for r in mmm_rows)
    cover = ", ".join(
        f"{tool} {sum(r['covered'] for r in t)}/{n}"
        for tool, t in (("mmm", mmm_rows), ("pmm", pmm_rows))
    )
    return f"{mare} | {cover} |"


#: Suites whose fits time the same simulation with a warm cache: the scaling table's rows.
TIMING_SUITES = ("head", "scaling")


def _timing_rows(rows, tool: str, size=None) -> list[dict[str, object]]:
    """Process rows of ``tool`` (at ``size``) in :data:`TIMING_SUITES` (no empty-cache fits, no
    data drawn another way)."""
    return [r for r in _process_rows(rows, tool, size) if r.get("suite") in TIMING_SUITES]


def _scaling_table(rows, tool: str, key: str) -> list[str]:
    lines = [
        "| weeks \\ channels | " + " | ".join(map(str, CHANNELS)) + " |",
        "|---|" + "---|" * len(CHANNELS),
    ]
    for weeks in WEEKS:
        cells = []
        for channels in CHANNELS:
            done = _timing_rows(rows, tool, (weeks, channels))
            if done:
                cells.append(_fmt(_median([r[key] for r in done])))
            elif any(
                r.get("status") == "timeout" and r["tool"] == tool
                and (r["weeks"], r["channels"]) == (weeks, channels) for r in rows
            ):  # fmt: skip
                cells.append("timed out")
            else:
                cells.append("not run (time)")
        lines.append(f"| {weeks} | " + " | ".join(cells) + " |")
    return lines


def power_law(rows, tool: str, key: str) -> tuple[float, float, int]:
    """Exponent b of ``key ~ a (weeks * channels)^b`` over all sizes measured, R^2 and n."""
    points = {}
    for r in _timing_rows(rows, tool):
        points.setdefault((r["weeks"], r["channels"]), []).append(r[key])
    if len(points) < 3:
        return float("nan"), float("nan"), len(points)
    x = np.log([w * c for w, c in points])
    y = np.log([_median(v) for v in points.values()])
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (slope * x + intercept)
    r2 = 1 - resid.var() / y.var()
    return float(slope), float(r2), len(points)


def _study(rows, tool: str) -> dict[int, dict[str, object]]:
    """ROI scores per seed at 156x5: process runs and in-process study runs alike."""
    out: dict[int, dict[str, object]] = {}
    for r in rows:
        if (
            r.get("status") == "ok" and r["tool"] == tool
            and (r["weeks"], r["channels"]) == (156, 5) and r["seed"] not in out
        ):  # fmt: skip
            out[r["seed"]] = r
    return out


def _coverage_lines(rows) -> list[str]:
    lines = []
    studies = {t: _study(rows, t) for t in FITTERS}
    lines.append(
        "| tool | seeds | channels judged | 90% coverage | datasets with all R-hat < 1.01 | "
        "divergences (total) | mean ROI MARE |"
    )
    lines.append("|---|---|---|---|---|---|---|")
    for tool, per_seed in studies.items():
        if not per_seed:
            lines.append(f"| {tool} | none | - | not run (time) | - | - | - |")
            continue
        covered = sum(r["covered"] for r in per_seed.values())
        judged = sum(r["n_channels"] for r in per_seed.values())
        ok = sum(r["rhat_max"] < 1.01 for r in per_seed.values())
        div = sum(r["divergences"] for r in per_seed.values())
        mare = np.mean([r["mare"] for r in per_seed.values()])
        lines.append(
            f"| {tool} | {len(per_seed)} ({_seed_text(per_seed)}) | {judged} | "
            f"{covered / judged:.1%} | {ok}/{len(per_seed)} | {div} | {mare:.3f} |"
        )
    common = sorted(set(studies["mmm"]) & set(studies["pmm"]))
    if common:
        m = np.mean([studies["mmm"][s]["mare"] for s in common])
        p = np.mean([studies["pmm"][s]["mare"] for s in common])
        cm = sum(studies["mmm"][s]["covered"] for s in common)
        cp = sum(studies["pmm"][s]["covered"] for s in common)
        n = sum(studies["mmm"][s]["n_channels"] for s in common)
        lines += [
            "",
            f"On the {len(common)} seeds both tools fitted ({_seed_text(dict.fromkeys(common))}): "
            f"mean ROI MARE mmm {m:.3f} vs PyMC-Marketing {p:.3f} "
            f"({'no worse' if m <= p else 'worse'}); 90% coverage mmm {cm}/{n}, "
            f"PyMC-Marketing {cp}/{n}.",
        ]
    return lines


TOOL_NAMES = {"mmm": "mmm", "pmm": "PyMC-Marketing"}


def _prior_mass_lines() -> list[str]:
    """The section on where the simulated truths sit in both tools' default priors.

    Read from ``benchmarks/results/prior_mass.json`` (the ``priors`` sub-command writes it).
    """
    import prior_mass  # scipy stays out of the timed worker processes

    record = prior_mass.load_prior_mass()
    lines = ["## Simulated truth against each tool's default priors", ""]
    if record is None or "hdr_mass" not in record:
        rel = prior_mass.PRIOR_MASS.relative_to(ROOT)
        return [
            *lines,
            f"Not computed yet (`{rel}` is missing or older than its highest-density rule; run "
            "the `priors` command).",
            "",
        ]
    rows = record["rows"]
    groups = _prior_mass_groups(rows)
    summaries = [prior_mass.summary(g) for _, g in groups]
    lines += [
        _prior_mass_intro(record),
        "",
        "| tool | parameter | default prior | units | "
        f"{record['hdr_mass']:.0%} HDR | "
        + " | ".join(f"quantiles, {name} ({_n_channels(g)} channels)" for name, g in groups)
        + " |",
        "|---|---|---|---|---|" + "---|" * len(groups),
    ]
    for i, first in enumerate(summaries[0]):
        cells = [_quantile_cell(s[i]) for s in summaries]
        lines.append(
            f"| {TOOL_NAMES[first['tool']]} | `{first['parameter']}` | {first['prior']} | "
            f"{prior_mass.UNITS[first['parameter']]} | {_hdr_text(first)} | "
            + " | ".join(cells)
            + " |"
        )
    lines += [
        "",
        *_prior_mass_findings(summaries[0], record["hdr_mass"]),
        _inside_datasets_sentence(prior_mass.inside_by_dataset(rows), record["hdr_mass"]),
        "",
    ]
    return lines


def _prior_mass_groups(rows: list[dict[str, object]]) -> list[tuple[str, list[dict]]]:
    """All rows, then those of each head-to-head size, each with a column title."""
    groups = [("all datasets", rows)]
    for weeks, channels in HEAD_SIZES:
        of_size = [r for r in rows if (r["weeks"], r["channels"]) == (weeks, channels)]
        if of_size:
            seeds = _seed_text({r["seed"] for r in of_size})
            groups.append((f"{weeks}x{channels}, seeds {seeds}", of_size))
    return groups


def _prior_mass_intro(record: dict[str, object]) -> str:
    """What the section checks, the rule for inside, and which datasets it covers."""
    import prior_mass

    rows, mass = record["rows"], record["hdr_mass"]
    datasets = sorted({(r["weeks"], r["channels"], r["seed"]) for r in rows})
    return (
        "Each dataset's true channel parameters (`sim.truth`), mapped into each tool's own "
        "parameterization and units, and their quantile (prior CDF) under that tool's default "
        "prior: mmm's ROI (LogNormal around the 'auto' median, sigma 1), adstock and saturation; "
        "PyMC-Marketing's `adstock_alpha`, `saturation_lam` (spend divided by its maximum) and "
        "`saturation_beta` (KPI divided by its maximum). The conversions are derived in "
        "`benchmarks/prior_mass.py`. A truth is inside a prior's mass when it lies in the "
        f"prior's {mass:.0%} highest-density region (HDR), the shortest interval holding "
        f"{mass:.0%} of the prior, where its density is highest: for a prior whose density is "
        "largest at the lower end of its support (HalfNormal, Beta(1, 3)) that is a quantile "
        f"<= {mass}, so a truth near 0 is in its densest part, not in a tail, and for a prior "
        "with an interior mode (LogNormal, Beta(2, 2), Gamma(3, .)) the ends are the quantiles "
        f"p and p + {mass} where the density is equal, found numerically. Datasets: "
        + (
            "every one both tools fitted in the results above"
            if datasets == prior_mass.datasets_of_results(load_results())
            else "**not** the datasets both tools fitted in the results above (run the "
            "`priors` command again)"
        )
        + f" ({len(datasets)} datasets, {_n_channels(rows)} channels), computed "
        f"{record['date']} at commit {record['commit']} by "
        f"`{record['command']}`; per channel in `{prior_mass.PRIOR_MASS.relative_to(ROOT)}`. "
        "Only the channel parameters are checked (not the intercept, trend, seasonality, control "
        "or noise priors)."
    )


def _hdr_text(s: dict[str, object]) -> str:
    """A prior's HDR as values (when the same for every dataset) and as quantiles."""
    q = s["hdr_quantiles"]
    quantiles = f"quantiles {q[0]:.3g} to {q[1]:.3g}" if q else "quantiles vary by dataset"
    if s["hdr"] is None:
        return f"{quantiles} (values scale with the median)"
    return f"{s['hdr'][0]:.3g} to {s['hdr'][1]:.3g} ({quantiles})"


def _quantile_cell(s: dict[str, object]) -> str:
    """'min-max' of the truths' quantiles, then how many lie outside the HDR."""
    outside = []
    if s["below"]:
        outside.append(f"{s['below']} below")
    if s["above"]:
        outside.append(f"{s['above']} above")
    text = f"{s['outside']} outside the HDR ({', '.join(outside)})" if outside else "none outside"
    return f"{s['q_min']:.3f}-{s['q_max']:.3f}; {text}"


def _n_channels(rows: list[dict[str, object]]) -> int:
    return len({(r["weeks"], r["channels"], r["seed"], r["channel"]) for r in rows})


def _prior_mass_findings(summary: list[dict[str, object]], mass: float) -> list[str]:
    """Plain sentences: which truths are outside which prior's HDR, and what that means."""
    lines = []
    for tool, name in TOOL_NAMES.items():
        mine = [s for s in summary if s["tool"] == tool]
        if not any(s["outside"] for s in mine):
            n = mine[0]["n"] if mine else 0
            lines.append(
                f"- **{name}**: all {n} truths of every parameter lie inside the {mass:.0%} HDR "
                "of its default priors."
            )
        for s in mine:
            lines += _outside_sentences(name, s, mass)
    conflicts = [f"{TOOL_NAMES[s['tool']]} `{s['parameter']}`" for s in summary if s["outside"]]
    lines.append(
        "- In short: "
        + (
            "the simulated parameters sit inside both tools' default prior mass."
            if not conflicts
            else "the simulated parameters do **not** all sit inside both tools' default prior "
            f"mass: some truths are outside the {mass:.0%} HDR of {', '.join(conflicts)}. On "
            "those channels that prior works against the truth, so a difference in ROI accuracy "
            "between the tools can come partly from the priors, not only from the sampler; the "
            "head-to-head targets are judged again on the seeds whose truths all lie inside "
            "both tools' priors, and the head-to-head was run again on datasets drawn inside "
            "both (*On data drawn inside both tools' default priors*, above)."
        )
    )
    return lines


def _outside_sentences(name: str, s: dict[str, object], mass: float) -> list[str]:
    """What the truths outside one prior's HDR mean, or a note on a prior whose density is
    largest at 0 when its truths sit low in it (otherwise: [])."""
    head = f"- **{name} `{s['parameter']}`** ({s['prior']}): "
    hdr = s["hdr"]
    lines = []
    if s["above"]:
        lines.append(
            head
            + f"{s['above']} of {s['n']} truths lie above its {mass:.0%} HDR"
            + (f" (above {hdr[1]:.3g})" if hdr else "")
            + f", outside the prior's mass; the largest is {s['truth_max']:.3g}"
            + (
                f". {s['above_flighted']} of them are flighted channels, bought in bursts, "
                "whose largest week is several times their mean spend."
                if s["above_flighted"]
                else "."
            )
        )
    if s["below"]:
        lines.append(
            head
            + f"{s['below']} of {s['n']} truths lie below its {mass:.0%} HDR"
            + (f" (below {hdr[0]:.3g})" if hdr else "")
            + ", outside the prior's mass."
        )
    if not s["outside"] and s["peak_at_zero"] and s["q_max"] < 0.5:
        lines.append(
            head + f"all {s['n']} truths are inside, at quantiles {s['q_min']:.4f}-"
            f"{s['q_max']:.3f} (values {s['truth_min']:.3g}-{s['truth_max']:.3g}): the low end "
            "of a prior whose density is highest at 0, its densest part, not a tail; the prior "
            "is wide for them rather than against them."
        )
    return lines


def _inside_datasets_sentence(inside: dict[tuple[int, int, int], bool], mass: float) -> str:
    """How many datasets have every truth inside both tools' HDR, and which."""
    good: dict[tuple[int, int], list[int]] = {}
    for (weeks, channels, seed), ok in sorted(inside.items()):
        if ok:
            good.setdefault((weeks, channels), []).append(seed)
    which = "; ".join(
        f"{w}x{c} seed{'s' if len(s) > 1 else ''} {_seed_text(s)}" for (w, c), s in good.items()
    )
    head = (
        f"- {sum(inside.values())} of {len(inside)} datasets have every true channel parameter "
        f"inside the {mass:.0%} HDR of both tools' default priors"
    )
    return head + (f": {which}." if which else ".")


def _seed_text(seeds) -> str:
    s = sorted(seeds)
    return (
        f"{s[0]}-{s[-1]}"
        if s == list(range(s[0], s[-1] + 1)) and len(s) > 2
        else ", ".join(map(str, s))
    )


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        mem_gb = f"{int(mem) / 1024**2:.0f} GiB RAM"
    except OSError:
        mem_gb = "unknown RAM"
    return f"{os.cpu_count()} cores ({cpu}), {mem_gb}, {platform.system()} {platform.release()}"


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for pkg in ("mmm", "pymc-marketing", "pymc", "pytensor", "nutpie", "numpy", "arviz"):
        try:
            parts.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            parts.append(f"{pkg} (not installed)")
    return f"Python {platform.python_version()}, " + ", ".join(parts)


#: Markers around the document's hand-written sections (other benchmarks' figures), which a
#: regeneration keeps as they are.
HAND_START = "<!-- hand-written sections: kept as they are when the script rewrites this file -->"
HAND_END = "<!-- end of the hand-written sections -->"


def _hand_written() -> list[str]:
    """The hand-written block of the current document, markers included (none: [])."""
    text = DOC.read_text() if DOC.exists() else ""
    if HAND_START not in text or HAND_END not in text:
        return []
    start, end = text.index(HAND_START), text.index(HAND_END) + len(HAND_END)
    return [text[start:end], ""]


def write_doc() -> None:
    """Regenerate docs/benchmarks.md from every result collected so far."""
    rows = load_results()
    ok = [r for r in rows if r.get("status") == "ok"]
    commands = list(dict.fromkeys(r["command"] for r in rows if "command" in r))
    dates = sorted(r["when"] for r in ok if "when" in r)
    loads = [r["load_before"] for r in ok if "load_before" in r]
    settings = sorted({(r["chains"], r["tune"], r["draws"]) for r in ok})
    failed = [r for r in rows if r.get("status") in ("error", "timeout")]
    lines = [
        "# Benchmarks: mmm versus PyMC-Marketing",
        "",
        "<!-- generated by benchmarks/pmm_vs_mmm.py; edit the script, not this file -->",
        "",
        "Geo panel benchmarks (mmm's hierarchical panel model, scaling, PyMC-Marketing and "
        "Meridian side by side): [benchmarks_geo.md](benchmarks_geo.md).",
        "",
        "Both tools fit the same `mmm.model.simulate` datasets (weekly data, channels with known "
        "ROI, a `promo` control) with the same model class: geometric adstock (8 lags, "
        "normalized), "
        "logistic saturation, a linear trend, yearly Fourier order 2 and the control. Both run "
        "nutpie's NUTS with numba; chains / tune / draws: "
        + ", ".join(f"{c} / {t} / {d}" for c, t, d in settings)
        + ". Priors are each tool's own defaults (mmm: LogNormal ROI prior with median "
        "'auto', low-rank mass matrix; PyMC-Marketing 1.x `MMM`: its default priors, "
        "`GeometricAdstock(l_max=8)`, `LogisticSaturation()`, `yearly_seasonality=2`, "
        "`LinearTrendEffect(LinearTrend(n_changepoints=1))`, nutpie through "
        "`fit(nuts_sampler='nutpie', target_accept=0.9)`, i.e. nutpie's default diagonal mass "
        "matrix).",
        "",
        "How it is measured:",
        "- **wall s**: the whole fresh Python process (imports, data, model build, numba "
        "compile, sampling, ROI draws), seen from the parent; **import s**, **compile s** and "
        "**sample s** are parts of it measured inside the process (PyMC-Marketing's by wrapping "
        "`nutpie.compile_pymc_model` and `nutpie.sample`).",
        "- **Compile and the cache.** Both tools compile through PyTensor's numba backend, which "
        "keeps compiled graphs on disk (`~/.pytensor`). PyMC-Marketing hands the model to "
        "`nutpie.compile_pymc_model`, whose C callback numba compiles again in every process; "
        "mmm (`compile_backend: numba`, `mmm/model/nuts.py`) caches its own C callbacks with "
        "the graph (since 1743861; before, nutpie called the cached numba functions through "
        "Python), so a process fitting a model structure seen before (any data, any number "
        "of weeks) loads the compiled code instead. The head-to-head rows are taken with the "
        "cache holding both tools' graphs (the regime of a modeler refitting during the day); "
        "the *empty cache* rows start every process with an empty PyTensor cache (the first "
        "fit on a fresh machine).",
        "- **min bulk ESS** and **max R-hat** over the model parameters (variables without a "
        "date dimension: PyMC-Marketing also stores per-date contributions); **ESS/s** = min "
        "bulk ESS / wall s, compile included.",
        "- **peak RSS**: the child process's `ru_maxrss` from `os.wait4`.",
        "- **ROI MARE**: mean over channels of |posterior mean ROI - true ROI| / true ROI; "
        "**90% covered**: true ROIs inside the central 90% posterior interval. PyMC-Marketing's "
        "ROI is its `channel_contribution` (target/max units) times `target_scale`, summed over "
        "dates, divided by the raw spend.",
        "- mmm and PyMC-Marketing runs alternate (the order flips every seed) so both see the "
        "same load.",
        "",
        "**The machine was shared**: "
        + _machine()
        + ", with other engineers running test suites during part of the runs. The 1-minute "
        "load average just before each fit is in the results file; it ranged from "
        + (f"{min(loads):.1f} to {max(loads):.1f}" if loads else "-")
        + " on 2 cores, so absolute times are noisy; the ratios between tools, measured "
        "alternately under the same load, are the meaningful numbers.",
        "",
        f"Software: {_versions()}.",
        "",
        "Runs: " + (f"{dates[0]} to {dates[-1]}" if dates else "none yet") + ".",
        "",
        "## Head to head",
        "",
        *_head_table(rows),
        "",
        "Targets (issue 6): mmm's wall time <= 1/3 of PyMC-Marketing's and ESS/s >= 3x, at "
        "156x5 and at 260x12. The ratios are taken seed by seed (each seed's two fits ran back "
        "to back under the same load); a target counts as met only when the 90% bootstrap "
        "interval of the median ratio (seeds resampled) lies inside it. Each result row records "
        "the commit (with '+edits' when mmm/ had uncommitted changes), the package versions "
        "and the cache state (rows before 2026-12-02 lack the commit and versions).",
        "",
        *_ratio_table(rows),
        "",
        *_inside_prior_lines(rows),
        *_in_prior_suite_lines(rows),
        "### First fit on a fresh machine (empty PyTensor cache in every process)",
        "",
        "Here numba compiles every operation of the graph as well as the graph itself. That "
        "happens once per machine for the operations, once per model structure for the graph; "
        "mmm's first compile builds two cached functions (log density, draws). The 2026-11-23 "
        "row was taken with PyTensor 3.3.7 on an earlier machine, the 2026-12-02 rows with "
        "3.3.8 on the machine named above, where both tools' empty-cache compiles are much "
        "shorter (mmm 19 s against 123 s, PyMC-Marketing 18 s against 47 s). The rows of "
        "2026-12-02 22:0x (fb19ab0) are the first with `compile_backend: auto`, where mmm "
        "samples a structure its cache lacks through JAX instead of compiling it with Numba "
        "(`compile_backend` in the results file says which ran). The ratio line takes each "
        "seed's latest rows. Issue 15's target here is mmm's wall at most 0.4x "
        "PyMC-Marketing's.",
        "",
        *_head_table(rows, "cold"),
        "",
        *_ratio_table(rows, "cold"),
        "",
        "### Warm refit through `mmm fit` (issue 15)",
        "",
        "`head --mmm-cli` times mmm the way its user runs it: `mmm fit config.yaml` in a fresh "
        "process (reading the CSV and checking it, building, loading the cached code, sampling, "
        "summarizing and writing the model folder), with the simulated data and config written "
        "before the clock starts and the folder read after it stops for the same diagnostics "
        "and ROI scores. **import s** is here the time to the command's first line (imports, "
        "config and data checks). PyMC-Marketing's rows are its worker processes as above. "
        "Issue 15 asks for mmm's refit to be at least 5x faster (wall ratio <= 0.2).",
        "",
        *_head_table(rows, "head-cli"),
        "",
        *_ratio_table(rows, "head-cli"),
        "",
        *_refit_target_lines(rows),
        "### Earlier runs: mmm on nutpie's C callback (`compile_backend: numba_cfunc`)",
        "",
        "Same harness, before mmm switched its default compile path (rows in "
        f"`{ARCHIVE.relative_to(ROOT)}`); the C callback's 20-70 s compile in every process "
        "was most of mmm's wall time:",
        "",
        *_ratio_table(load_results(ARCHIVE)),
        "",
        "## Scaling (wall s per fresh-process fit, one seed, median where repeated)",
        "",
        "### mmm",
        "",
        *_scaling_table(rows, "mmm", "wall_s"),
        "",
        "mmm sampling seconds only (compile excluded):",
        "",
        *_scaling_table(rows, "mmm", "sample_s"),
        "",
        "### PyMC-Marketing",
        "",
        *_scaling_table(rows, "pmm", "wall_s"),
        "",
        "PyMC-Marketing sampling seconds only:",
        "",
        *_scaling_table(rows, "pmm", "sample_s"),
        "",
        "Power law `time ~ a (weeks x channels)^b`, least squares on logs over every size "
        "measured (head-to-head and scaling runs):",
        "",
        "| tool | quantity | exponent b | R^2 | sizes |",
        "|---|---|---|---|---|",
    ]
    for tool in FITTERS:
        for key in ("wall_s", "sample_s", "compile_s"):
            b, r2, n = power_law(rows, tool, key)
            lines.append(f"| {tool} | {key[:-2]} s | {_fmt(b, 2)} | {_fmt(r2, 2)} | {n} |")
    lines += [
        "",
        "Before the scaling runs, one unrecorded fit per channel count filled the compile "
        "cache, so every cell is a refit of a known structure. A fresh process's wall time "
        "also holds the imports and the compile (both nearly independent of the data size), so "
        "its exponent understates the growth; the sampling exponent is the one that shows how "
        "the per-fit cost grows with the data.",
        "",
        "## Calibration and accuracy at 156 weeks x 5 channels",
        "",
        "Every seed fitted at 156x5, in fresh processes or in a `study` process (mmm reuses its "
        "compiled model across seeds there):",
        "",
        *_coverage_lines(rows),
        "",
        "Target (issue 6): mmm's coverage between 85% and 97% over >= 10 seeds, its MARE no "
        "worse than PyMC-Marketing's on the same seeds.",
        "",
        *_prior_mass_lines(),
        *_hand_written(),
        "## Runs that failed or timed out",
        "",
    ]
    if failed:
        for r in failed:
            why = r.get("error", "").strip().splitlines()[-1:] or [f"over {r.get('timeout_s')} s"]
            lines.append(
                f"- {r['tool']} {r['weeks']}x{r['channels']} seeds {r.get('seeds')}: "
                f"{r['status']}: {why[0][:200]}"
            )
    else:
        lines.append("None.")
    lines += ["", "## Commands", "", "```"]
    lines += [c for c in commands] or ["(none yet)"]
    lines += ["```", ""]
    DOC.write_text("\n".join(lines))


# --------------------------------------------------------------------------- CLI


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("head", "scaling", "study", "worker"):
        p = sub.add_parser(name)
        p.add_argument("--tools", default="mmm,pmm", help="comma list of mmm, pmm")
        p.add_argument("--sizes", default="156x5,260x12", help="WEEKSxCHANNELS list, or 'all'")
        p.add_argument("--seeds", default="1", help="e.g. 1,2,3 or 1-10")
        p.add_argument("--seed", type=int, default=1, help="scaling: the one seed per cell")
        p.add_argument("--chains", type=int, default=2)
        p.add_argument("--tune", type=int, default=1000)
        p.add_argument("--draws", type=int, default=1000)
        p.add_argument("--timeout", type=float, default=1200, help="seconds per process")
        p.add_argument("--pmm-max-cells", type=int, default=10**9,
                       help="scaling: skip PyMC-Marketing above this weeks*channels")  # fmt: skip
        p.add_argument("--stop-at", default=None, help="HH:MM UTC: start no fit after it")
        p.add_argument("--cold", action="store_true", help="head: start from an empty cache")
        p.add_argument(
            "--mmm-cli",
            action="store_true",
            help="head: time mmm's command, `mmm fit config.yaml` (suite head-cli)",
        )
        p.add_argument("--in-prior", action="store_true",
                       help="head: draw each channel's saturation inside PyMC-Marketing's "
                       "default prior too (prior_mass.pmm_saturation_ceiling)")  # fmt: skip
        p.add_argument("--saturation-ceiling", type=float, default=None,
                       help="worker: simulate(saturation_ceiling=...)")  # fmt: skip
        p.add_argument("--tool", default="mmm")
        p.add_argument("--weeks", type=int, default=156)
        p.add_argument("--channels", type=int, default=5)
    sub.add_parser("doc")
    p = sub.add_parser("priors", help="simulated truths against both tools' default priors")
    p.add_argument("--sizes", default=None, help="WEEKSxCHANNELS list (default: the results')")
    p.add_argument("--seeds", default=None, help="e.g. 1-13 (default: the results')")
    args = parser.parse_args()
    if args.command == "worker":
        worker(args)
        return
    if args.command == "priors":
        python = os.path.relpath(sys.executable, ROOT)
        cmd_priors(args, f"{python} benchmarks/pmm_vs_mmm.py " + " ".join(sys.argv[1:]))
        return
    if args.command == "doc":
        write_doc()
        return
    args.stop_at = stop_at_timestamp(args.stop_at)
    if args.in_prior:
        import prior_mass  # scipy stays out of the timed worker processes

        args.saturation_ceiling = prior_mass.pmm_saturation_ceiling()
    spawn_with_rusage()
    command = ".venv-bench/bin/python benchmarks/pmm_vs_mmm.py " + " ".join(sys.argv[1:])
    {"head": cmd_head, "scaling": cmd_scaling, "study": cmd_study}[args.command](args, command)
    write_doc()


if __name__ == "__main__":
    main()
