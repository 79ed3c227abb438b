"""Model comparison: PSIS-LOO of models fitted on the same data, side by side.

Each model's pointwise log likelihood (one value per geo and period and posterior draw) is
computed from its posterior with the model's own likelihood (Normal or Student-t around mu, in
KPI units), and ArviZ's PSIS-LOO estimates the expected log predictive density of a left-out
period (``elpd``) with its standard error. Models are ranked by elpd; a difference smaller than
:data:`NOISE_SE` standard errors of the difference is within noise.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy import stats

from mmm.analysis.posterior import geo_predicted_mean
from mmm.errors import MmmError
from mmm.model.fit import FittedModel
from mmm.model.inputs import build_design

#: An elpd difference within this many standard errors of the difference is noise.
NOISE_SE = 2.0


def pointwise_log_likelihood(fitted: FittedModel) -> np.ndarray:
    """Log likelihood of every observed KPI value per draw, shape (chains, draws, G * T)."""
    posterior = fitted.posterior
    n_chains, n_draws = posterior.sizes["chain"], posterior.sizes["draw"]
    design = build_design(fitted.config, fitted.dataset, fitted.scales)
    sigma = fitted.geo_draws("sigma") * fitted.scales.geo_target  # (S, G)
    out = []
    for geo in range(fitted.dataset.n_geos):
        mu = geo_predicted_mean(fitted, geo, design)  # (S, T)
        actual = fitted.dataset.geo_target[geo][None, :]
        scale = sigma[:, geo, None]
        if fitted.config.likelihood == "student_t":
            nu = fitted.draws("nu")[:, None]
            out.append(stats.t.logpdf(actual, nu, loc=mu, scale=scale))
        else:
            out.append(stats.norm.logpdf(actual, loc=mu, scale=scale))
    return np.concatenate(out, axis=1).reshape(n_chains, n_draws, -1)


@dataclass(frozen=True)
class LooResult:
    """PSIS-LOO of one model.

    Attributes
    ----------
    elpd : float
        Expected log pointwise predictive density of a left-out observation, summed.
    se : float
        Its standard error.
    p_loo : float
        Effective number of parameters.
    n_observations : int
    bad_pareto_k : int
        Observations whose Pareto k exceeds ArviZ's threshold for this many draws (their
        estimate is unreliable).
    pointwise : ndarray
        Each observation's elpd (for the paired difference between models).
    """

    elpd: float
    se: float
    p_loo: float
    n_observations: int
    bad_pareto_k: int
    pointwise: np.ndarray

    def to_dict(self) -> dict:
        """JSON-ready form (without the pointwise values)."""
        return {
            "elpd": round(self.elpd, 2),
            "se": round(self.se, 2),
            "p_loo": round(self.p_loo, 2),
            "n_observations": self.n_observations,
            "bad_pareto_k": self.bad_pareto_k,
        }


def loo(fitted: FittedModel) -> LooResult:
    """PSIS-LOO of ``fitted`` (ArviZ) from its pointwise log likelihood."""
    import arviz as az

    log_lik = pointwise_log_likelihood(fitted)
    dims = ("chain", "draw", "observation")
    tree = xr.DataTree.from_dict(
        {
            "posterior": fitted.posterior,
            "log_likelihood": xr.Dataset({"y": (dims, log_lik)}),
        }
    )
    with warnings.catch_warnings():  # high Pareto k: counted in bad_pareto_k and reported
        warnings.simplefilter("ignore", UserWarning)
        result = az.loo(tree, pointwise=True, var_name="y")
    pointwise = np.asarray(result.elpd_i).reshape(-1)
    pareto_k = np.asarray(result.pareto_k).reshape(-1)
    return LooResult(
        elpd=float(result.elpd),
        se=float(result.se),
        p_loo=float(result.p),
        n_observations=int(pointwise.size),
        bad_pareto_k=int((pareto_k > result.good_k).sum()),
        pointwise=pointwise,
    )


def check_same_data(models: Sequence[FittedModel], names: Sequence[str]) -> None:
    """Raise unless every model was fitted on the same KPI over the same periods and geos."""
    first = models[0].dataset
    for model, name in zip(models[1:], names[1:], strict=True):
        data = model.dataset
        same = (
            data.geos == first.geos
            and data.dates.equals(first.dates)
            and np.array_equal(data.geo_target, first.geo_target)
        )
        if not same:
            raise MmmError(
                f"{name} was fitted on other data than {names[0]} (periods, geos or KPI differ); "
                "LOO compares models of the same data only",
                key="models",
            )


def compare_models(models: Sequence[FittedModel], names: Sequence[str]) -> dict:
    """LOO, holdout-free ranking and ROI of each model, and a plain-language verdict.

    Parameters
    ----------
    models : sequence of FittedModel
        At least two, fitted on the same data.
    names : sequence of str
        A label per model (its folder, say).

    Returns
    -------
    dict
        ``models``: per name ``loo`` (:meth:`LooResult.to_dict`), ``elpd_diff`` and
        ``diff_se`` against the best model, ``rank``; ``best``; ``verdict`` (a sentence);
        ``warnings``.
    """
    if len(models) < 2:
        raise MmmError("compare needs at least two models", key="models")
    check_same_data(models, names)
    results = {name: loo(model) for model, name in zip(models, names, strict=True)}
    order = sorted(results, key=lambda n: results[n].elpd, reverse=True)
    best = results[order[0]]
    out: dict = {"models": {}, "best": order[0], "warnings": []}
    for rank, name in enumerate(order, start=1):
        diff = best.pointwise - results[name].pointwise
        diff_se = float(np.sqrt(diff.size * diff.var())) if rank > 1 else 0.0
        out["models"][name] = {
            "rank": rank,
            "loo": results[name].to_dict(),
            "elpd_diff": round(float(diff.sum()), 2),
            "diff_se": round(diff_se, 2),
        }
        if results[name].bad_pareto_k:
            out["warnings"].append(
                f"{name}: {results[name].bad_pareto_k} of {results[name].n_observations} "
                "observations have a high Pareto k; its LOO estimate is unreliable "
                "(influential periods; a holdout or `mmm cv` is the safer comparison)"
            )
    out["verdict"] = verdict(order, out["models"])
    return out


def verdict(order: Sequence[str], rows: dict) -> str:
    """One sentence: which model predicts left-out periods best, and by how much."""
    best, second = order[0], order[1]
    diff, se = rows[second]["elpd_diff"], rows[second]["diff_se"]
    if diff <= NOISE_SE * se:
        return (
            f"{best} and {second} predict left-out periods equally well: the difference in "
            f"expected log predictive density ({diff:.1f}) is within {NOISE_SE:g} standard "
            f"errors ({se:.1f}); prefer the simpler model or decide on other grounds"
        )
    return (
        f"{best} predicts left-out periods best: {diff:.1f} higher expected log predictive "
        f"density than {second}, {diff / se:.1f} standard errors of the difference"
        if se > 0
        else f"{best} predicts left-out periods best ({diff:.1f} higher elpd than {second})"
    )
