"""Where the simulated truth sits in each tool's default priors (mmm and PyMC-Marketing).

The head-to-head in ``benchmarks/pmm_vs_mmm.py`` fits both tools with their own default
priors. A comparison of ROI accuracy is only fair if the parameters that generated the data are
plausible under both sets of priors, so this module maps every true channel parameter of a
``mmm.model.simulate.simulate`` dataset into each tool's own parameterization and units and
returns its prior quantile (the prior CDF at the truth). It only simulates data; nothing is
fitted.

A truth is *inside* a prior's mass when it lies in the prior's 98% highest-density region (HDR):
the set of values where the density is highest, holding 98% of the prior's probability. For a
unimodal prior that set is the shortest interval holding 98%, from quantile ``p`` to quantile
``p + 0.98``, with the density equal at both ends (:func:`hdr_quantiles`). When the density is
largest at the lower end of the support (HalfNormal, Beta(1, 3)) ``p`` is 0 and the rule is
quantile <= 0.98; a truth near 0 is then in the densest region, not in a tail. For a prior with an
interior mode (LogNormal, Beta(2, 2), Gamma(3, .)) ``p`` is found numerically.

The priors checked, each in its tool's units:

* mmm (``mmm.model.transforms`` and ``mmm.model.config``): ``roi`` LogNormal with median
  ``AUTO_ROI_MEDIA_SHARE * total KPI / total spend`` and sigma 1; geometric adstock ``alpha``
  Beta(2, 2); logistic saturation ``lam`` Gamma(3, rate 2) on spend / mean spend.
* PyMC-Marketing 1.x ``MMM`` (as ``pmm_model`` builds it): ``adstock_alpha`` Beta(1, 3);
  ``saturation_lam`` Gamma(3, rate 1) on spend / max spend; ``saturation_beta`` HalfNormal(2)
  in target / max target units.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from scipy import optimize, stats

ROOT = Path(__file__).resolve().parents[1]
PRIOR_MASS = ROOT / "benchmarks" / "results" / "prior_mass.json"
#: Probability of the highest-density region a truth must lie in to be inside a prior's mass.
HDR_MASS = 0.98

#: A prior as ``(pymc distribution name, keyword arguments)``, as mmm.model.transforms has it.
PriorTuple = tuple[str, dict[str, float]]

#: PyMC-Marketing 1.x defaults for GeometricAdstock and LogisticSaturation (pymc_marketing is
#: not importable in mmm's own venv; docs/benchmarks_misspecification.md lists the same priors
#: read from a built model).
PMM_PRIORS: dict[str, PriorTuple] = {
    "adstock_alpha": ("Beta", {"alpha": 1.0, "beta": 3.0}),
    "saturation_lam": ("Gamma", {"alpha": 3.0, "beta": 1.0}),
    "saturation_beta": ("HalfNormal", {"sigma": 2.0}),
}

#: Units of each parameter in its tool.
UNITS = {
    "roi": "KPI per unit of spend",
    "geometric_alpha": "share carried to the next week",
    "logistic_lam": "per unit of spend / mean spend",
    "adstock_alpha": "share carried to the next week",
    "saturation_lam": "per unit of spend / max spend",
    "saturation_beta": "KPI / max KPI",
}


def scipy_prior(prior: PriorTuple):
    """The frozen ``scipy.stats`` distribution of a PyMC prior.

    Parameters
    ----------
    prior : PriorTuple
        ``("Beta", {"alpha", "beta"})``, ``("Gamma", {"alpha", "beta"})`` with ``beta`` the
        rate, ``("HalfNormal", {"sigma"})`` or ``("LogNormal", {"mu", "sigma"})`` with ``mu``
        the mean of the log.

    Returns
    -------
    scipy.stats frozen distribution
    """
    name, p = prior
    if name == "Beta":
        return stats.beta(p["alpha"], p["beta"])
    if name == "Gamma":
        return stats.gamma(p["alpha"], scale=1.0 / p["beta"])
    if name == "HalfNormal":
        return stats.halfnorm(scale=p["sigma"])
    if name == "LogNormal":
        return stats.lognorm(s=p["sigma"], scale=np.exp(p["mu"]))
    raise ValueError(f"no scipy equivalent for prior {name}")


def _density_at_quantile(dist, q: float) -> float:
    """The density at the ``q`` quantile; 0 at an infinite end of the support."""
    x = float(dist.ppf(q))
    return 0.0 if np.isinf(x) else float(dist.pdf(x))


def hdr_quantiles(dist, mass: float = HDR_MASS) -> tuple[float, float]:
    """The quantiles ``(p, p + mass)`` that bound a unimodal prior's highest-density region.

    The shortest interval holding ``mass`` runs from quantile ``p`` to ``p + mass``; its width
    ``ppf(p + mass) - ppf(p)`` has derivative ``1 / f(ppf(p + mass)) - 1 / f(ppf(p))`` in ``p``,
    zero where the density ``f`` is equal at both ends. That root is found with Brent's method.
    When the density at the lower end of the support is already at least the density at the
    ``mass`` quantile (a density largest at the lower end: HalfNormal, Beta(1, 3)), ``p`` is 0;
    when the density is largest at the upper end, ``p`` is ``1 - mass``.

    Parameters
    ----------
    dist : scipy.stats frozen distribution
        A unimodal continuous distribution (:func:`scipy_prior`).
    mass : float
        Probability the region holds.

    Returns
    -------
    tuple of float
        ``(p, p + mass)``.
    """

    def gap(p: float) -> float:
        return _density_at_quantile(dist, p) - _density_at_quantile(dist, p + mass)

    if gap(0.0) >= 0:
        p = 0.0
    elif gap(1.0 - mass) <= 0:
        p = 1.0 - mass
    else:
        p = float(optimize.brentq(gap, 0.0, 1.0 - mass, xtol=1e-14))
    return p, p + mass


def prior_text(prior: PriorTuple) -> str:
    """A prior as text, e.g. ``Gamma(alpha=3, beta=2)`` (LogNormal by its median)."""
    name, p = prior
    if name == "LogNormal":
        return f"LogNormal(median={np.exp(p['mu']):.3g}, sigma={p['sigma']:g})"
    return f"{name}(" + ", ".join(f"{k}={v:g}" for k, v in p.items()) + ")"


def mmm_priors(roi_median: float) -> dict[str, PriorTuple]:
    """mmm's default priors of a channel, read from mmm's own code.

    Parameters
    ----------
    roi_median : float
        The 'auto' ROI median of the dataset (:func:`mmm.model.inputs.roi_prior_median`).

    Returns
    -------
    dict of str -> PriorTuple
        ``roi``, ``geometric_alpha`` and ``logistic_lam``.
    """
    from mmm.model.config import RoiPrior
    from mmm.model.transforms import ADSTOCKS, SATURATIONS

    return {
        "roi": ("LogNormal", {"mu": float(np.log(roi_median)), "sigma": RoiPrior().sigma}),
        "geometric_alpha": ADSTOCKS["geometric"].default_priors["alpha"],
        "logistic_lam": SATURATIONS["logistic"].default_priors["lam"],
    }


def mmm_truth(sim) -> tuple[dict[str, dict[str, float]], float]:
    """The true channel parameters in mmm's units, and the dataset's 'auto' ROI median.

    mmm scales each channel's spend by its mean over the data it is given (``Scales.spend``,
    ``dataset.spend.mean(axis=0)``) and saturates ``tanh(lam x / 2)`` of the adstocked scaled
    spend. The simulator used the same curve on ``spend / spend_scale`` with ``spend_scale``
    the mean of the unrounded spend; the CSV rounds spend to cents, so mmm's scale is
    ``mean_frame`` and

        tanh(lam_true * s / spend_scale / 2) = tanh(lam_mmm * s / mean_frame / 2)
        =>  lam_mmm = lam_true * mean_frame / spend_scale   (1 up to ~1e-7)

    Adstock is linear and normalized to sum one in both, so ``alpha`` is unchanged. mmm's ROI is
    ``sum_t contribution / sum_t spend`` (``_channel_coefficients`` in mmm/model/build.py), the
    simulator's definition, so the true ROI is taken as is. The ROI prior's median is computed
    by mmm's own :func:`mmm.model.inputs.roi_prior_median` on the dataset mmm builds.

    Parameters
    ----------
    sim : mmm.model.simulate.Simulation

    Returns
    -------
    truth : dict of channel -> {parameter: value}
    roi_median : float
    """
    from mmm.model.config import parse_config
    from mmm.model.data import dataset_from_frame
    from mmm.model.inputs import roi_prior_median
    from mmm.model.simulate import simulation_config

    config = parse_config(simulation_config(sim, "unused.csv"))
    dataset = dataset_from_frame(sim.frame, config)
    roi_median = roi_prior_median(config.channels[0].prior.roi, dataset)
    mean_frame = dataset.spend.mean(axis=0)
    truth = {}
    for m, name in enumerate(sim.channels):
        t = sim.truth["channels"][name]
        truth[name] = {
            "roi": t["roi"],
            "geometric_alpha": t["adstock"]["alpha"],
            "logistic_lam": t["saturation"]["lam"] * mean_frame[m] / t["spend_scale"],
        }
    return truth, roi_median


def pmm_truth(sim) -> dict[str, dict[str, float]]:
    """The true channel parameters in PyMC-Marketing's units.

    PyMC-Marketing's ``MMM`` divides each channel's spend by its maximum absolute value
    (``MaxAbsScaleChannels``) and the target by its maximum (``MaxAbsScaleTarget``,
    ``target_scale``), both over the data ``fit`` is given, here ``sim.frame``. Its channel
    contribution is ``saturation_beta * logistic(adstock(x))`` in target / max units, with
    ``x = s / s_max`` and ``logistic(u) = (1 - exp(-lam u)) / (1 + exp(-lam u)) = tanh(lam u /
    2)``. ``GeometricAdstock(l_max=8)`` normalizes its weights ``alpha**l`` (l = 0..7) to sum one,
    as the simulator's adstock does, so ``adstock_alpha`` is the true ``alpha``.

    The simulator's contribution in KPI units is ``beta_true * tanh(lam_true * adstock(s /
    spend_scale) / 2)``. Adstock is linear, so ``adstock(s / spend_scale) = adstock(x) * s_max /
    spend_scale``; dividing the contribution by ``y_max`` to put it in PyMC-Marketing's units
    gives

        beta_true / y_max * tanh(lam_true * s_max / spend_scale * adstock(x) / 2)
        =>  saturation_lam  = lam_true * s_max / spend_scale
            saturation_beta = beta_true / y_max

    with ``s_max`` the channel's largest weekly spend and ``y_max`` the largest weekly KPI in
    the frame.

    Parameters
    ----------
    sim : mmm.model.simulate.Simulation

    Returns
    -------
    dict of channel -> {parameter: value}
    """
    frame = sim.frame
    y_max = float(frame[sim.truth["target_column"]].abs().max())
    truth = {}
    for name in sim.channels:
        t = sim.truth["channels"][name]
        s_max = float(frame[name].abs().max())
        truth[name] = {
            "adstock_alpha": t["adstock"]["alpha"],
            "saturation_lam": t["saturation"]["lam"] * s_max / t["spend_scale"],
            "saturation_beta": t["beta"] / y_max,
        }
    return truth


def prior_quantiles(sim) -> list[dict[str, object]]:
    """Each true channel parameter's quantile under each tool's default prior.

    Parameters
    ----------
    sim : mmm.model.simulate.Simulation

    Returns
    -------
    list of dict
        One row per channel, tool and parameter: ``channel``, ``flighted`` (bought in bursts,
        so its largest week is far above its mean), ``tool`` ('mmm' or 'pmm'), ``parameter``
        (the tool's own name), ``prior`` (text), ``peak_at_zero`` (the density is largest at
        the lower end of the support, so the HDR starts there), ``hdr_quantiles`` and ``hdr``
        (the ends of the prior's HDR_MASS highest-density region as quantiles and as values),
        ``truth`` (in the tool's units), ``quantile`` (the prior CDF at the truth) and
        ``inside_hdr`` (the truth lies in that region).
    """
    from mmm.model.simulate import FLIGHTED

    truth_mmm, roi_median = mmm_truth(sim)
    tools = {
        "mmm": (truth_mmm, mmm_priors(roi_median)),
        "pmm": (pmm_truth(sim), PMM_PRIORS),
    }
    rows = []
    for name in sim.channels:
        for tool, (truth, priors) in tools.items():
            for parameter, prior in priors.items():
                tag = {"channel": name, "flighted": name in FLIGHTED, "tool": tool}
                rows.append(tag | _truth_in_prior(parameter, prior, truth[name][parameter]))
    return rows


def _truth_in_prior(parameter: str, prior: PriorTuple, value: float) -> dict[str, object]:
    """One truth against one prior: the prior, its HDR, the truth's quantile, inside or not."""
    dist = scipy_prior(prior)
    lo, hi = hdr_quantiles(dist)
    quantile = float(dist.cdf(value))
    return {
        "parameter": parameter,
        "prior": prior_text(prior),
        "peak_at_zero": lo == 0.0,
        "hdr_quantiles": [round(lo, 6), round(hi, 6)],
        "hdr": [round(float(v), 6) for v in dist.ppf([lo, hi])],
        "truth": round(value, 6),
        "quantile": round(quantile, 6),
        "inside_hdr": bool(lo <= quantile <= hi),
    }


def datasets_of_results(rows: list[dict[str, object]]) -> list[tuple[int, int, int]]:
    """The (weeks, channels, seed) of every dataset both tools fitted in a results file.

    Rows of data drawn with a ``saturation_ceiling`` are left out: the same seed names another
    dataset there, checked where those rows are reported.
    """
    fitted: dict[str, set[tuple[int, int, int]]] = {"mmm": set(), "pmm": set()}
    for r in rows:
        if r.get("saturation_ceiling") is not None:
            continue
        if r.get("status") == "ok" and r.get("tool") in fitted:
            fitted[r["tool"]].add((r["weeks"], r["channels"], r["seed"]))
    return sorted(fitted["mmm"] & fitted["pmm"])


def pmm_saturation_ceiling() -> float:
    """Upper end of the HDR of PyMC-Marketing's default ``saturation_lam`` prior.

    The simulator's ``saturation_ceiling`` set to this keeps every channel's true saturation
    inside that prior's mass (mmm's own prior holds the simulator's whole range already).
    """
    dist = scipy_prior(PMM_PRIORS["saturation_lam"])
    return float(dist.ppf(hdr_quantiles(dist)[1]))


def prior_mass_rows(
    datasets: list[tuple[int, int, int]], saturation_ceiling: float | None = None
) -> list[dict[str, object]]:
    """:func:`prior_quantiles` of every dataset, each row tagged with weeks, channels and seed.

    Parameters
    ----------
    datasets : list of (weeks, channels, seed)
    saturation_ceiling : float, optional
        Passed to ``simulate`` (the datasets of the head-to-head drawn inside both priors).
    """
    from mmm.model.simulate import simulate

    out = []
    for weeks, channels, seed in datasets:
        sim = simulate(
            seed=seed, weeks=weeks, n_channels=channels, saturation_ceiling=saturation_ceiling
        )
        tag = {"weeks": weeks, "channels": channels, "seed": seed}
        out += [tag | row for row in prior_quantiles(sim)]
    return out


def inside_by_dataset(rows: list[dict[str, object]]) -> dict[tuple[int, int, int], bool]:
    """Per dataset (weeks, channels, seed): whether every truth lies inside its prior's HDR.

    Parameters
    ----------
    rows : list of dict
        Rows of :func:`prior_mass_rows` (or of the JSON record), both tools' parameters.

    Returns
    -------
    dict of (weeks, channels, seed) -> bool
    """
    out: dict[tuple[int, int, int], bool] = {}
    for r in rows:
        key = (r["weeks"], r["channels"], r["seed"])
        out[key] = out.get(key, True) and bool(r["inside_hdr"])
    return out


def summary(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Per tool and parameter: its prior, the range of the truths' quantiles, how many are out.

    Parameters
    ----------
    rows : list of dict
        Rows of :func:`prior_mass_rows` (or of the JSON record).

    Returns
    -------
    list of dict
        ``tool``, ``parameter``, ``prior`` (its text; a median that varies by dataset, as the
        'auto' ROI median does, reads ``median=auto``), ``hdr_quantiles`` and ``hdr`` (the
        ends of the prior's highest-density region; None when they vary by dataset), ``n``,
        ``truth_min``, ``truth_max``, ``q_min``, ``q_max``, ``below`` and ``above`` (truths
        outside the HDR, below or above it), ``outside`` (their sum), ``below_flighted`` and
        ``above_flighted`` (those of flighted channels) and ``peak_at_zero``.
    """
    groups: dict[tuple[str, str], list[dict[str, object]]] = {}
    for r in rows:
        groups.setdefault((r["tool"], r["parameter"]), []).append(r)
    out = []
    for (tool, parameter), group in groups.items():
        q = [r["quantile"] for r in group]
        below = [r for r in group if _outside_side(r) == "below"]
        above = [r for r in group if _outside_side(r) == "above"]
        out.append(
            {
                "tool": tool,
                "parameter": parameter,
                "prior": _common_prior([r["prior"] for r in group]),
                "hdr_quantiles": _common_bounds([r["hdr_quantiles"] for r in group]),
                "hdr": _common_bounds([r["hdr"] for r in group]),
                "n": len(group),
                "truth_min": min(r["truth"] for r in group),
                "truth_max": max(r["truth"] for r in group),
                "q_min": min(q),
                "q_max": max(q),
                "below": len(below),
                "above": len(above),
                "outside": len(below) + len(above),
                "below_flighted": sum(r["flighted"] for r in below),
                "above_flighted": sum(r["flighted"] for r in above),
                "peak_at_zero": bool(group[0]["peak_at_zero"]),
            }
        )
    return out


def _outside_side(row: dict[str, object]) -> str | None:
    """'below' or 'above' the prior's HDR for a truth outside it, None for one inside."""
    if row["inside_hdr"]:
        return None
    return "below" if row["quantile"] <= row["hdr_quantiles"][0] else "above"


def _common_prior(texts: list[str]) -> str:
    if len(set(texts)) == 1:
        return texts[0]
    return re.sub(r"median=[^,)]+", "median=auto", texts[0])


def _common_bounds(bounds: list[list[float]]) -> list[float] | None:
    return bounds[0] if all(b == bounds[0] for b in bounds) else None


def write_prior_mass(
    rows: list[dict[str, object]], date: str, commit: str, command: str, path: Path = PRIOR_MASS
) -> None:
    """Write the rows and their summary to ``path`` (JSON)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "date": date,
        "commit": commit,
        "command": command,
        "hdr_mass": HDR_MASS,
        "summary": summary(rows),
        "rows": rows,
    }
    path.write_text(json.dumps(record, indent=1) + "\n")


def load_prior_mass(path: Path = PRIOR_MASS) -> dict[str, object] | None:
    """The record :func:`write_prior_mass` wrote, or None when there is none yet."""
    return json.loads(path.read_text()) if path.exists() else None


def print_table(rows: list[dict[str, object]]) -> None:
    """Print one line per dataset and channel (truth and quantile per tool and parameter), then
    the summary."""
    params = list(dict.fromkeys((r["tool"], r["parameter"]) for r in rows))
    print("size    seed channel      " + " ".join(f"{t}:{p:>16}" for t, p in params))
    lines: dict[tuple, dict[tuple[str, str], dict[str, object]]] = {}
    for r in rows:
        key = (r["weeks"], r["channels"], r["seed"], r["channel"])
        lines.setdefault(key, {})[(r["tool"], r["parameter"])] = r
    for (weeks, channels, seed, channel), cells in lines.items():
        text = " ".join(_cell(cells[p]) for p in params)
        print(f"{weeks}x{channels:<3} {seed:>4} {channel:<12} {text}")
    print(f"\n'!': outside the prior's {HDR_MASS:.0%} highest-density region\n")
    for s in summary(rows):
        print(
            f"{s['tool']:>3} {s['parameter']:<16} {s['prior']:<38} n={s['n']:<4} "
            f"quantiles {s['q_min']:.3f}-{s['q_max']:.3f}, outside the HDR: {s['outside']} "
            f"({s['below']} below, {s['above']} above)"
        )
    inside = inside_by_dataset(rows)
    print(f"datasets with every truth inside both tools' HDR: {sum(inside.values())}/{len(inside)}")


def _cell(row: dict[str, object]) -> str:
    """Truth and quantile, '!' when the truth is outside the prior's highest-density region."""
    return f"{row['truth']:>9.3g} q{row['quantile']:.4f}" + (" " if row["inside_hdr"] else "!")
