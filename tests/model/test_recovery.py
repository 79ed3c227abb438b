"""Recovery: fits on simulated data must cover the true ROIs with their 90% intervals.

Calibrated 90% intervals miss a true value one time in ten, so a dataset of 5 channels has at
least 4 covered only about 92% of the time even for a perfect method. The test therefore fits
six datasets (one compile, reused) and checks coverage where it is a stable property: pooled
over datasets, and the per-dataset 4-of-5 rule on all but at most one dataset. Coverage alone
cannot tell a good fit from one that says nothing (wide intervals cover everything), so the
mean ROI error and the mean interval width are bounded too, and a prior-only fit must fail.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pymc as pm
import pytest

from mmm.analysis.posterior import roi_draws
from mmm.model.config import parse_config
from mmm.model.data import dataset_from_frame
from mmm.model.fit import fit
from mmm.model.inputs import roi_prior_median
from mmm.model.simulate import simulate, simulation_config

N_DATASETS = 6
#: Bounds over the datasets' channels: mean |posterior mean ROI - truth| / truth, and mean
#: width of the 90% interval over the truth. A fit that says nothing (the ROI prior alone)
#: must fail them (test_a_prior_only_fit_fails_the_recovery_checks). Measured on the suite's
#: seed: the fits 0.24 and 1.06 (per dataset 0.11-0.45 and 0.75-1.37), the prior alone 0.40
#: and 3.69. 156 weeks of 5 channels pin each ROI only to about +-25%.
MAX_MEAN_ERROR = 0.32
MAX_MEAN_WIDTH = 2.0


@dataclass(frozen=True)
class Recovery:
    """How one set of ROI draws (S, M) compares with the true ROIs."""

    covered: np.ndarray  # (M,) bool: truth inside the central 90% interval
    error: np.ndarray  # (M,) |mean - truth| / truth
    width: np.ndarray  # (M,) (95% quantile - 5% quantile) / truth


def recovery(rois: np.ndarray, truth: np.ndarray) -> Recovery:
    """Score ROI draws against the truth."""
    lo, hi = np.quantile(rois, [0.05, 0.95], axis=0)
    return Recovery((lo <= truth) & (truth <= hi), np.abs(rois.mean(axis=0) - truth) / truth,
                    (hi - lo) / truth)  # fmt: skip


def recovery_failures(results: list[Recovery]) -> list[str]:
    """The recovery checks that ``results`` (one per dataset) fail; empty when all pass."""
    covered = np.array([r.covered for r in results])
    failures = []
    if not 0.80 <= covered.mean() <= 0.97:
        failures.append(f"pooled 90% coverage {covered.mean():.2f} outside [0.80, 0.97]")
    if (covered.sum(axis=1) >= covered.shape[1] - 1).sum() < len(results) - 1:
        failures.append(f"more than one dataset with two or more misses: {covered.astype(int)}")
    error = np.mean([r.error for r in results])
    if error > MAX_MEAN_ERROR:
        failures.append(f"mean ROI error {error:.3f} above {MAX_MEAN_ERROR}")
    width = np.mean([r.width for r in results])
    if width > MAX_MEAN_WIDTH:
        failures.append(f"mean 90% interval width {width:.2f} x truth above {MAX_MEAN_WIDTH}")
    return failures


def simulated(seed: int):
    """One simulated dataset of the test, its config and its true ROIs."""
    sim = simulate(seed=seed, weeks=156, n_channels=5)
    config = parse_config(simulation_config(sim, "unused.csv", draws=1000, tune=1000, seed=seed))
    truth = np.array([sim.truth["channels"][c]["roi"] for c in sim.channels])
    return sim, config, truth


def fit_and_score(seed: int) -> tuple[Recovery, float, int]:
    """Recovery, R-hat max and divergences for one simulated dataset."""
    sim, config, truth = simulated(seed)
    fitted = fit(config, dataset_from_frame(sim.frame, config), progress=False)
    diagnostics = fitted.diagnostics
    return recovery(roi_draws(fitted), truth), diagnostics.rhat_max, diagnostics.divergences


@pytest.mark.slow
def test_roi_intervals_cover_the_truth(seed, capsys):
    results = [fit_and_score(seed + i) for i in range(N_DATASETS)]
    with capsys.disabled():
        for i, (score, rhat, div) in enumerate(results):
            print(f"\n[recovery] seed {seed + i}: covered {score.covered.astype(int)}, "
                  f"error {score.error.mean():.3f}, width {score.width.mean():.2f}, "
                  f"R-hat {rhat:.4f}, divergences {div}", end="")  # fmt: skip
        print()
    assert all(rhat < 1.01 for _, rhat, _ in results), results
    assert sum(div for _, _, div in results) == 0, results
    assert recovery_failures([score for score, _, _ in results]) == []


def test_a_prior_only_fit_fails_the_recovery_checks(seed):
    """The checks above can fail: ROI draws from the prior alone (no data) do not pass them."""
    results = []
    for i in range(N_DATASETS):
        sim, config, truth = simulated(seed + i)
        dataset = dataset_from_frame(sim.frame, config)
        medians = [roi_prior_median(c.prior.roi, dataset) for c in config.channels]
        sigmas = [c.prior.roi.sigma for c in config.channels]
        prior = pm.LogNormal.dist(mu=np.log(medians), sigma=sigmas, shape=(2000, len(medians)))
        results.append(recovery(pm.draw(prior, random_seed=seed + i), truth))
    failures = recovery_failures(results)
    assert any("error" in failure for failure in failures), failures
    assert any("width" in failure for failure in failures), failures
