"""Calibration of the MMM: lift tests, ROI priors and MTA shares enter the model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mmm.analysis.posterior import roi_draws
from mmm.analysis.summary import summary_dict
from mmm.errors import ConfigError
from mmm.experiments.records import write_records
from mmm.model.build import build_model
from mmm.model.config import load_config, parse_config
from mmm.model.data import dataset_from_frame
from mmm.model.fit import fit, load_lift_records
from mmm.model.simulate import simulate, simulation_config, true_lift_record

from .conftest import write_config


def test_roi_priors_replace_channel_priors_and_unknown_names_get_a_hint(small_sim):
    raw = simulation_config(small_sim, "d.csv")
    raw["calibration"] = {"roi_priors": {"search": {"median": 1.2, "sigma": 0.2}}}
    config = parse_config(raw)
    assert config.channels[1].prior.roi.median == 1.2
    assert config.channels[0].prior.roi.median == "auto"
    raw["calibration"] = {"roi_priors": {"serach": {"median": 1.2, "sigma": 0.2}}}
    with pytest.raises(ConfigError, match="'serach'; did you mean 'search'?"):
        parse_config(raw)


def test_model_gets_a_lift_likelihood_and_an_mta_potential(small_sim, tmp_path):
    record = true_lift_record(small_sim, "search", 20)
    write_records([record], tmp_path / "lift.csv")
    raw = simulation_config(small_sim, "data.csv")
    raw["calibration"] = {
        "lift_tests": "lift.csv",
        "mta": {"shares": {"search": 2, "social": 1}, "weight": 10},
    }
    small_sim.write(tmp_path / "data.csv")
    config = load_config(write_config(tmp_path / "c.yaml", raw))
    assert config.calibration.mta.shares == pytest.approx({"search": 2 / 3, "social": 1 / 3})
    records = load_lift_records(config)
    model, _ = build_model(config, dataset_from_frame(small_sim.frame, config), records)
    assert "lift_test" in model.named_vars
    assert [p.name for p in model.potentials] == ["mta_prior"]


def test_lift_window_outside_the_data_is_refused(small_sim):
    record = true_lift_record(small_sim, "search", 10)
    late = type(record)(**{**record.__dict__, "start": record.start.replace(year=2030),
                           "end": record.end.replace(year=2030)})  # fmt: skip
    config = parse_config(simulation_config(small_sim, "d.csv"))
    with pytest.raises(ConfigError, match="holds no period of the data"):
        build_model(config, dataset_from_frame(small_sim.frame, config), [late])


@pytest.mark.slow
def test_lift_test_narrows_a_poorly_identified_roi_and_covers_the_truth(seed, capsys):
    """Two channels with highly correlated spend; a go-dark lift test on one of them.

    A go-dark test measures the channel's whole effect at its spend level, which is what ROI
    averages; a small scale-up test measures the margin instead and narrows ROI much less.
    """
    sim = simulate(seed=seed, weeks=156, n_channels=3, spend_correlation=0.95)
    channel = "search"
    truth = sim.truth["channels"][channel]["roi"]
    config = parse_config(simulation_config(sim, "unused.csv", seed=seed))
    dataset = dataset_from_frame(sim.frame, config)
    lift = true_lift_record(sim, channel, first_week=100, n_weeks=6, change=-1.0, seed=seed)

    widths, covered = {}, {}
    for label, records in (("without", []), ("with", [lift])):
        fitted = fit(config, dataset, records, progress=False)
        m = config.channel_names.index(channel)
        lo, hi = np.quantile(roi_draws(fitted)[:, m], [0.05, 0.95])
        widths[label], covered[label] = hi - lo, lo <= truth <= hi
        if records:
            implied = summary_dict(fitted)["calibration"]["lift_tests"][0]["implied"]
    with capsys.disabled():
        print(
            f"\n[calibration] true ROI {truth:.3f}; 90% width without lift test "
            f"{widths['without']:.3f}, with {widths['with']:.3f}; "
            f"lift observed {lift.delta_y:.0f}, implied {json.dumps(implied)}"
        )
    assert covered["with"], widths
    assert widths["with"] < widths["without"]
