"""Geo panel benchmarks: mmm's hierarchical panel model, its scaling, and two peers.

Every timed fit runs in a fresh subprocess (imports, data, model build, compile, sampling,
summary and writing all count, as in ``mmm fit``); the parent records the child's wall time,
its peak RSS (``ru_maxrss`` from ``os.wait4``) and the 1-minute load average before and after.
Rows are appended to ``benchmarks/results/geo_panel.jsonl``; ``doc`` writes
``docs/benchmarks_geo.md`` from every row collected so far.

Each tool runs in its own environment: mmm in ``.venv``, PyMC-Marketing in ``.venv-bench``
(``pip install 'pymc-marketing>=1.3'``: it pins PyMC < 6.4 where mmm needs 6.4, so that
environment does not hold mmm), Google Meridian in ``.venv-meridian``
(``pip install google-meridian``; TensorFlow, CPU). The peers are never runtime dependencies
of mmm; their workers read only the CSV and truth JSON. The data are
``mmm.model.simulate_panel`` panels, written once as CSV + truth JSON that every tool reads::

    .venv/bin/python benchmarks/geo_panel.py target --cache cold,warm
    .venv/bin/python benchmarks/geo_panel.py scaling --geos 10,40,100,200 --channels 5,20
    .venv/bin/python benchmarks/geo_panel.py peers --tools mmm,pmm,meridian
    .venv/bin/python benchmarks/geo_panel.py doc
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
from geo_panel_doc import LOAD_HIGH, LOAD_START, RESULTS, load_results, write_doc
from harness import (
    deadline_passed,
    mmm_code,
    now,
    package_versions,
    spawn_with_rusage,
    stop_at_timestamp,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(tempfile.gettempdir()) / "mmm-geo-bench"
PYTHONS = {"mmm": ".venv", "pmm": ".venv-bench", "meridian": ".venv-meridian"}
INTERVAL = 0.9
L_MAX = 8
FOURIER_ORDER = 2
LOAD_WAIT_S = 90
#: Packages whose versions each tool's rows record.
VERSIONED = {
    "mmm": ("mmm", "pymc", "pytensor", "nutpie", "numba", "numpy", "arviz"),
    "pmm": ("pymc-marketing", "pymc", "pytensor", "nutpie", "numba", "numpy", "arviz"),
    "meridian": ("google-meridian", "tensorflow", "tensorflow-probability", "numpy", "arviz"),
}


# --------------------------------------------------------------------------- data


def data_paths(seed: int, geos: int, weeks: int, channels: int) -> tuple[Path, Path]:
    """CSV and truth JSON of a simulated panel (written on first use, with mmm)."""
    stem = DATA / f"panel_s{seed}_g{geos}_w{weeks}_c{channels}"
    csv, truth = stem.with_suffix(".csv"), stem.with_suffix(".truth.json")
    if not csv.exists() or not truth.exists():
        from mmm.model.simulate_panel import simulate_panel

        sim = simulate_panel(seed=seed, geos=geos, weeks=weeks, n_channels=channels)
        DATA.mkdir(parents=True, exist_ok=True)
        sim.frame.to_csv(csv, index=False, date_format="%Y-%m-%d")
        truth.write_text(json.dumps(sim.truth))
    return csv, truth


def _truth_arrays(truth: dict) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Channel names, geo names, national ROI (M,) and geo ROI (G, M) of a truth JSON."""
    channels = list(truth["channels"])
    geos = list(truth["geos"])
    national = np.array([truth["channels"][c]["roi"] for c in channels])
    per_geo = np.array([[truth["geos"][g][c]["roi"] for c in channels] for g in geos])
    return channels, geos, national, per_geo


def roi_scores(national: np.ndarray, per_geo: np.ndarray, truth: dict) -> dict[str, object]:
    """ROI accuracy of draws: national (S, M) and per geo (S, G, M) against the truth.

    MARE is the mean over channels (cells) of |posterior mean - truth| / truth; coverage counts
    truths inside the central 90% interval.
    """
    _, _, true_nat, true_geo = _truth_arrays(truth)
    tail = (1 - INTERVAL) / 2
    out: dict[str, object] = {}
    for key, draws, true in (("roi", national, true_nat), ("geo_roi", per_geo, true_geo)):
        lo, hi = np.nanquantile(draws, [tail, 1 - tail], axis=0)
        inside = (lo <= true) & (true <= hi)
        rel = np.abs(np.nanmean(draws, axis=0) - true) / true
        out[f"{key}_mare"] = float(np.nanmean(rel))
        out[f"{key}_covered"] = int(inside.sum())
        out[f"{key}_n"] = int(true.size)
    out["roi_mean"] = [round(float(v), 4) for v in national.mean(axis=0)]
    out["roi_truth"] = [round(float(v), 4) for v in true_nat]
    return out


def parameter_names(posterior) -> list[str]:
    """The posterior's variables without a date dimension: what the checks count."""
    return [v for v in posterior.data_vars if not {"date", "time"} & set(posterior[v].dims)]


def posterior_checks(posterior) -> dict[str, float]:
    """Max R-hat and min bulk ESS over variables without a date dimension (as pmm_vs_mmm)."""
    import arviz as az

    params = posterior[parameter_names(posterior)]
    rhat, ess = az.rhat(params), az.ess(params, method="bulk")
    return {
        "rhat_max": max(float(np.nanmax(rhat[v].to_numpy())) for v in rhat.data_vars),
        "ess_bulk_min": min(float(np.nanmin(ess[v].to_numpy())) for v in ess.data_vars),
    }


# --------------------------------------------------------------------------- mmm (worker)


class Stages:
    """Seconds per named stage, measured back to back from the process's first import."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def mark(self, name: str) -> None:
        """Close the stage ``name`` at now."""
        now = time.perf_counter()
        self.seconds[f"{name}_s"] = self.seconds.get(f"{name}_s", 0.0) + now - self.last
        self.last = now


def fit_mmm(args: argparse.Namespace, stages: Stages) -> dict[str, object]:
    """``mmm fit`` of a simulated panel, stage by stage; diagnostics, gradient cost, ROI."""
    import nutpie  # noqa: F401  (imported by the fit anyway; counted as import time here)

    from mmm.analysis.posterior import geo_contribution_totals, geo_roi_draws, roi_draws
    from mmm.analysis.summary import summary_dict
    from mmm.model.build import build_model
    from mmm.model.centring import centring_pilot
    from mmm.model.config import parse_config
    from mmm.model.data import load_dataset
    from mmm.model.fit import FittedModel, diagnose, resolved_adaptation, resolved_start, sample
    from mmm.model.simulate import Simulation
    from mmm.model.simulate_panel import panel_config
    from mmm.model.store import save_model

    stages.mark("import")
    truth = json.loads(Path(args.truth).read_text())
    sim = Simulation(frame=None, truth=truth)  # panel_config reads channel names from truth
    sampler = {"chains": args.chains, "tune": args.tune, "draws": args.draws, "seed": args.seed}
    config = parse_config(panel_config(sim, args.csv, name="geo_bench", **sampler))
    dataset = load_dataset(config)
    stages.mark("data")
    model, scales = build_model(config, dataset)
    stages.mark("build")
    pilot = centring_pilot(config)  # as mmm.model.fit.fit does for a panel
    idata, compile_s, sample_s = sample(model, config.sampler, progress=False, pilot=pilot)
    stages.seconds["compile_s"], stages.seconds["sample_s"] = compile_s, sample_s
    stages.last = time.perf_counter()
    diagnostics = diagnose(idata, compile_s, sample_s)
    fitted = FittedModel(config, dataset, idata, scales, diagnostics, [])
    summary = summary_dict(fitted)
    stages.mark("summarize")
    with tempfile.TemporaryDirectory(prefix="geo-bench-model-") as folder:
        save_model(fitted, Path(folder) / "model", summary)
        stages.mark("write")
    fit_end = time.perf_counter()

    stats = idata["sample_stats"].to_dataset()
    out: dict[str, object] = {
        "divergences": int(diagnostics.divergences),
        "rhat_max_all": float(diagnostics.rhat_max),
        "ess_bulk_min_all": float(diagnostics.ess_bulk_min),
        "grads_per_draw": float(stats["n_steps"].mean()),
    }
    out |= posterior_checks(idata["posterior"].to_dataset())
    out |= _gradient_cost(model, args, sample_s, out["grads_per_draw"])
    out["adaptation"] = resolved_adaptation(config.sampler, out["n_params"])
    out["start"] = resolved_start(config.sampler, out["n_params"])
    totals = geo_contribution_totals(fitted)
    out |= roi_scores(roi_draws(fitted), geo_roi_draws(fitted, totals), truth)
    out["bench_overhead_s"] = time.perf_counter() - fit_end
    return out


def _gradient_cost(model, args, sample_s: float, grads_per_draw: float) -> dict[str, float]:
    """ms per log-density gradient: timed directly, and implied by the sampling time.

    The direct figure times the compiled ``logp_and_grad`` (loaded from PyTensor's cache) at
    the initial point, called from Python: a few microseconds more than nutpie's threads pay,
    calling the C callback directly. The implied one divides the chains' sampling time by their
    gradient count, assuming warm-up draws take as many steps as kept ones (nutpie keeps no
    warm-up stats here), with ``min(chains, cores)`` chains running at once. (Since nutpie's
    calls bypass Python, rows from 2026-12-03 on have no count of the gradients it took.)
    """
    from mmm.model.nuts import model_functions

    fns = model_functions(model)
    x = fns.initial_point(0)
    data = list(fns.data.values())
    fns.logp_and_grad(x, *data)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < 2.0:
        fns.logp_and_grad(x, *data)
        n += 1
    direct = 1000 * (time.perf_counter() - start) / n
    parallel = max(1, min(args.chains, os.cpu_count() or 1))
    total = grads_per_draw * (args.tune + args.draws) * args.chains
    return {
        "n_params": int(fns.n_dim),
        "ms_per_grad": direct,
        "ms_per_grad_implied": 1000 * sample_s * parallel / total,
    }


# --------------------------------------------------------------------------- peers (worker)


def _timed_nutpie(stages: Stages) -> None:
    """Time nutpie's compile and sample inside PyMC-Marketing (PyMC calls them by attribute)."""
    import nutpie

    def timed(fn, key: str):
        def wrapper(*args, **kwargs):
            stages.mark("build")  # what ran since the last mark: model building, PyMC set-up
            try:
                return fn(*args, **kwargs)
            finally:
                stages.mark(key)

        return wrapper

    nutpie.compile_pymc_model = timed(nutpie.compile_pymc_model, "compile")
    nutpie.sample = timed(nutpie.sample, "sample")


def fit_pmm(args: argparse.Namespace, stages: Stages) -> dict[str, object]:
    """PyMC-Marketing's (1.x) multidimensional MMM (``dims=("geo",)``), its default priors.

    The model class follows mmm's where PyMC-Marketing has the piece: geometric adstock (8
    lags), logistic saturation, yearly Fourier order 2, the ``promo`` control and a linear
    trend (one change point at t = 0); intercept, noise, control and Fourier coefficients are
    per geo (its defaults with ``dims=("geo",)``), the saturation coefficients shared by all
    geos in its per-geo max-scaled units (its default).
    """
    import warnings

    import pandas as pd
    from pymc_marketing.mmm import MMM, GeometricAdstock, LogisticSaturation
    from pymc_marketing.mmm.additive_effect import LinearTrendEffect
    from pymc_marketing.mmm.linear_trend import LinearTrend

    _timed_nutpie(stages)
    stages.mark("import")
    truth = json.loads(Path(args.truth).read_text())
    channels, geos, _, _ = _truth_arrays(truth)
    frame = pd.read_csv(args.csv, parse_dates=["date"])
    X = frame.drop(columns=["sales", "population"])
    y = frame["sales"].rename("sales")
    stages.mark("data")
    model = MMM(
        date_column="date",
        target_column="sales",
        channel_columns=channels,
        control_columns=["promo"],
        dims=("geo",),
        adstock=GeometricAdstock(l_max=L_MAX),
        saturation=LogisticSaturation(),
        yearly_seasonality=FOURIER_ORDER,
    )
    model.add_mu_effect(LinearTrendEffect(trend=LinearTrend(n_changepoints=1), prefix="trend"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.build_model(X, y)
        model.add_original_scale_contribution_variable(var=["channel_contribution"])
        model.fit(
            X, y, chains=args.chains, tune=args.tune, draws=args.draws,
            random_seed=args.seed, nuts_sampler="nutpie", target_accept=0.9,
            progressbar=False,
        )  # fmt: skip
    stages.mark("deterministics")  # PyMC-Marketing computes its Deterministics after sampling
    idata = model.idata
    stats = idata["sample_stats"]
    key = "diverging" if "diverging" in stats else "divergences"
    out: dict[str, object] = {"divergences": int(stats[key].to_numpy().sum())}
    if "n_steps" in stats:
        out["grads_per_draw"] = float(stats["n_steps"].mean())
    posterior = idata["posterior"]
    posterior = posterior.to_dataset() if hasattr(posterior, "to_dataset") else posterior
    out |= posterior_checks(posterior)
    contribution = posterior["channel_contribution_original_scale"].sum("date")
    contribution = contribution.transpose("chain", "draw", "geo", "channel")
    contribution = contribution.sel(geo=geos, channel=channels).to_numpy()
    contribution = contribution.reshape(-1, len(geos), len(channels))
    spend = frame.groupby("geo")[channels].sum().loc[geos].to_numpy()
    national = contribution.sum(axis=1) / spend.sum(axis=0)
    return out | roi_scores(national, contribution / spend, truth)


def fit_meridian(args: argparse.Namespace, stages: Stages) -> dict[str, object]:
    """Google Meridian's geo model (TensorFlow Probability NUTS on CPU) with its defaults.

    Spend is both the media and its spend (ROI priors on spend, Meridian's default ROI
    parameterization); ``max_lag=8`` to match the other tools; ``unique_sigma_for_each_geo``
    as the data have per-geo noise. Everything else is Meridian's default: geometric adstock,
    Hill saturation, geo-level media effects (log-normal), knots at every period for the
    time effects (its default for geo data), population-scaled KPI.
    """
    import pandas as pd
    from meridian.analysis import analyzer
    from meridian.data import load
    from meridian.model import model as meridian_model
    from meridian.model import spec

    stages.mark("import")
    truth = json.loads(Path(args.truth).read_text())
    channels, geos, _, _ = _truth_arrays(truth)
    frame = pd.read_csv(args.csv)
    columns = load.CoordToColumns(
        time="date", geo="geo", kpi="sales", population="population", controls=["promo"],
        media=channels, media_spend=channels,
    )  # fmt: skip
    same = {c: c for c in channels}
    data = load.DataFrameDataLoader(
        df=frame, coord_to_columns=columns, kpi_type="revenue",
        media_to_channel=same, media_spend_to_channel=same,
    ).load()  # fmt: skip
    stages.mark("data")
    mmm = meridian_model.Meridian(
        input_data=data, model_spec=spec.ModelSpec(max_lag=L_MAX, unique_sigma_for_each_geo=True)
    )
    stages.mark("build")
    mmm.sample_posterior(
        n_chains=args.chains, n_adapt=args.tune, n_burnin=0, n_keep=args.draws, seed=args.seed
    )
    stages.mark("sample")
    stages.seconds["compile_s"] = 0.0  # TensorFlow traces and compiles inside sampling
    idata = mmm.inference_data
    stats = idata.sample_stats
    key = "diverging" if "diverging" in stats else "divergences"
    out: dict[str, object] = {"divergences": int(stats[key].to_numpy().sum())}
    if "n_steps" in stats:
        out["grads_per_draw"] = float(stats["n_steps"].mean())
    out |= posterior_checks(idata.posterior)
    fitted = analyzer.Analyzer(mmm)
    national = np.asarray(fitted.roi(aggregate_geos=True)).reshape(-1, len(channels))
    per_geo = np.asarray(fitted.roi(aggregate_geos=False)).reshape(-1, len(geos), len(channels))
    stages.mark("summarize")
    geo_order = [list(data.geo.values).index(g) for g in geos]
    channel_order = [list(data.media_channel.values).index(c) for c in channels]
    national, per_geo = national[:, channel_order], per_geo[:, geo_order][:, :, channel_order]
    return out | roi_scores(national, per_geo, truth)


# --------------------------------------------------------------------------- worker


def worker(args: argparse.Namespace) -> None:
    """Fit one tool on one dataset in this process; print one RESULT line."""
    import resource

    stages = Stages()
    fitter = {"mmm": fit_mmm, "pmm": fit_pmm, "meridian": fit_meridian}[args.tool]
    row = fitter(args, stages)
    row |= {k: round(v, 3) for k, v in stages.seconds.items()}
    row["self_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    row["versions"] = package_versions(VERSIONED[args.tool])
    print("RESULT " + json.dumps(row), flush=True)


# --------------------------------------------------------------------------- driver


def _python(tool: str, args: argparse.Namespace) -> str:
    path = getattr(args, f"{tool}_python", None) or str(ROOT / PYTHONS[tool] / "bin" / "python")
    return path


def _wait_for_quiet(limit_s: float = LOAD_WAIT_S) -> float:
    """The 1-minute load average, after waiting (up to ``limit_s``) for it to fall."""
    start = time.time()
    while os.getloadavg()[0] > LOAD_START and time.time() - start < limit_s:
        time.sleep(10)
    return os.getloadavg()[0]


def run_fit(
    tool: str, geos: int, weeks: int, channels: int, run: dict, args: argparse.Namespace
) -> dict[str, object]:
    """One fit in a fresh process: the worker's row plus wall time, peak RSS and load."""
    csv, truth = data_paths(args.seed, geos, weeks, channels)
    cmd = [
        _python(tool, args), __file__, "worker", "--tool", tool, "--csv", str(csv),
        "--truth", str(truth), "--seed", str(args.seed), "--chains", str(args.chains),
        "--tune", str(run["tune"]), "--draws", str(run["draws"]),
    ]  # fmt: skip
    env = os.environ | {"PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "2"}
    cache = run.get("cache", "warm")
    if cache == "cold":  # an empty PyTensor/numba cache: the first fit on a fresh machine
        env["PYTENSOR_FLAGS"] = f"base_compiledir={tempfile.mkdtemp(prefix='geo-bench-pt-')}"
    base = {
        "tool": tool, "geos": geos, "weeks": weeks, "channels": channels, "seed": args.seed,
        "chains": args.chains, "tune": run["tune"], "draws": run["draws"], "cache": cache,
        "suite": run["suite"], "when": now(), "mmm_code": mmm_code(),
        "load_start": round(_wait_for_quiet(), 2),
    }  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        stdout, stderr = proc.communicate(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        rss = round(getattr(proc, "_bench_rss_mb", float("nan")), 1)  # peak until killed
        return base | {"status": "timeout", "timeout_s": args.timeout, "peak_rss_mb": rss}
    wall = time.perf_counter() - start
    base |= {
        "load_end": round(os.getloadavg()[0], 2),
        "peak_rss_mb": round(getattr(proc, "_bench_rss_mb", float("nan")), 1),
    }
    lines = [line[7:] for line in stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        return base | {"status": "error", "error": stderr[-2000:], "process_s": wall}
    row = base | json.loads(lines[0]) | {"status": "ok", "process_s": round(wall, 2)}
    # wall_s: what ``mmm fit`` would take; the benchmark's own scoring is left out
    row["wall_s"] = round(wall - row.get("bench_overhead_s", 0.0), 2)
    row["load_high"] = bool(base["load_end"] > LOAD_HIGH or base["load_start"] > 2 * LOAD_START)
    return row


def _append(row: dict[str, object], command: str) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as f:
        f.write(json.dumps(row | {"command": command}) + "\n")


def _show(row: dict[str, object]) -> None:
    head = f"{row['tool']:>8} {row['geos']}x{row['weeks']}x{row['channels']} ({row['cache']})"
    if row["status"] != "ok":
        print(f"{head}: {row['status']} {str(row.get('error', ''))[-600:]}", flush=True)
        return
    print(
        f"{head}: wall {row['wall_s']:.1f} s (import {row.get('import_s', 0):.1f}, data "
        f"{row.get('data_s', 0):.1f}, build {row.get('build_s', 0):.1f}, compile "
        f"{row.get('compile_s', 0):.1f}, sample {row['sample_s']:.1f}), ESS "
        f"{row['ess_bulk_min']:.0f}, R-hat {row['rhat_max']:.3f}, div {row['divergences']}, "
        f"RSS {row['peak_rss_mb']:.0f} MB, ROI MARE {row['roi_mare']:.3f} "
        f"({row['roi_covered']}/{row['roi_n']}), geo MARE {row['geo_roi_mare']:.3f} "
        f"({row['geo_roi_covered']}/{row['geo_roi_n']}), load {row['load_start']}->"
        f"{row['load_end']}",
        flush=True,
    )


def _fit_and_record(tool, geos, weeks, channels, run, args, command) -> dict[str, object]:
    """Run one fit, record it, and re-run it once when the machine was busy."""
    row = run_fit(tool, geos, weeks, channels, run, args)
    _show(row)
    _append(row, command)
    if row.get("load_high") and not deadline_passed(args):
        print("  load was high; running this row again", flush=True)
        row = run_fit(tool, geos, weeks, channels, run | {"rerun": True}, args)
        row["rerun"] = True
        _show(row)
        _append(row, command)
    return row


def cmd_target(args: argparse.Namespace, command: str) -> None:
    """The issue's target: 40 geos x 156 weeks x 5 channels, 2 x (1000 + 1000), cold and warm."""
    for cache in args.cache.split(","):
        if deadline_passed(args):
            print("stop time reached")
            return
        run = {"tune": args.tune, "draws": args.draws, "cache": cache, "suite": "target"}
        _fit_and_record("mmm", 40, 156, 5, run, args, command)


def cmd_scaling(args: argparse.Namespace, command: str) -> None:
    """geos x channels, one fresh (warm-cache) process each, smallest first."""
    cells = [(g, c) for g in _ints(args.geos) for c in _ints(args.channels)]
    done = {
        (r["geos"], r["weeks"], r["channels"])
        for r in load_results()
        if r.get("suite") == "scaling" and r.get("status") in ("ok", "timeout")
    }
    for geos, channels in sorted(cells, key=lambda gc: gc[0] * gc[1]):
        if deadline_passed(args):
            print("stop time reached; not starting more fits")
            return
        if (geos, args.weeks, channels) in done and not args.again:
            print(f"{geos}x{args.weeks}x{channels}: tried already (--again to rerun)")
            continue
        big = geos * channels > args.full_max_cells
        tune, draws = (args.small_tune, args.small_draws) if big else (args.tune, args.draws)
        run = {"tune": tune, "draws": draws, "cache": "warm", "suite": "scaling"}
        _fit_and_record("mmm", geos, args.weeks, channels, run, args, command)


def cmd_peers(args: argparse.Namespace, command: str) -> None:
    """mmm, PyMC-Marketing and Meridian on the same panel, draws and seed."""
    for tool in args.tools.split(","):
        if deadline_passed(args):
            print("stop time reached; not starting more fits")
            return
        if not Path(_python(tool, args)).exists():
            print(f"{tool}: no environment at {_python(tool, args)}; skipped")
            continue
        run = {"tune": args.tune, "draws": args.draws, "cache": "warm", "suite": "peers"}
        _fit_and_record(tool, args.peer_geos, args.weeks, args.peer_channels, run, args, command)


def _ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v]


def main() -> None:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("target", "scaling", "peers", "worker"):
        p = sub.add_parser(name)
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--chains", type=int, default=2)
        p.add_argument("--tune", type=int, default=1000)
        p.add_argument("--draws", type=int, default=1000)
        p.add_argument("--weeks", type=int, default=156)
        p.add_argument("--timeout", type=float, default=1500, help="seconds per process")
        p.add_argument("--stop-at", default=None, help="HH:MM UTC: start no fit after it")
        p.add_argument("--cache", default="cold,warm", help="target: cold and/or warm")
        p.add_argument("--geos", default="10,40,100,200", help="scaling: geo counts")
        p.add_argument("--channels", default="5,20", help="scaling: channel counts")
        p.add_argument(
            "--full-max-cells", type=int, default=200,
            help="scaling: above this geos*channels, use --small-tune and --small-draws",
        )  # fmt: skip
        p.add_argument("--again", action="store_true", help="scaling: rerun cells done")
        p.add_argument("--small-tune", type=int, default=300)
        p.add_argument("--small-draws", type=int, default=300)
        p.add_argument("--tools", default="mmm,pmm,meridian", help="peers: tools to run")
        p.add_argument("--peer-geos", type=int, default=40)
        p.add_argument("--peer-channels", type=int, default=5)
        for tool in PYTHONS:
            p.add_argument(f"--{tool}-python", default=None, help=f"interpreter for {tool}")
        p.add_argument("--tool", default="mmm")
        p.add_argument("--csv")
        p.add_argument("--truth")
    sub.add_parser("doc")
    args = parser.parse_args()
    if args.command == "worker":
        worker(args)
        return
    if args.command == "doc":
        write_doc()
        return
    args.stop_at = stop_at_timestamp(args.stop_at)
    spawn_with_rusage()
    command = ".venv/bin/python benchmarks/geo_panel.py " + " ".join(sys.argv[1:])
    {"target": cmd_target, "scaling": cmd_scaling, "peers": cmd_peers}[args.command](args, command)
    write_doc()


if __name__ == "__main__":
    main()
