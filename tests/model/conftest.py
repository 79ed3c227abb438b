"""Fixtures for the model tests: small simulated data and configs, one saved model folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from mmm.model.simulate import Simulation, simulate, simulation_config


def write_config(path: Path, config: dict) -> Path:
    """Write a config mapping as YAML."""
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@pytest.fixture
def small_sim(seed: int) -> Simulation:
    """52 weeks, 3 channels: quick to validate and to fit."""
    return simulate(seed=seed, weeks=52, n_channels=3)


@pytest.fixture
def small_files(tmp_path: Path, small_sim: Simulation) -> tuple[Path, Path]:
    """(config path, data path) for ``small_sim``; the config refers to the data relatively."""
    data_path, _ = small_sim.write(tmp_path / "data" / "small.csv")
    config = simulation_config(small_sim, "../data/small.csv", name="small")
    (tmp_path / "configs").mkdir()
    return write_config(tmp_path / "configs" / "small.yaml", config), data_path


@dataclass(frozen=True)
class SavedModel:
    """A config on disk and the model folder fitted from it."""

    config: Path
    folder: Path


@pytest.fixture(scope="session")
def saved_model(tmp_path_factory: pytest.TempPathFactory) -> SavedModel:
    """A small model, really sampled once per session (2 x 100 draws) and saved.

    Tests that change or overwrite the folder work on a copy (``shutil.copytree``).
    """
    from mmm.model.config import load_config
    from mmm.model.data import load_dataset
    from mmm.model.fit import fit
    from mmm.model.store import save_model

    root = tmp_path_factory.mktemp("saved-model")
    sim = simulate(seed=7, weeks=52, n_channels=3)
    sim.write(root / "small.csv")
    config_path = write_config(
        root / "small.yaml",
        simulation_config(sim, "small.csv", name="small", draws=100, tune=100, chains=2),
    )
    config = load_config(config_path)
    fitted = fit(config, load_dataset(config), progress=False)
    return SavedModel(config_path, save_model(fitted, root / "models" / "small"))
