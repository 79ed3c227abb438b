"""Fixtures for the model tests: a small simulated dataset and its config on disk."""

from __future__ import annotations

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
