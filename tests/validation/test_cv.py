"""Time-slice cross-validation: fold layout, pooled scores, ROI stability, and ``mmm cv``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from mmm.cli import app
from mmm.errors import MmmError
from mmm.model.simulate import simulate, simulation_config
from mmm.validation.cv import CvResult, FoldResult, rolling_origins
from mmm.validation.metrics import r2_mape

runner = CliRunner()


def test_rolling_origins_run_evenly_to_the_last_horizon():
    assert rolling_origins(156, 5, 13, 104) == [104, 114, 124, 133, 143]
    assert rolling_origins(100, 1, 10, 50) == [90]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((100, 3, 10, 95), r"leave 90 to train on .* fewer than --min-train 95"),
        ((100, 5, 10, 88), r"only 3 distinct folds fit"),
    ],
)
def test_rolling_origins_refuse_what_the_data_cannot_hold(args, message):
    with pytest.raises(MmmError, match=message):
        rolling_origins(*args)


def fold(end: str, roi: dict, actual, mean, crps, covered) -> FoldResult:
    n = len(actual)
    return FoldResult(
        train_periods=10, train_end=end, scores={}, roi=roi, dates=[end] * n,
        actual=np.array(actual, float), mean=np.array(mean, float), lo=np.zeros(n),
        hi=np.zeros(n), crps=np.array(crps, float), covered=np.array(covered), diagnostics={},
    )  # fmt: skip


def test_overall_scores_pool_every_held_out_period():
    result = CvResult(
        [
            fold("a", {}, [10, 20], [11, 19], [1.0, 2.0], [True, False]),
            fold("b", {}, [30], [27], [4.0], [True]),
        ],
        horizon=2,
    )
    overall = result.overall()
    expected = r2_mape(np.array([10, 20, 30.0]), np.array([11, 19, 27.0]))
    assert overall["r2"] == pytest.approx(expected["r2"], abs=1e-4)
    assert overall["mape"] == pytest.approx((0.1 + 0.05 + 0.1) / 3, abs=1e-4)
    assert overall["crps"] == pytest.approx(7 / 3, abs=1e-4)
    assert overall["coverage_90"] == pytest.approx(2 / 3, abs=1e-4)


def test_a_channel_whose_roi_leaves_another_folds_interval_is_unstable():
    steady = [{"mean": 1.0, "lo": 0.5, "hi": 1.5}, {"mean": 1.2, "lo": 0.7, "hi": 1.7}]
    moving = [{"mean": 1.0, "lo": 0.8, "hi": 1.2}, {"mean": 2.0, "lo": 1.7, "hi": 2.3}]
    folds = [
        fold(str(i), {"tv": steady[i], "radio": moving[i]}, [1], [1], [0], [True]) for i in range(2)
    ]
    assert CvResult(folds, 1).unstable_channels() == ["radio"]


@pytest.fixture(scope="module")
def cv_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("cv")
    sim = simulate(seed=9, weeks=70, n_channels=2)
    sim.write(root / "data.csv")
    raw = simulation_config(sim, "data.csv", name="cvsmall", draws=100, tune=100)
    (root / "cvsmall.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    return root


def test_cv_cli_prints_json_of_the_documented_shape_and_writes_the_page(cv_files):
    html = cv_files / "page.html"
    args = ["cv", str(cv_files / "cvsmall.yaml"), "--folds", "2", "--horizon", "6",
            "--min-train", "50", "--sequential", "--json", "--html", str(html)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    assert [f["train_periods"] for f in output["folds"]] == [50, 64]
    for entry in [*output["folds"], output["overall"]]:
        assert {"mape", "r2", "crps", "coverage_90"} <= set(entry)
        assert 0 <= entry["coverage_90"] <= 1 and entry["crps"] > 0
    roi = output["folds"][0]["roi"]
    assert list(roi) == ["tv", "search"]
    assert roi["tv"]["lo"] <= roi["tv"]["mean"] <= roi["tv"]["hi"]
    page = html.read_text()
    assert 'id="fig-forecasts"' in page and 'id="fig-roi"' in page
    assert "2 folds" in page


def test_cv_cli_table_on_a_local_cluster(cv_files):
    args = ["cv", str(cv_files / "cvsmall.yaml"), "--folds", "2", "--horizon", "6",
            "--min-train", "50", "--workers", "2", "--html", str(cv_files / "b.html")]  # fmt: skip
    result = runner.invoke(app, args, env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "fitted on Dask" in result.output
    assert "all folds" in result.output and "ROI by fold" in result.output


def test_cv_cli_names_a_scheduler_it_cannot_reach(cv_files):
    args = ["cv", str(cv_files / "cvsmall.yaml"), "--folds", "2", "--horizon", "6",
            "--scheduler", "tcp://127.0.0.1:9"]  # fmt: skip
    result = runner.invoke(app, args, env={"MMM_DASK_SCHEDULER": ""})
    assert result.exit_code == 2
    assert "could not reach the Dask scheduler at tcp://127.0.0.1:9" in result.output


def test_cv_cli_refuses_a_min_train_the_data_cannot_hold(cv_files):
    args = ["cv", str(cv_files / "cvsmall.yaml"), "--horizon", "13", "--min-train", "60"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "fewer than --min-train 60" in result.output


def test_cv_cli_takes_the_scheduler_from_the_environment(cv_files):
    args = ["cv", str(cv_files / "cvsmall.yaml"), "--folds", "2", "--horizon", "6"]
    result = runner.invoke(app, args, env={"MMM_DASK_SCHEDULER": "tcp://127.0.0.1:9"})
    assert result.exit_code == 2
    assert "could not reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
    assert "MMM_DASK_SCHEDULER" in result.output


def test_run_tasks_counts_finished_tasks_on_a_progress_bar(capsys):
    from mmm.runner import run_tasks

    assert run_tasks(divmod, [(7, 2), (9, 4)], sequential=True, label="sums") == [(3, 1), (2, 1)]
    err = capsys.readouterr().err
    assert "sums" in err and "2/2" in err
