"""Fixtures for the report tests: one small fitted model folder shared by the whole folder.

The model is really sampled (52 weeks, 3 channels, 2 x 100 draws), so the report sees genuine
posterior draws, diagnostics and a saved-and-loaded model folder. Its ``summary.json`` gets a
hand-made calibration block (two lift tests, one of which disagrees with the posterior) and a
holdout block, as the fit writes them for calibrated models with a holdout.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

LIFT_TESTS = [
    {
        "channel": "tv",
        "start": "2023-03-05",
        "end": "2023-04-02",
        "x": 40000.0,
        "delta_x": 20000.0,
        "delta_y": 30000.0,
        "sigma": 8000.0,
        "implied": {"mean": 27000.0, "lo": 18000.0, "hi": 36000.0},
    },
    {
        "channel": "search",
        "start": "2023-06-04",
        "end": "2023-07-02",
        "x": 30000.0,
        "delta_x": -30000.0,
        "delta_y": -90000.0,
        "sigma": 5000.0,
        "implied": {"mean": -12000.0, "lo": -20000.0, "hi": -5000.0},
    },
]
HOLDOUT = {"r2": 0.42, "mape": 0.061, "periods": 8, "coverage_90": 0.875, "crps": 1234.5}

SCENARIOS = {
    "horizon": 8,
    "draws": 100,
    "reference": "current",
    "scenarios": [
        {"name": "current", "allocation": "current"},
        {"name": "tv_up", "allocation": {"tv": "1.5x"}},
        {"name": "optimized", "optimize": {"objective": "mean"}},
    ],
}


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fitted, saved model folder with calibration and holdout blocks in its summary."""
    from mmm.analysis.summary import summary_dict
    from mmm.model.config import parse_config
    from mmm.model.data import load_dataset
    from mmm.model.fit import fit
    from mmm.model.simulate import simulate, simulation_config
    from mmm.model.store import save_model

    root = tmp_path_factory.mktemp("report-model")
    sim = simulate(seed=11, weeks=52, n_channels=3)
    data_path, _ = sim.write(root / "small.csv")
    config = parse_config(
        simulation_config(sim, str(data_path), name="small", draws=100, tune=100, chains=2)
    )
    fitted = fit(config, load_dataset(config), progress=False)
    summary = summary_dict(fitted)
    summary["calibration"] = {"lift_tests": LIFT_TESTS}
    summary["fit"]["holdout"] = HOLDOUT
    return save_model(fitted, root / "models" / "small", summary)


@pytest.fixture(scope="session")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small scenario YAML: the current plan, a fixed shift and an optimizer run."""
    path = tmp_path_factory.mktemp("report-scenarios") / "scenarios.yaml"
    path.write_text(yaml.safe_dump(SCENARIOS, sort_keys=False))
    return path


@pytest.fixture(scope="session")
def report_file(model_dir: Path, scenario_file: Path, tmp_path_factory) -> Path:
    """The full report (scenarios, calibration, holdout), written once through the CLI."""
    from typer.testing import CliRunner

    from mmm.cli import app

    out = tmp_path_factory.mktemp("report-html") / "report.html"
    result = CliRunner().invoke(
        app, ["report", str(model_dir), "--scenarios", str(scenario_file), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def summary(model_dir: Path) -> dict:
    """The model folder's summary.json."""
    return json.loads((model_dir / "summary.json").read_text())


def simulated_events(n_journeys: int, seed: int) -> pd.DataFrame:
    """An event log of ``n_journeys`` journeys over five channels (one user each, touches one
    hour to three days apart); journeys through 'search' convert more often."""
    rng = np.random.default_rng(seed)
    channels = np.array(["display", "email", "search", "social", "video"])
    lengths = rng.integers(1, 6, n_journeys)
    user = np.repeat(np.arange(n_journeys), lengths)
    channel = rng.choice(len(channels), len(user), p=[0.3, 0.15, 0.2, 0.25, 0.1])
    gap_hours = rng.integers(1, 72, len(user))
    start = np.repeat(np.cumsum(lengths) - lengths, lengths)
    step = np.arange(len(user)) - start
    hours = np.cumsum(gap_hours) - np.repeat(np.cumsum(gap_hours)[start[step == 0]], lengths)
    last = np.r_[user[1:] != user[:-1], True]
    has_search = np.bincount(user, weights=channel == 2, minlength=n_journeys) > 0
    converts = rng.random(n_journeys) < np.where(has_search, 0.3, 0.08)
    conversion = last & converts[user]
    return pd.DataFrame(
        {
            "user_id": [f"u{u}" for u in user],
            "timestamp": pd.Timestamp("2025-03-01") + pd.to_timedelta(hours + step, unit="h"),
            "channel": channels[channel],
            "conversion": conversion,
            "value": np.where(conversion, rng.gamma(2.0, 50.0, len(user)), 0.0),
        }
    )


@pytest.fixture(scope="session")
def crm_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated CRM export of 3,000 leads with accounts and first/last touch columns."""
    from mmm.leads.simulate import simulate_crm

    raw, _ = simulate_crm(np.random.default_rng(17), 3_000)
    path = tmp_path_factory.mktemp("funnel-crm") / "crm.csv"
    raw.to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def funnel_report_file(crm_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The funnel report of :func:`crm_file` by channel, written through the CLI."""
    from typer.testing import CliRunner

    from mmm.cli import app

    out = tmp_path_factory.mktemp("funnel-html") / "funnel.html"
    args = ["funnel", str(crm_file), "--by", "channel", "--report", str(out), "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def events_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An event log of 3,000 simulated journeys (Parquet)."""
    path = tmp_path_factory.mktemp("attribution-events") / "events.parquet"
    simulated_events(3_000, seed=5).to_parquet(path)
    return path


@pytest.fixture(scope="session")
def attribution_report_file(events_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The attribution report of :func:`events_file` (Markov order 2), through the CLI."""
    from typer.testing import CliRunner

    from mmm.cli import app

    out = tmp_path_factory.mktemp("attribution-html") / "attribution.html"
    args = ["attribute", str(events_file), "--order", "2", "--report", str(out), "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out
