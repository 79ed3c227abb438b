"""Recovery: fits on simulated data must cover the true ROIs with their 90% intervals."""

from __future__ import annotations

import numpy as np
import pytest

from mmm.analysis import roi_draws
from mmm.config import parse_config
from mmm.data import dataset_from_frame
from mmm.fit import fit
from mmm.simulate import simulate, simulation_config

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("offset", [0, 1])
def test_roi_intervals_cover_the_truth(seed, offset):
    sim = simulate(seed=seed + offset, weeks=156, n_channels=5)
    config = parse_config(
        simulation_config(sim, "unused.csv", draws=1000, tune=1000, seed=seed + offset)
    )
    fitted = fit(config, dataset_from_frame(sim.frame, config), progress=False)

    roi = roi_draws(fitted)
    lo, hi = np.quantile(roi, [0.05, 0.95], axis=0)
    truth = np.array([sim.truth["channels"][c]["roi"] for c in sim.channels])
    covered = (lo <= truth) & (truth <= hi)
    report = {c: (round(t, 2), round(a, 2), round(b, 2)) for c, t, a, b in zip(
        sim.channels, truth, lo, hi, strict=True)}  # fmt: skip
    assert covered.sum() >= 4, f"true ROI outside the 90% interval too often: {report}"
    assert fitted.diagnostics.rhat_max < 1.01, fitted.diagnostics
