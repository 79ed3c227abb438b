"""Misspecification suite: ROI accuracy when the data come from a process other than the fitted one.

Each case generates 156 weeks x 4 channels from a known process that departs from the fitted
model class (geometric adstock with 8 lags, logistic saturation, linear trend, yearly Fourier
order 2, the controls) in one way: Hill or Michaelis-Menten saturation, Weibull or delayed
adstock, a curved or broken trend, an observed confounder of spend and sales, two channels with
spend correlation 0.9, a multiplicative (log-log) sales process, Student-t noise. The true ROI of
a channel is counterfactual: the noise-free KPI summed over the weeks with the channel's spend
as observed minus the same with that channel's spend set to zero (carry-over included), divided
by its total spend. mmm (default linear trend, piecewise trend, GP trend) and PyMC-Marketing fit
every dataset; every fit appends one JSON line to ``benchmarks/results/misspecification.jsonl``
and ``doc`` writes ``docs/benchmarks_misspecification.md`` from that file alone.

Run it with the benchmark environment (it has mmm and PyMC-Marketing)::

    .venv-bench/bin/python benchmarks/misspecification.py run --seeds 1-3 --stop-at 11:30
    .venv-bench/bin/python benchmarks/misspecification.py run --cases hill --tools mmm,pmm \\
        --seeds 1 --tune 200 --draws 200 --label smoke
    .venv-bench/bin/python benchmarks/misspecification.py doc

One worker process per (seed, tool) fits every selected case in turn and prints each result as
it finishes; the driver appends each line at once, so a crash or a timeout loses only the fit in
progress (a failed fit is recorded with its error).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from harness import ROOT, deadline_passed, mmm_code, now, package_versions, stop_at_timestamp
from pmm_vs_mmm import (
    INTERVAL,
    _parse_seeds,
    _posterior_checks,
    _seed_text,
    _timed_nutpie,
    pmm_model,
    pmm_roi_draws,
)

RESULTS = ROOT / "benchmarks" / "results" / "misspecification.jsonl"
DOC = ROOT / "docs" / "benchmarks_misspecification.md"
#: The workers' stderr (sampler messages, tracebacks of failed fits); not a result.
STDERR_LOG = Path(tempfile.gettempdir()) / "mmm-misspecification.stderr.log"
PACKAGES = ("mmm", "pymc-marketing", "pymc", "pytensor", "nutpie", "numpy", "arviz")
WEEKS, N_CHANNELS, NOISE = 156, 4, 0.05
#: Lags of the generated carry-over (the fitted models use 8; Weibull/delayed data carry longer).
GEN_LAGS, LONG_LAGS = 8, 13
CASES = {
    "hill": "Hill saturation (S-shaped, k ~ U(0.5, 1.5), s ~ U(1.5, 3)) instead of logistic",
    "michaelis_menten": "Michaelis-Menten saturation x / (k + x), k ~ U(0.3, 2)",
    "weibull_adstock": "Weibull-pdf carry-over over 13 lags (shape ~ U(1.5, 3): a delayed peak; "
    "scale ~ U(2, 6)) instead of geometric over 8",
    "delayed_adstock": "delayed carry-over alpha^((l - theta)^2) over 13 lags, theta ~ U(2, 5), "
    "alpha ~ U(0.3, 0.7)",
    "concave_trend": "the baseline doubles and levels off (1 - (1 - u)^2) and the first "
    "channel's budget doubles along the period with it",
    "broken_trend": "the baseline's level steps up by 25% in a week drawn from 52-104 and the "
    "first channel's budget steps up by 50% in the same week",
    "confounder": "an observed demand index (AR(1), phi 0.8) raises the spend of the first two "
    "channels (x exp(0.3 d)) and the KPI (+0.15 base x d); every tool gets it as a control",
    "correlated_spend": "the second and third channels' weekly spend correlate at 0.9",
    "multiplicative": "log KPI = log baseline + sum_m beta_m log(1 + adstock_m): channels "
    "multiply each other's effect and the baseline's; log-normal noise (sd 0.05)",
    "heavy_tails": "Student-t noise with 3 degrees of freedom, scale 5% of the mean KPI (sd 8.7%)",
    "well_specified": "no departure: the fitted model class itself; a reference for how well "
    "these data pin ROI down at all, left out of the suite's pooled figures and targets",
}
#: The case made by the fitted model class (listed last so the other cases keep their seeds).
REFERENCE = "well_specified"
TREND_GP = {"type": "gp", "lengthscale_weeks": 52, "basis_functions": 20}
#: Label of the rows run at mmm's default chain length (2 x (1000 + 1000)).
DEFAULT_LENGTH_LABEL = "default_length"
TOOLS = {
    "mmm": "linear",
    "mmm_piecewise": {"type": "piecewise", "changepoints": 10},
    "mmm_gp": TREND_GP,
    "pmm": None,
    "mmm_hill": "linear",
}
#: Tools run on one case only, with the transform that case's data were made with: they answer
#: "does the matching transform fix it?" and stay out of the suite-wide tables.
CASE_TOOLS = {"mmm_hill": ("hill", {"type": "hill"})}


# --------------------------------------------------------------------------- data generation


@dataclass(frozen=True)
class Process:
    """A data-generating process: the noise-free KPI for any spend matrix.

    ``kpi = baseline + response @ beta`` (additive) or ``exp(baseline + response @ beta)``
    (multiplicative, ``baseline`` then on the log scale), with ``response`` the curve of the
    adstocked spend scaled by ``scale``.
    """

    weights: np.ndarray  # (M, L), each row sums to one
    scale: np.ndarray  # (M,) spend scale (the observed mean spend)
    curve: Callable[[np.ndarray], np.ndarray]  # adstocked scaled spend (T, M) -> response
    baseline: np.ndarray  # (T,)
    beta: np.ndarray  # (M,)
    multiplicative: bool = False

    def response(self, spend: np.ndarray) -> np.ndarray:
        """The channels' response (T, M): the curve of the adstocked, scaled spend."""
        from mmm.model.transforms import lag_matrix

        lagged = lag_matrix(spend / self.scale, self.weights.shape[1])
        return self.curve((lagged * self.weights).sum(axis=-1))

    def kpi(self, spend: np.ndarray, beta: np.ndarray | None = None) -> np.ndarray:
        """Noise-free KPI per period."""
        mu = self.baseline + self.response(spend) @ (self.beta if beta is None else beta)
        return np.exp(mu) if self.multiplicative else mu

    def roi(self, spend: np.ndarray, beta: np.ndarray | None = None) -> np.ndarray:
        """Counterfactual ROI per channel: KPI as observed minus KPI with that channel at zero."""
        full = self.kpi(spend, beta).sum()
        out = np.empty(spend.shape[1])
        for m in range(spend.shape[1]):
            dark = spend.copy()
            dark[:, m] = 0.0
            out[m] = (full - self.kpi(dark, beta).sum()) / spend[:, m].sum()
        return out


def _correlate(rng: np.random.Generator, spend: np.ndarray, a: int, b: int, rho: float) -> None:
    """Make channel ``b``'s spend correlate at ``rho`` with channel ``a``'s (in place).

    ``b`` becomes ``mean_b * (w x_a / mean_a + (1 - w) u)``, u an independent log-normal
    pattern with mean one; ``w`` is chosen on a grid so the sample correlation is ``rho``.
    """
    x = spend[:, a] / spend[:, a].mean()
    u = np.exp(rng.normal(0.0, x.std(), len(x)) - x.var() / 2)
    grid = np.linspace(0.0, 1.0, 2001)
    corr = [np.corrcoef(x, w * x + (1 - w) * u)[0, 1] for w in grid]
    w = grid[int(np.argmin(np.abs(np.array(corr) - rho)))]
    spend[:, b] = spend[:, b].mean() * (w * x + (1 - w) * u)


def generate(case: str, seed: int):
    """One dataset of ``case``: a ``mmm.model.simulate.Simulation`` with the counterfactual ROIs.

    The same seed draws the same base spend, transform parameters, target ROIs, baseline and
    noise in every case; a second generator (seeded by seed and case) draws the case's own
    departure, so cases differ by their misspecification only.
    """
    from mmm.model import transforms as tf
    from mmm.model.simulate import Simulation, channel_names, simulate_spend

    rng = np.random.default_rng(seed)
    own = np.random.default_rng([seed, list(CASES).index(case) + 1])
    names = channel_names(N_CHANNELS)
    dates = pd.date_range("2022-01-02", periods=WEEKS, freq="7D")
    t = np.arange(WEEKS)
    u = t / (WEEKS - 1)
    spend = simulate_spend(rng, names, t, 0.0)
    alpha = rng.uniform(0.1, 0.7, N_CHANNELS)
    lam = rng.uniform(0.5, 3.0, N_CHANNELS)
    target_roi = rng.uniform(0.5, 3.0, N_CHANNELS)
    base_factor = rng.uniform(1.2, 2.0)
    promo = (rng.random(WEEKS) < 0.12).astype(float)
    normal_noise = rng.normal(0.0, 1.0, WEEKS)

    lags, lags_long = np.arange(GEN_LAGS), np.arange(LONG_LAGS)
    weights = tf.geometric_weights(lags, alpha)
    curve = lambda x: tf.logistic_saturation(x, lam)  # noqa: E731
    shape = {}  # the baseline's departure from a straight line, as a share of base
    controls = {"promo": promo}
    if case == "hill":
        k, s = own.uniform(0.5, 1.5, N_CHANNELS), own.uniform(1.5, 3.0, N_CHANNELS)
        curve = lambda x: tf.hill_saturation(x, k, s)  # noqa: E731
    elif case == "michaelis_menten":
        k = own.uniform(0.3, 2.0, N_CHANNELS)
        curve = lambda x: tf.michaelis_menten_saturation(x, k)  # noqa: E731
    elif case == "weibull_adstock":
        weights = tf.weibull_weights(
            lags_long, own.uniform(1.5, 3.0, N_CHANNELS), own.uniform(2.0, 6.0, N_CHANNELS)
        )
    elif case == "delayed_adstock":
        weights = tf.delayed_weights(
            lags_long, own.uniform(0.3, 0.7, N_CHANNELS), own.uniform(2.0, 5.0, N_CHANNELS)
        )
    elif case == "concave_trend":
        shape["trend"] = 1.0 * (1.0 - (1.0 - u) ** 2)
        spend[:, 0] *= 1.0 + u
    elif case == "broken_trend":
        step = (t >= own.integers(52, 105)).astype(float)
        shape["trend"] = 0.2 * u + 0.25 * step
        spend[:, 0] *= 1.0 + 0.5 * step
    elif case == "confounder":
        d = np.zeros(WEEKS)
        for i in range(1, WEEKS):
            d[i] = 0.8 * d[i - 1] + own.normal(0.0, 0.6)
        d = (d - d.mean()) / d.std()
        spend[:, :2] *= np.exp(0.3 * d - 0.045)[:, None]
        shape["demand"] = 0.15 * d
        controls["demand"] = np.round(d, 4)
    elif case == "correlated_spend":
        _correlate(own, spend, 1, 2, 0.9)
    elif case == "multiplicative":
        curve = np.log1p
    weights = weights / weights.sum(axis=-1, keepdims=True)
    shape.setdefault("trend", 0.2 * u)

    day = (dates - pd.Timestamp("1970-01-01")).days.to_numpy() / 365.25
    season = 0.08 * np.sin(2 * np.pi * day) + 0.05 * np.cos(4 * np.pi * day)
    base = (target_roi * spend.sum(axis=0)).sum() / WEEKS * base_factor
    level = base * (1.0 + sum(shape.values()) + season + 0.1 * promo)
    process = Process(weights, spend.mean(axis=0), curve, level, np.zeros(N_CHANNELS))
    response = process.response(spend)
    beta = target_roi * spend.sum(axis=0) / response.sum(axis=0)
    if case == "multiplicative":
        process = Process(weights, process.scale, curve, np.log(level), beta, True)
        beta = beta / level.mean()  # elasticity-like start; then match the ROIs exactly
        for _ in range(50):
            beta = beta * target_roi / process.roi(spend, beta)
    process = Process(weights, process.scale, curve, process.baseline, beta, process.multiplicative)
    roi = process.roi(spend)
    mean = process.kpi(spend)
    if case == "multiplicative":
        sales = mean * np.exp(NOISE * normal_noise - NOISE**2 / 2)
    elif case == "heavy_tails":
        sales = mean + NOISE * mean.mean() * own.standard_t(3, WEEKS)
    else:
        sales = mean + NOISE * mean.mean() * normal_noise

    frame = pd.DataFrame({"date": dates, "sales": np.round(sales, 2)})
    for i, name in enumerate(names):
        frame[name] = np.round(spend[:, i], 2)
    for name, values in controls.items():
        frame[name] = values
    truth = {
        "case": case,
        "seed": seed,
        "controls": {name: None for name in controls},
        "channels": {name: {"roi": float(roi[i])} for i, name in enumerate(names)},
        "spend_correlation_1_2": float(np.corrcoef(spend[:, 1], spend[:, 2])[0, 1]),
        "media_share": float(1.0 - process.kpi(np.zeros_like(spend)).sum() / mean.sum()),
    }
    return Simulation(frame=frame, truth=truth)


# --------------------------------------------------------------------------- fits (worker)


def _mmm_priors(config) -> dict[str, object]:
    """The priors an mmm fit used, from its resolved config and the transforms' defaults."""
    from mmm.model.transforms import ADSTOCKS, SATURATIONS

    dumped = config.model_dump(mode="json")
    keep = ["level", "trend", "seasonality", "controls", "sigma"]
    trend = dumped["trend"]
    if isinstance(trend, dict) and trend["type"] == "piecewise":
        keep.append("trend_changes")
    channel = config.channels[0]
    return {
        "roi": dumped["channels"][0]["prior"]["roi"],
        f"adstock ({channel.adstock.type})": ADSTOCKS[channel.adstock.type].default_priors,
        f"saturation ({channel.saturation.type})": SATURATIONS[
            channel.saturation.type
        ].default_priors,
        "trend setting": trend,
    } | {k: dumped["priors"][k] for k in keep}


def fit_mmm_trend(
    sim, trend, seed: int, chains: int, tune: int, draws: int, saturation: dict | None = None
):
    """Fit mmm with ``trend`` (and ``saturation``, else the default logistic); ROI draws
    (S, M) and a row of diagnostics."""
    from mmm.analysis.posterior import roi_draws
    from mmm.model.config import parse_config
    from mmm.model.data import dataset_from_frame
    from mmm.model.fit import fit
    from mmm.model.simulate import simulation_config

    raw = simulation_config(sim, "unused.csv", chains=chains, tune=tune, draws=draws, seed=seed)
    if saturation is not None:
        raw["defaults"]["saturation"] = saturation
    config = parse_config(raw | {"trend": trend})
    fitted = fit(config, dataset_from_frame(sim.frame, config), progress=False)
    d = fitted.diagnostics
    row = {
        "rhat_max": d.rhat_max,
        "ess_bulk_min": d.ess_bulk_min,
        "divergences": int(d.divergences),
        "compile_s": d.compile_seconds,
        "sample_s": d.sample_seconds,
        "priors": _mmm_priors(config),
    }
    return roi_draws(fitted), row


def fit_pmm_draws(sim, seed: int, chains: int, tune: int, draws: int):
    """Fit PyMC-Marketing (pmm_vs_mmm's model class, its default priors); ROI draws and a row."""
    import warnings

    timings = _timed_nutpie()
    model = pmm_model(sim)
    frame = sim.frame
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(
            frame.drop(columns=["sales"]), frame["sales"], chains=chains, tune=tune, draws=draws,
            random_seed=seed, nuts_sampler="nutpie", target_accept=0.9, progressbar=False,
        )  # fmt: skip
    stats = model.idata["sample_stats"]
    key = "diverging" if "diverging" in stats else "divergences"
    priors = {k: str(v) for k, v in model.model_config.items()}
    priors |= {"trend delta": str(model.mu_effects[0].trend.priors["delta"])}
    row = {"divergences": int(stats[key].to_numpy().sum()), "priors": priors}
    row |= _posterior_checks(model.idata["posterior"].to_dataset())
    row |= {"compile_s": timings["compile_s"], "sample_s": timings["sample_s"]}
    return pmm_roi_draws(model, frame, sim.channels), row


def score(roi: np.ndarray, sim) -> dict[str, list[float]]:
    """Per-channel truth, posterior mean and 90% interval, coverage, errors relative to truth."""
    truth = np.array([sim.truth["channels"][c]["roi"] for c in sim.channels])
    tail = (1 - INTERVAL) / 2
    lo, hi = np.quantile(roi, [tail, 1 - tail], axis=0)
    mean = roi.mean(axis=0)

    def r(values) -> list:
        return [round(float(v), 5) for v in values]

    return {
        "channels": sim.channels,
        "roi_true": r(truth),
        "roi_mean": r(mean),
        "roi_lo": r(lo),
        "roi_hi": r(hi),
        "covered": [bool(v) for v in (lo <= truth) & (truth <= hi)],
        "rel_error": r((mean - truth) / truth),
        "rel_width": r((hi - lo) / truth),
    }


def worker(args: argparse.Namespace) -> None:
    """Fit one tool on one seed of every selected case in this process; print JSON lines."""
    import mmm.model.fit  # noqa: F401

    if args.tool == "pmm":
        import pymc_marketing.mmm  # noqa: F401
    seen: set[tuple[str, ...]] = set()
    for case in args.cases.split(","):
        if deadline_passed(args):
            break
        row: dict[str, object] = {"case": case, "tool": args.tool, "seed": args.seed}
        start = time.perf_counter()
        try:
            sim = generate(case, args.seed)
            structure = (args.tool, *sim.controls)
            if args.tool == "pmm":
                row["cache"] = "pmm compiles every fit (nutpie's C callback)"
                roi, diag = fit_pmm_draws(sim, args.seed, args.chains, args.tune, args.draws)
            else:
                row["cache"] = (
                    "warm (structure fitted earlier in this process)"
                    if (structure in seen)
                    else "first fit of the structure in this process (on-disk cache as found)"
                )
                trend = TOOLS[args.tool]
                saturation = CASE_TOOLS[args.tool][1] if args.tool in CASE_TOOLS else None
                roi, diag = fit_mmm_trend(
                    sim, trend, args.seed, args.chains, args.tune, args.draws, saturation
                )
            seen.add(structure)
            row |= {"status": "ok"} | diag | score(roi, sim)
            row["truth_extra"] = {k: sim.truth[k] for k in ("spend_correlation_1_2", "media_share")}
        except Exception as exc:  # one failed fit must not lose the others
            row |= {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:500]}
            traceback.print_exc()
        row["fit_s"] = round(time.perf_counter() - start, 2)
        print("RESULT " + json.dumps(row), flush=True)


# --------------------------------------------------------------------------- driver


def _stamp() -> dict[str, object]:
    """Commit, tree state, this script's hash and package versions for each result row."""
    status = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True
    )
    script = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    return {
        "when": now(),
        "code": mmm_code(),
        "tree_clean": not status.stdout.strip(),
        "script_sha256": script,
        "versions": package_versions(PACKAGES),
    }


def run_worker(tool: str, seed: int, args: argparse.Namespace, command: str) -> None:
    """Run one worker process; append each result line as it arrives (and a row on timeout)."""
    cmd = [
        sys.executable, __file__, "worker", "--tool", tool, "--seed", str(seed),
        "--cases", args.cases, "--chains", str(args.chains), "--tune", str(args.tune),
        "--draws", str(args.draws),
    ] + (["--stop-at", args.stop_at_text] if args.stop_at_text else [])  # fmt: skip
    env = os.environ | {"PYTHONWARNINGS": "ignore"}
    stamp = _stamp()
    settings = {"chains": args.chains, "tune": args.tune, "draws": args.draws, "label": args.label}
    timeout = args.timeout * len(args.cases.split(","))
    with open(STDERR_LOG, "a") as log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True, env=env)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        done = set()
        for line in proc.stdout:
            if not line.startswith("RESULT "):
                continue
            row = json.loads(line[7:]) | stamp | settings | {"command": command}
            done.add(row["case"])
            _append(row)
            _show(row)
        proc.wait()
        timer.cancel()
    if proc.returncode != 0:
        left = [c for c in args.cases.split(",") if c not in done]
        if left and not deadline_passed(args):
            why = f"worker exited {proc.returncode} (timeout {timeout:.0f} s or crash)"
            row = {"case": left[0], "tool": tool, "seed": seed, "status": "error", "error": why}
            _append(row | stamp | settings | {"command": command})
            _show(row)


def _append(row: dict[str, object]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as f:
        f.write(json.dumps(row) + "\n")


def _show(row: dict[str, object]) -> None:
    head = f"  {row['case']:>16} {row['tool']:>13} seed {row['seed']}"
    if row.get("status") != "ok":
        print(f"{head}: {row.get('error')}", flush=True)
        return
    err = np.abs(row["rel_error"]).mean()
    print(
        f"{head}: covered {sum(row['covered'])}/{len(row['covered'])}, mean |err| {err:.3f}, "
        f"R-hat {row['rhat_max']:.3f}, div {row['divergences']}, {row['fit_s']:.0f} s",
        flush=True,
    )


def cmd_run(args: argparse.Namespace, command: str) -> None:
    """Seeds outermost, so a bounded run leaves whole seeds across cases and tools."""
    for seed in _parse_seeds(args.seeds):
        for tool in args.tools.split(","):
            if deadline_passed(args):
                print("stop time reached; not starting more fits", flush=True)
                return
            run_worker(tool, seed, args, command)


# --------------------------------------------------------------------------- the document


def load_fits(label: str = "full") -> list[dict[str, object]]:
    """The latest row of each (case, tool, seed) with ``label``, and every failed row."""
    if not RESULTS.exists():
        return []
    rows = [json.loads(line) for line in RESULTS.read_text().splitlines() if line.strip()]
    latest: dict[tuple, dict] = {}
    for row in rows:
        if row.get("label") == label:
            latest[(row["case"], row["tool"], row["seed"])] = row
    return list(latest.values())


def _pool(fits: list[dict]) -> dict[str, float]:
    covered = np.concatenate([f["covered"] for f in fits]).astype(float)
    return {
        "coverage": covered.mean(),
        "error": np.abs(np.concatenate([f["rel_error"] for f in fits])).mean(),
        "width": np.concatenate([f["rel_width"] for f in fits]).mean(),
        "n": covered.size,
    }


def _bootstrap(fits: list[dict], key: str, reps: int = 4000) -> tuple[float, float]:
    """90% interval of a pooled figure, resampling whole fits (case x seed) with replacement."""
    rng = np.random.default_rng(0)
    values = [_pool([fits[i] for i in rng.integers(0, len(fits), len(fits))])[key]
              for _ in range(reps)]  # fmt: skip
    lo, hi = np.quantile(values, [0.05, 0.95])
    return float(lo), float(hi)


def _by(fits, **match) -> list[dict]:
    return [f for f in fits if f.get("status") == "ok" and all(f[k] == v for k, v in match.items())]


def _complete(fits) -> list[int]:
    """Seeds on which every (case, tool) present in the results was run (a failure counts)."""
    pairs = {(f["case"], f["tool"]) for f in fits}
    tried = {(f["case"], f["tool"], f["seed"]) for f in fits}
    seeds = sorted({f["seed"] for f in fits})
    return [s for s in seeds if all((c, t, s) in tried for c, t in pairs)]


def _text(values) -> str:
    return ", ".join(map(str, values)) or "none"


def _cell(fits: list[dict]) -> str:
    if not fits:
        return "not run"
    p = _pool(fits)
    return f"{p['coverage']:.2f} / {p['error']:.3f} / {p['width']:.2f} ({p['n']})"


def _compare(fits, case: str) -> tuple[float, float, list[int]] | None:
    """mmm's and PyMC-Marketing's mean |relative error| on the seeds both fitted."""
    m = {f["seed"]: f for f in _by(fits, case=case, tool="mmm")}
    p = {f["seed"]: f for f in _by(fits, case=case, tool="pmm")}
    seeds = sorted(set(m) & set(p))
    if not seeds:
        return None
    return _pool([m[s] for s in seeds])["error"], _pool([p[s] for s in seeds])["error"], seeds


def _ratio_table(fits, cases) -> list[str]:
    """mmm's mean error over PyMC-Marketing's per case, with a bootstrap over seeds."""
    lines = [
        "### mmm's default against PyMC-Marketing, case by case",
        "",
        "Mean |relative ROI error| on the seeds both fitted; the ratio's bootstrap 90% interval "
        "resamples seeds (paired: a seed brings both tools' fits).",
        "",
        "| case | seeds | mmm | pmm | mmm / pmm [bootstrap 90%] |",
        "|---|---|---|---|---|",
    ]
    rng = np.random.default_rng(0)
    for case in cases:
        c = _compare(fits, case)
        if c is None:
            continue
        m, p, seeds = c
        per = {
            t: {f["seed"]: np.abs(f["rel_error"]) for f in _by(fits, case=case, tool=t)}
            for t in ("mmm", "pmm")
        }
        ratios = []
        for _ in range(4000):
            pick = rng.choice(seeds, len(seeds))
            ratios.append(
                np.concatenate([per["mmm"][s] for s in pick]).mean()
                / np.concatenate([per["pmm"][s] for s in pick]).mean()
            )
        lo, hi = np.quantile(ratios, [0.05, 0.95])
        lines.append(
            f"| `{case}` | {_seed_text(seeds)} | {m:.3f} | {p:.3f} | "
            f"{m / p:.2f} [{lo:.2f}, {hi:.2f}] |"
        )
    return lines


def write_doc(label: str = "full") -> None:
    """Write docs/benchmarks_misspecification.md from the results file only."""
    everything = load_fits(label)
    complete = _complete(everything)
    fits = [f for f in everything if f["seed"] in complete]
    partial = len(everything) - len(fits)
    ok = [f for f in fits if f.get("status") == "ok"]
    case_tool_fits = [f for f in fits if f["tool"] in CASE_TOOLS]
    fits = [f for f in fits if f["tool"] not in CASE_TOOLS]
    tools = [t for t in TOOLS if _by(fits, tool=t)]
    cases = [c for c in [REFERENCE, *CASES] if _by(fits, case=c)]
    cases = list(dict.fromkeys(cases))
    suite_cases = [c for c in cases if c != REFERENCE]
    suite = [f for f in fits if f["case"] != REFERENCE]
    seeds = sorted({f["seed"] for f in ok})
    settings = sorted({(f["chains"], f["tune"], f["draws"]) for f in ok})
    lines = [
        "# Benchmarks: ROI when the model is wrong (misspecification suite)",
        "",
        "<!-- generated by benchmarks/misspecification.py doc; edit the script, not this file -->",
        "",
        f"Each case simulates {WEEKS} weeks x {N_CHANNELS} channels (tv, flighted; search; "
        "social; display) from a process the fitted models do not contain, with known ROI "
        "(and one reference case, `well_specified`, from the fitted class itself). "
        "Every case keeps the rest of the fitted model class: a base level with 20% linear "
        "growth, yearly seasonality, a `promo` control (12% of weeks, +10% of base), spend from "
        "`mmm.model.simulate.simulate_spend`, target ROIs drawn in [0.5, 3], Normal noise with "
        "sd 5% of the mean KPI unless the case is about noise. The same seed draws the same "
        "spend, parameters and noise in every case, so cases differ by their departure only. "
        "The true ROI is counterfactual: noise-free KPI summed over the weeks with the "
        "channel's spend as observed minus with that channel's spend at zero (carry-over "
        "inside the period included), over its total spend; in the additive cases that is "
        "the drawn ROI, in the multiplicative case it is the only right definition.",
        "",
        "| case | the process that made the data |",
        "|---|---|",
        *[f"| `{c}` | {d} |" for c, d in CASES.items()],
        "",
        "Tools, each with its own default priors (from the results file, below):",
        "- `mmm`: mmm's default config for this model class (`simulation_config`: geometric "
        "adstock, 8 lags; logistic saturation; `trend: linear`; Fourier order 2; controls).",
        "- `mmm_piecewise`: the same with `trend: {type: piecewise, changepoints: 10}`.",
        "- `mmm_gp`: the same with `trend: " + json.dumps(TREND_GP).replace('"', "") + "`.",
        "- `pmm`: PyMC-Marketing `MMM` with `GeometricAdstock(l_max=8)`, `LogisticSaturation()`, "
        "`yearly_seasonality=2`, the controls, `LinearTrendEffect(LinearTrend(n_changepoints=1))`"
        " (a straight line), nutpie with `target_accept=0.9` (benchmarks/pmm_vs_mmm.py's model).",
        "",
        "Sampling, to keep the time budget: chains / tune / draws "
        + ", ".join(f"{c} / {t} / {d}" for c, t, d in settings)
        + " (mmm's own default is 2 x (1,000 + 1,000)). "
        f"Seeds: {_seed_text(seeds) if seeds else 'none'}, every case and tool on each"
        + (
            f" ({partial} fits of seeds the run's time bound cut short are in the results "
            "file but not in these tables)"
            if partial
            else ""
        )
        + ". 90% interval: the 5% and 95% posterior quantiles of ROI. Only rows labelled "
        f"`{label}` count here (the smoke run's rows carry the label `smoke`).",
        "",
        "## Results per case",
        "",
        "Each cell: **90% coverage / mean |relative ROI error| / mean relative 90% width "
        "(channels x seeds judged)**; relative = divided by the true ROI; error = |posterior "
        "mean - truth| / truth.",
        "",
        "| case | " + " | ".join(tools) + " |",
        "|---|" + "---|" * len(tools),
    ]
    for case in cases:
        cells = [_cell(_by(fits, case=case, tool=t)) for t in tools]
        lines.append(f"| `{case}` | " + " | ".join(cells) + " |")
    lines += ["", "## Pooled over the suite", ""]
    lines += [
        f"The {len(suite_cases)} misspecified cases; `{REFERENCE}` is left out. "
        "Bootstrap 90% intervals resample whole fits (case x seed, 4 channels each) with "
        "replacement, 4,000 times.",
        "",
    ]
    lines += _pooled_table(suite, tools)
    lines += ["", *_ratio_table(fits, cases), ""]
    lines += [*_targets(suite, suite_cases), "", *_where_wrong(fits, suite_cases), ""]
    lines += [*_case_tool_lines(fits + case_tool_fits), *_default_length_lines()]
    lines += ["## Seed by seed", "", *_seed_table(fits, cases, tools), ""]
    lines += ["## Priors (as recorded by the fits)", ""]
    for tool in tools:
        priors = next((f["priors"] for f in _by(fits, tool=tool)), {})
        text = "; ".join(f"{k}: {json.dumps(v).replace('|', '/')}" for k, v in priors.items())
        lines.append(f"- `{tool}`: {text}")
    lines += [
        "",
        "mmm's priors are in scaled units (KPI / its mean, spend / its mean, controls / their "
        "largest absolute value); its ROI prior's `auto` median is 0.25 x total KPI / total "
        "spend. PyMC-Marketing's are in its own scaled units (KPI and spend divided by their "
        "maximum).",
        "",
        *_provenance(everything),
    ]
    DOC.write_text("\n".join(lines) + "\n")


def _pooled_table(suite: list[dict], tools: list[str]) -> list[str]:
    """Per tool: pooled coverage and error with bootstrap intervals, width, R-hat, divergences."""
    lines = [
        "| tool | fits | channels judged | 90% coverage [bootstrap 90%] | mean abs rel. error "
        "[bootstrap 90%] | mean rel. width | max R-hat | fits with R-hat > 1.01 | fits with "
        "divergences | median sampling s | failed fits |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for tool in tools:
        done = _by(suite, tool=tool)
        p = _pool(done)
        clo, chi = _bootstrap(done, "coverage")
        elo, ehi = _bootstrap(done, "error")
        failed = sum(f.get("status") != "ok" for f in suite if f["tool"] == tool)
        lines.append(
            f"| {tool} | {len(done)} | {p['n']} | {p['coverage']:.3f} [{clo:.3f}, {chi:.3f}] | "
            f"{p['error']:.3f} [{elo:.3f}, {ehi:.3f}] | {p['width']:.2f} | "
            f"{max(f['rhat_max'] for f in done):.3f} | "
            f"{sum(f['rhat_max'] > 1.01 for f in done)} | "
            f"{sum(f['divergences'] > 0 for f in done)} | "
            f"{np.median([f['sample_s'] for f in done]):.1f} | {failed} |"
        )
    return lines


def _case_tool_lines(fits: list[dict]) -> list[str]:
    """Each case tool (:data:`CASE_TOOLS`) against the default on its case's seeds."""
    lines = []
    for tool, (case, saturation) in CASE_TOOLS.items():
        own = {f["seed"]: f for f in _by(fits, case=case, tool=tool)}
        default = [f for f in _by(fits, case=case, tool="mmm") if f["seed"] in own]
        if not default:
            continue
        paired = [own[f["seed"]] for f in default]
        lines += [
            f"## `{case}` fitted with its own transform",
            "",
            f"`{tool}`: mmm's default config with `saturation: {json.dumps(saturation)}`".replace(
                '"', ""
            )
            + f", on the `{case}` data, seeds {_seed_text(own)}; the default (logistic) on the "
            "same seeds. 90% coverage / mean |relative ROI error| / mean relative width "
            "(channels), fits with divergences:",
            "",
            "| tool | coverage / error / width | fits with divergences | max R-hat |",
            "|---|---|---|---|",
        ]
        for name, rows in (("mmm", default), (tool, paired)):
            lines.append(
                f"| `{name}` | {_cell(rows)} | {sum(f['divergences'] > 0 for f in rows)} of "
                f"{len(rows)} | {max(f['rhat_max'] for f in rows):.3f} |"
            )
        lines.append("")
    return lines


def _default_length_lines(label: str = DEFAULT_LENGTH_LABEL) -> list[str]:
    """The section on the run at mmm's default chain length, when its rows exist."""
    everything = load_fits(label)
    complete = _complete(everything)
    fits = [f for f in everything if f["seed"] in complete]
    suite = [f for f in fits if f["case"] != REFERENCE]
    tools = [t for t in TOOLS if _by(suite, tool=t)]
    if not tools:
        return []
    settings = sorted({(f["chains"], f["tune"], f["draws"]) for f in _by(fits)})
    per_case = [
        f"| `{case}` | " + " | ".join(_cell(_by(fits, case=case, tool=t)) for t in tools) + " |"
        for case in [c for c in CASES if _by(fits, case=c)]
    ]
    command = (
        f"`.venv/bin/python benchmarks/misspecification.py run --tools {','.join(tools)} "
        f"--seeds {_seed_text(complete)} --tune 1000 --draws 1000 --label {label}`"
    )
    return [
        "## At mmm's default chain length",
        "",
        "mmm's trends again at chains / tune / draws "
        + ", ".join(f"{c} / {t} / {d}" for c, t, d in settings)
        + f" (mmm's default), seeds {_seed_text(complete)}, rows labelled `{label}` "
        f"(command: {command}). Pooled over the {len({f['case'] for f in suite})} "
        f"misspecified cases (`{REFERENCE}` left out):",
        "",
        *_pooled_table(suite, tools),
        "",
        "Per case: 90% coverage / mean |relative ROI error| / mean relative width (channels).",
        "",
        "| case | " + " | ".join(tools) + " |",
        "|---|" + "---|" * len(tools),
        *per_case,
        "",
    ]


def _targets(fits, cases) -> list[str]:
    lines = ["## Targets", ""]
    done = _by(fits, tool="mmm")
    if done:
        p = _pool(done)
        lo, hi = _bootstrap(done, "coverage")
        met = 0.80 <= p["coverage"] <= 0.97
        why = "" if met else (" (too narrow)" if p["coverage"] < 0.8 else " (too wide)")
        lines.append(
            f"- **Pooled 90% ROI coverage of mmm's default between 0.80 and 0.97: "
            f"{'met' if met else 'not met' + why}** ({p['coverage']:.3f}, bootstrap 90% "
            f"[{lo:.3f}, {hi:.3f}], {p['n']} channel ROIs over {len(done)} fits)."
        )
    worse, rows = [], []
    for case in cases:
        c = _compare(fits, case)
        if c is None:
            continue
        m, p, seeds = c
        rows.append(f"`{case}` {m:.3f} vs {p:.3f}")
        if m > p:
            worse.append(f"`{case}`")
    if rows:
        verdict = "met" if not worse else "not met"
        lines.append(
            f"- **Mean ROI error of mmm's default no worse than PyMC-Marketing's, case by case: "
            f"{verdict}**" + (f"; worse on {', '.join(worse)}" if worse else "")
            + ". Mean |relative error| mmm vs PyMC-Marketing on the seeds both fitted: "
            + "; ".join(rows) + "."
        )  # fmt: skip
    linear = _by(fits, case="concave_trend", tool="mmm")
    for tool in ("mmm_piecewise", "mmm_gp"):
        curved = _by(fits, case="concave_trend", tool=tool)
        if not curved:
            continue
        k = sum(sum(f["covered"]) for f in curved)
        n = sum(len(f["covered"]) for f in curved)
        missed = sorted(f["seed"] for f in curved if not all(f["covered"]))
        lines.append(
            f"- **Curved trend, channel ROIs covered with `{tool}` (read as: coverage of at "
            f"least the pooled target's 0.80): {'met' if k / n >= 0.8 else 'not met'}** "
            f"({k}/{n} = {k / n:.0%} over seeds {_seed_text(f['seed'] for f in curved)}; "
            f"misses on seeds {_text(missed)}; the default linear trend: "
            f"{sum(sum(f['covered']) for f in linear)}/{sum(len(f['covered']) for f in linear)})."
            + (
                f" Read strictly (every channel on every seed) it is not met: {n - k} missed, "
                f"about what 90% intervals miss when they are right ({0.1 * n:.0f} of {n})."
                if k < n
                else ""
            )
        )
    return lines


def _where_wrong(fits, cases) -> list[str]:
    """Plain sentences, from the numbers, on where mmm is wrong, largest error first."""
    lines = [
        "## Where mmm is wrong",
        "",
        "Cases ordered by the default's mean |relative ROI error|, largest first. Flagged: "
        "coverage under 80% (intervals too narrow for the error), or a mean error above "
        "PyMC-Marketing's on the same seeds.",
        "",
    ]
    reference = _by(fits, case=REFERENCE, tool="mmm")
    if reference:
        p = _pool(reference)
        lines += [
            f"For scale: on data from its own model class (`{REFERENCE}`) the default is off by "
            f"{p['error']:.0%} of the true ROI on average, with 90% intervals "
            f"{p['width']:.0%} of the true ROI wide that cover {p['coverage']:.0%} of "
            f"{p['n']} channel ROIs. Four channels over 156 weeks pin ROI down loosely even "
            "when the model is right; errors near that level are the data's, not the "
            "misspecification's.",
            "",
        ]
    ranked = sorted(
        ((_pool(_by(fits, case=c, tool="mmm")), c) for c in cases if _by(fits, case=c, tool="mmm")),
        key=lambda pc: -pc[0]["error"],
    )
    for p, case in ranked:
        done = _by(fits, case=case, tool="mmm")
        c = _compare(fits, case)
        flags = ["intervals too narrow"] * bool(p["coverage"] < 0.8)
        flags += ["error above PyMC-Marketing's"] * bool(c is not None and c[0] > c[1])
        text = (
            f"- `{case}`" + (f" (**{', '.join(flags)}**)" if flags else "")
            + f": the default is off by {p['error']:.0%} of the true ROI on average and its "
            f"90% intervals cover {p['coverage']:.0%} of {p['n']} channel ROIs"
        )  # fmt: skip
        flex = [
            f"`{t}` {q['error']:.0%} / {q['coverage']:.0%}"
            for t in ("mmm_piecewise", "mmm_gp")
            if (q := _pool(_by(fits, case=case, tool=t)) if _by(fits, case=case, tool=t) else None)
        ]
        if flex:
            text += "; error / coverage with " + ", ".join(flex)
        piecewise = _by(fits, case=case, tool="mmm_piecewise")
        if p["coverage"] < 0.8 and piecewise:
            q = _pool(piecewise)
            text += (
                f" (the piecewise trend brings coverage back to {q['coverage']:.0%})"
                if q["coverage"] >= 0.8
                else " (no baseline option fixes it: the fault is not in the baseline)"
            )
        if c is not None:
            text += f"; PyMC-Marketing's error on the same seeds {c[1]:.0%}"
        misses = [
            (abs(f["rel_error"][i]), f["seed"], ch, f["roi_mean"][i], f["roi_true"][i],
             f["roi_lo"][i], f["roi_hi"][i])
            for f in done for i, ch in enumerate(f["channels"]) if not f["covered"][i]
        ]  # fmt: skip
        if misses:
            _, seed, ch, est, true, lo, hi = max(misses)
            side = "over" if est > true else "under"
            text += (
                f". Worst miss: {ch} on seed {seed}, ROI {est:.2f} [{lo:.2f}, {hi:.2f}] for a "
                f"true {true:.2f} ({side}stated)"
            )
        lines.append(text + ".")
    lines.append("")
    lines.append("Over the suite's cases:")
    lines.append("")
    for tool in ("mmm", "mmm_piecewise", "mmm_gp", "pmm"):
        done = [f for f in _by(fits, tool=tool) if f["case"] != REFERENCE]
        if not done:
            continue
        bad = [f for f in done if f["divergences"] > 0 or f["rhat_max"] > 1.01]
        lines.append(
            f"- `{tool}`: intervals {_pool(done)['width']:.0%} of the true ROI wide on average; "
            f"{sum(f['divergences'] > 0 for f in done)} of {len(done)} fits with divergent "
            f"transitions ({sum(f['divergences'] for f in done)} in all), "
            f"{sum(f['rhat_max'] > 1.01 for f in done)} with max R-hat above 1.01"
            + (f" (short chains: {done[0]['chains']} x {done[0]['draws']} draws)" if bad else "")
            + "."
        )
    return lines


def _seed_table(fits, cases, tools) -> list[str]:
    lines = [
        "Each cell: channels covered / 4, mean |relative error|, max R-hat, divergences.",
        "",
        "| case | seed | " + " | ".join(tools) + " |",
        "|---|---|" + "---|" * len(tools),
    ]
    for case in cases:
        for seed in sorted({f["seed"] for f in fits if f["case"] == case}):
            cells = []
            for tool in tools:
                row = next((f for f in fits if (f["case"], f["tool"], f["seed"]) ==
                            (case, tool, seed)), None)  # fmt: skip
                if row is None:
                    cells.append("not run")
                elif row.get("status") != "ok":
                    cells.append("failed: " + row.get("error", "")[:60].replace("|", "/"))
                else:
                    cells.append(
                        f"{sum(row['covered'])}/4, {np.abs(row['rel_error']).mean():.3f}, "
                        f"{row['rhat_max']:.3f}, {row['divergences']}"
                    )
            lines.append(f"| `{case}` | {seed} | " + " | ".join(cells) + " |")
    return lines


def _provenance(fits) -> list[str]:
    ok = [f for f in fits if f.get("status") == "ok"]
    stamps = sorted({(f["code"], f["tree_clean"], f["script_sha256"]) for f in ok})
    versions = sorted({json.dumps(f["versions"], sort_keys=True) for f in ok})
    caches = {}
    for f in ok:
        caches[f["cache"]] = caches.get(f["cache"], 0) + 1
    when = sorted(f["when"] for f in ok)
    return [
        "## How the numbers were made",
        "",
        "- Runs: " + (f"{when[0]} to {when[-1]}" if when else "none") + ".",
        "- Code (commit, '+edits' when mmm/ had uncommitted changes; whether the whole working "
        "tree was clean; this script's sha256): "
        + "; ".join(f"{c}, tree {'clean' if t else 'not clean'}, script {s}" for c, t, s in stamps)
        + ". The checkout is shared with other work, so an unclean tree is expected. The "
        "script hash pins the generator and scoring of each row (the git history of "
        "benchmarks/misspecification.py says what changed between hashes); the commits "
        "listed are the shared checkout's HEAD when each worker started.",
        "- Versions: " + "; ".join(versions) + ".",
        "- Compile cache per fit: "
        + "; ".join(f"{k}: {v} fits" for k, v in sorted(caches.items()))
        + ". One worker process per (seed, tool) fits every case in turn; mmm reuses a model "
        "structure compiled earlier in the process. The cache affects time only, never the "
        "draws' accuracy.",
        "- Machine: shared, 2 cores; fit times are in the results file and are not a speed "
        "benchmark (see benchmarks.md).",
        "",
        "Commands:",
        "",
        "```",
        *sorted({f["command"] for f in fits if "command" in f}),
        ".venv-bench/bin/python benchmarks/misspecification.py doc",
        "```",
    ]


# --------------------------------------------------------------------------- CLI


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "worker"):
        p = sub.add_parser(name)
        p.add_argument("--cases", default=",".join(CASES), help="comma list of " + ", ".join(CASES))
        p.add_argument("--tools", default=",".join(TOOLS), help="comma list of " + ", ".join(TOOLS))
        p.add_argument("--seeds", default="1-3", help="e.g. 1,2,3 or 1-5")
        p.add_argument("--chains", type=int, default=2)
        p.add_argument("--tune", type=int, default=500)
        p.add_argument("--draws", type=int, default=500)
        p.add_argument("--timeout", type=float, default=900, help="seconds per fit")
        p.add_argument("--stop-at", default=None, help="HH:MM UTC: start no fit after it")
        p.add_argument("--label", default="full", help="result label the doc reads ('full')")
        p.add_argument("--tool", default="mmm", help="worker: the one tool")
        p.add_argument("--seed", type=int, default=1, help="worker: the one seed")
    d = sub.add_parser("doc")
    d.add_argument("--label", default="full")
    args = parser.parse_args()
    if args.command == "doc":
        write_doc(args.label)
        return
    unknown = set(args.cases.split(",")) - set(CASES) | set(args.tools.split(",")) - set(TOOLS)
    if unknown:
        parser.error(f"unknown case or tool: {', '.join(sorted(unknown))}")
    args.stop_at_text = args.stop_at
    args.stop_at = stop_at_timestamp(args.stop_at)
    if args.command == "worker":
        worker(args)
        return
    command = ".venv-bench/bin/python benchmarks/misspecification.py " + " ".join(sys.argv[1:])
    cmd_run(args, command)
    if args.label == "full":
        write_doc()


if __name__ == "__main__":
    main()
