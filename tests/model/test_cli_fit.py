"""`mmm fit` / `mmm simulate` through typer's CliRunner, saving and loading models."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import mmm
from mmm.analysis.summary import summary_dict
from mmm.cli import app
from mmm.model.store import FILES

runner = CliRunner()
QUICK = ["--draws", "150", "--tune", "150", "--no-progress"]


def digest(folder: Path) -> dict[str, str]:
    return {f: hashlib.sha256((folder / f).read_bytes()).hexdigest() for f in FILES}


@pytest.fixture(scope="module")
def fitted_dir(tmp_path_factory) -> tuple[Path, Path]:
    """Fit the small example once for the module: (config path, model folder)."""
    from mmm.model.simulate import simulate, simulation_config

    from .conftest import write_config

    root = tmp_path_factory.mktemp("fit")
    sim = simulate(seed=7, weeks=52, n_channels=3)
    sim.write(root / "small.csv")
    config_path = write_config(root / "small.yaml", simulation_config(sim, "small.csv", "small"))
    out = root / "models" / "small"
    args = ["fit", str(config_path), "--output", str(out), *QUICK]
    result = runner.invoke(app, args, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    (root / "fit-output.txt").write_text(result.output)  # for the table test below
    return config_path, out


def test_fit_writes_model_folder_and_prints_roi_table(fitted_dir):
    _, out = fitted_dir
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    assert not list(out.parent.glob(".small.*")), "staging folders must be cleaned up"


def test_fit_prints_the_channel_table_unwrapped_at_80_columns(fitted_dir, check_unwrapped):
    from mmm.cli.tables import format_interval, format_number

    _, out = fitted_dir
    printed = (out.parents[1] / "fit-output.txt").read_text()
    table = printed[printed.index("Channels") : printed.index("R-hat")]
    channels = json.loads((out / "summary.json").read_text())["channels"]
    check_unwrapped(
        table,
        {
            name: [format_number(row["spend"])]
            + [format_interval(row[key]) for key in ("contribution", "roi", "mroi")]
            for name, row in channels.items()
        },
    )


def test_summary_json_has_the_documented_shape(fitted_dir):
    summary = json.loads((fitted_dir[1] / "summary.json").read_text())
    assert summary["interval"] == 0.9
    assert {"rhat_max", "ess_bulk_min", "divergences"} <= set(summary["diagnostics"])
    assert list(summary["channels"]) == ["tv", "search", "social"]
    spend = pd.read_csv(fitted_dir[1] / "data.csv")["tv"].sum()
    tv = summary["channels"]["tv"]
    assert tv["spend"] == pytest.approx(spend)
    for key in ("contribution", "roi", "mroi"):
        assert tv[key]["lo"] <= tv[key]["mean"] <= tv[key]["hi"]
    assert tv["roi"]["mean"] == pytest.approx(tv["contribution"]["mean"] / tv["spend"])


def test_load_gives_the_model_back_without_refitting(fitted_dir):
    model = mmm.load(fitted_dir[1])
    saved = json.loads((fitted_dir[1] / "summary.json").read_text())
    again = summary_dict(model)
    for channel, row in saved["channels"].items():
        assert again["channels"][channel]["roi"]["mean"] == pytest.approx(row["roi"]["mean"])
    assert model.draws("beta").shape == (2 * 150, 3)


def test_failed_refit_leaves_the_earlier_model_untouched(fitted_dir, tmp_path):
    config_path, out = fitted_dir
    before = digest(out)
    bad_data = tmp_path / "small.csv"
    frame = pd.read_csv(config_path.parent / "small.csv")
    frame.loc[5, "tv"] = -1.0
    frame.to_csv(bad_data, index=False)
    bad_config = tmp_path / "small.yaml"
    bad_config.write_text(config_path.read_text())
    result = runner.invoke(app, ["fit", str(bad_config), "--output", str(out), *QUICK])
    assert result.exit_code == 2
    assert "'tv', row 7: negative spend -1" in result.output
    assert "Traceback" not in result.output
    assert digest(out) == before


def test_interrupted_fit_saves_nothing(fitted_dir, monkeypatch):
    config_path, out = fitted_dir
    before = digest(out)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("mmm.validation.holdout.fit", interrupted)
    result = runner.invoke(app, ["fit", str(config_path), "--output", str(out), *QUICK])
    assert result.exit_code == 130
    assert f"interrupted; {out} unchanged" in result.output
    assert digest(out) == before


def test_error_while_saving_keeps_the_earlier_model(fitted_dir, monkeypatch):
    from mmm.model.store import save_model

    _, out = fitted_dir
    before = digest(out)
    model = mmm.load(out)

    def broken_write(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("mmm.model.store.write_tree", broken_write)
    with pytest.raises(OSError, match="disk full"):
        save_model(model, out)
    assert digest(out) == before
    assert not list(out.parent.glob(".small.*"))


def test_missing_config_is_one_clear_error():
    result = runner.invoke(app, ["fit", "no/such.yaml"])
    assert result.exit_code == 2
    assert "no/such.yaml: config file not found" in result.output
    assert "Traceback" not in result.output


def test_load_of_a_missing_folder_says_how_to_make_one(tmp_path):
    with pytest.raises(mmm.errors.MmmError, match="model folder not found"):
        mmm.load(tmp_path / "nothing")


def test_simulate_writes_data_and_consistent_truth(tmp_path):
    out = tmp_path / "sim.csv"
    result = runner.invoke(app, ["simulate", "-o", str(out), "--weeks", "30", "--channels", "4"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    truth = json.loads((tmp_path / "sim.truth.json").read_text())
    assert len(frame) == 30
    assert list(truth["channels"]) == ["tv", "search", "social", "display"]
    for name, channel in truth["channels"].items():
        assert channel["spend"] == pytest.approx(frame[name].sum(), rel=1e-6)
        assert channel["roi"] == pytest.approx(channel["contribution"] / channel["spend"])
        assert 0 < channel["mroi"] < channel["roi"]  # concave response: margin below average


def test_simulation_is_reproducible(seed):
    from mmm.model.simulate import simulate

    a, b = simulate(seed=seed, weeks=20), simulate(seed=seed, weeks=20)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert not np.allclose(simulate(seed=seed + 1, weeks=20).frame["sales"], a.frame["sales"])


def test_saturation_ceiling_caps_lam_per_unit_of_max_spend_and_changes_nothing_else(seed):
    from mmm.model.simulate import simulate

    plain = simulate(seed=seed, weeks=104, n_channels=8)
    capped = simulate(seed=seed, weeks=104, n_channels=8, saturation_ceiling=4.0)
    spend = capped.frame[capped.channels]

    def largest_lam_per_max_spend(sim) -> float:
        truth = sim.truth["channels"]
        return max(
            truth[c]["saturation"]["lam"] * spend[c].max() / truth[c]["spend_scale"]
            for c in sim.channels
        )

    assert largest_lam_per_max_spend(capped) <= 4.0 + 1e-6
    # Without the cap some channel's lam would exceed it: the cap did something.
    assert largest_lam_per_max_spend(plain) > 4.0
    pd.testing.assert_frame_equal(plain.frame[plain.channels], spend)
    assert capped.truth["saturation_ceiling"] == 4.0
    assert plain.truth["saturation_ceiling"] is None


@pytest.mark.parametrize("kind", ["data folder", "file"])
def test_fit_refuses_to_save_over_something_that_is_not_a_model(fitted_dir, tmp_path, kind):
    config_path, _ = fitted_dir
    target = tmp_path / "mydata"
    if kind == "file":
        target.write_text("precious\n")
    else:
        target.mkdir()
        (target / "sales.csv").write_text("precious\n")

    def files() -> dict[str, bytes]:
        return {
            str(p.relative_to(tmp_path)): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()
        }

    before = files()
    result = runner.invoke(app, ["fit", str(config_path), "--output", str(target), *QUICK])
    assert result.exit_code == 2, result.output
    assert "is not" in result.output and "choose another --output" in result.output
    assert "sampling" not in result.output  # refused before any work
    assert files() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mydata"]


def test_save_model_refuses_a_file_target_and_keeps_it(fitted_dir, tmp_path):
    from mmm.model.store import save_model

    _, out = fitted_dir
    target = tmp_path / "notes.txt"
    target.write_text("precious\n")
    with pytest.raises(mmm.errors.MmmError, match="exists and is not a folder"):
        save_model(mmm.load(out), target)
    assert target.read_text() == "precious\n"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_help_keeps_its_bracketed_defaults():
    result = runner.invoke(app, ["fit", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Model folder to write [default: models/<name>;" in " ".join(result.output.split())
