"""Shared fixtures: one seed for every random draw in the suite."""

from __future__ import annotations

import os

import numpy as np
import pytest

SEED = 20261123

# The suite's `mmm fit` runs must not leave detached compiles behind (mmm.model.warm); the test
# of the background compile turns it on for the processes it starts.
os.environ["MMM_BACKGROUND_COMPILE"] = "0"


@pytest.fixture
def seed() -> int:
    """The suite's single seed."""
    return SEED


@pytest.fixture
def rng(seed: int) -> np.random.Generator:
    """A fresh generator from the suite's seed."""
    return np.random.default_rng(seed)


def _check_unwrapped(text: str, rows: dict[str, list[str]], width: int = 80) -> None:
    """Assert that printed tables wrap no row at ``width`` columns.

    No line is longer than ``width``; no line is the continuation of a wrapped one (the tables
    start their lines at column 0, so a continuation starts blank); and every cell of ``rows``
    (row label -> expected cells) appears whole on a line whose first cell is that label.
    """
    lines = text.splitlines()
    assert max(map(len, lines)) <= width, max(lines, key=len)
    wrapped = [line for line in lines if line[:1].isspace() and line.strip()]
    assert not wrapped, wrapped
    for label, cells in rows.items():
        own = [line for line in lines if line.split("\u2502")[0].strip() == label]
        assert own, f"no line for row {label!r}"
        for cell in cells:
            assert any(cell in line for line in own), f"{cell!r} not on a line of row {label!r}"


@pytest.fixture
def check_unwrapped():
    """:func:`_check_unwrapped`: rendered tables keep every row on one line."""
    return _check_unwrapped


@pytest.fixture(scope="session")
def panel_model_folder(tmp_path_factory: pytest.TempPathFactory):
    """A small geo panel (5 geos x 52 weeks x 3 channels, tv bought nationally), really
    sampled once per session (2 x 150 draws) and saved; returns the model folder.

    Tests that change the folder work on a copy (``shutil.copytree``).
    """
    import yaml

    from mmm.model.config import load_config
    from mmm.model.data import load_dataset
    from mmm.model.fit import fit
    from mmm.model.simulate_panel import panel_config, simulate_panel
    from mmm.model.store import save_model

    root = tmp_path_factory.mktemp("panel-model")
    sim = simulate_panel(seed=11, geos=5, weeks=52, n_channels=3, national=("tv",))
    sim.write(root / "panel.csv")
    config = panel_config(sim, "panel.csv", name="panel", draws=150, tune=150, chains=2)
    (root / "panel.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    config = load_config(root / "panel.yaml")
    fitted = fit(config, load_dataset(config), progress=False)
    return save_model(fitted, root / "models" / "panel")
