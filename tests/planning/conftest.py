"""Fixtures for the planning tests.

Correctness checks run the optimizer on a simulation's *true* parameters (one "draw"). CLI,
scenario and notebook tests share one quick model folder: a real model structure (built by
``mmm.model.build.build_model`` from the simulation's config) whose "posterior" is prior draws with
the media parameters replaced by the truth times a little noise. It needs no sampling, so the
suite stays fast; fitted-model code paths (loading, analysis) are exercised unchanged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pymc as pm
import pytest
import xarray as xr

from mmm.model.build import build_model
from mmm.model.config import parse_config
from mmm.model.data import dataset_from_frame
from mmm.model.fit import Diagnostics, FittedModel
from mmm.model.simulate import Simulation, simulate, simulation_config
from mmm.model.store import save_model

QUICK_DRAWS = 100


@pytest.fixture(scope="session")
def planning_sim() -> Simulation:
    """Four channels over two years with known truth (fixed seed: the figures are stable)."""
    return simulate(seed=3, weeks=104, n_channels=4)


def spend_of(sim: Simulation) -> np.ndarray:
    """The simulation's spend matrix (T, M) in truth channel order."""
    return sim.frame[sim.channels].to_numpy(dtype=float)


def quick_fitted(sim: Simulation, data_path: Path, seed: int, draws: int = QUICK_DRAWS):
    """A FittedModel with the model's own structure and near-truth media parameters."""
    config = parse_config(simulation_config(sim, str(data_path), name="quick"))
    dataset = dataset_from_frame(sim.frame, config, source=str(data_path))
    model, scales = build_model(config, dataset)
    with model:
        names = [v.name for v in model.free_RVs + model.deterministics]
        prior = pm.sample_prior_predictive(draws=2 * draws, random_seed=seed, var_names=names)
    prior_draws = prior["prior"].to_dataset()
    posterior = xr.Dataset(
        {
            name: (var.dims, var.to_numpy().reshape(2, draws, *var.shape[2:]))
            for name, var in prior_draws.data_vars.items()
        },
        coords={k: v for k, v in prior_draws.coords.items() if k not in ("chain", "draw")},
    )
    rng = np.random.default_rng(seed)
    truth = sim.truth["channels"]
    channels = sim.channels

    def noisy(values: list[float], sd: float) -> np.ndarray:
        return np.asarray(values) * np.exp(rng.normal(0.0, sd, (2, draws, len(values))))

    media = {
        "beta": noisy([truth[c]["beta"] / scales.target for c in channels], 0.1),
        "geometric_alpha": np.clip(
            noisy([truth[c]["adstock"]["alpha"] for c in channels], 0.05), 0.01, 0.95
        ),
        "logistic_lam": noisy([truth[c]["saturation"]["lam"] for c in channels], 0.1),
    }
    for name, values in media.items():
        posterior[name] = (posterior[name].dims, values)
    idata = xr.DataTree.from_dict({"posterior": posterior})
    diagnostics = Diagnostics(rhat_max=1.0, ess_bulk_min=float(2 * draws), divergences=0)
    return FittedModel(
        config=config, dataset=dataset, idata=idata, scales=scales, diagnostics=diagnostics
    )


@pytest.fixture(scope="session")
def quick_model_dir(tmp_path_factory: pytest.TempPathFactory, planning_sim: Simulation) -> Path:
    """A saved quick model folder shared by the CLI, scenario, curve and notebook tests."""
    root = tmp_path_factory.mktemp("planning")
    data_path, _ = planning_sim.write(root / "data.csv")
    fitted = quick_fitted(planning_sim, data_path, seed=20261123)
    return save_model(fitted, root / "model")


def noisy_truth_response(
    sim: Simulation, draws: int, seed: int, horizon: int = 13, pattern: str = "flat"
):
    """A ResponseModel whose draws scatter around the truth (lognormal noise, sd 0.2 on beta)."""
    from mmm.planning.response import ResponseModel, response_from_truth

    base = response_from_truth(sim.truth, spend_of(sim), horizon, pattern)
    rng = np.random.default_rng(seed)
    n = len(sim.channels)
    params = {
        "geometric_alpha": np.clip(
            base.params["geometric_alpha"] * np.exp(rng.normal(0, 0.1, (draws, n))), 0.01, 0.95
        ),
        "logistic_lam": base.params["logistic_lam"] * np.exp(rng.normal(0, 0.2, (draws, n))),
    }
    beta = base.beta * np.exp(rng.normal(0, 0.2, (draws, n)))
    scale = np.array([sim.truth["channels"][c]["spend_scale"] for c in sim.channels])
    spend = spend_of(sim)
    return ResponseModel.from_parameters(
        base.plan, params, beta, scale, base.pattern, history=spend,
        current=base.current, pattern_kind=pattern,
    )  # fmt: skip
