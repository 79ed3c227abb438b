"""``mmm attribute`` and ``mmm lift`` through the typer app."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from mmm.cli import app

runner = CliRunner()


@pytest.fixture
def paths_csv(tmp_path):
    path = tmp_path / "paths.csv"
    path.write_text("path,conversions,nulls,value\nC1>C2>C3,1,0,10\nC1,0,1,0\nC2>C3,0,1,0\n")
    return path


def test_attribute_json_markov_and_linear(paths_csv) -> None:
    result = runner.invoke(app, ["attribute", str(paths_csv), "-m", "markov,linear", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["conversions"] == 1.0
    markov, linear = payload["results"]
    assert [c["share"] for c in markov["channels"]] == pytest.approx([0.2, 0.4, 0.4])
    assert markov["details"]["conversion_probability"] == pytest.approx(1 / 3)
    assert [e["removal_effect"] for e in markov["removal_effects"]] == pytest.approx([0.5, 1, 1])
    assert [c["value"] for c in linear["channels"]] == pytest.approx([10 / 3] * 3)


def test_attribute_tables_with_transitions(paths_csv) -> None:
    result = runner.invoke(app, ["attribute", str(paths_csv), "--transitions"])
    assert result.exit_code == 0, result.output
    assert "removal effect" in result.stdout
    assert "(conversion)" in result.stdout


def test_attribute_event_log(tmp_path) -> None:
    t0 = pd.Timestamp("2025-01-01")
    events = pd.DataFrame(
        {
            "user_id": ["u1", "u1", "u2"],
            "timestamp": [t0, t0 + pd.Timedelta(hours=5), t0],
            "channel": ["search", "email", "display"],
            "conversion": [False, True, False],
            "value": [0.0, 42.0, 0.0],
        }
    )
    path = tmp_path / "events.parquet"
    events.to_parquet(path)
    result = runner.invoke(app, ["attribute", str(path), "-m", "first_touch", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["paths"] == 2 and payload["nulls"] == 1.0
    shares = {c["channel"]: c["value"] for c in payload["results"][0]["channels"]}
    assert shares == {"display": 0.0, "email": 0.0, "search": 42.0}


def test_attribute_user_errors(paths_csv, tmp_path) -> None:
    typo = runner.invoke(app, ["attribute", str(paths_csv), "-m", "shaply"])
    assert typo.exit_code == 2
    assert "unknown attribution model 'shaply'. Did you mean 'shapley'?" in typo.output
    order = runner.invoke(app, ["attribute", str(paths_csv), "--order", "7"])
    assert order.exit_code == 2
    assert "Markov order must be 1, 2, 3 or 4, got 7" in order.output
    bad = tmp_path / "bad.csv"
    bad.write_text("path,conversions\na>b,3\nb,-1\n")
    negative = runner.invoke(app, ["attribute", str(bad)])
    assert negative.exit_code == 2
    assert "'conversions', row 3: expected a non-negative number" in negative.output
    assert "Traceback" not in negative.output


def test_lift_holdout_writes_record(tmp_path) -> None:
    data = tmp_path / "holdout.csv"
    data.write_text("group,users,conversions\ntreatment,20000,600\ncontrol,20000,400\n")
    out = tmp_path / "lift.csv"
    args = ["lift", str(data), "--channel", "social", "--start", "2025-01-06"]
    args += ["--end", "2025-02-02", "--spend", "8000", "--records", str(out), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["method"] == "holdout"
    assert payload["incremental_conversions"]["mean"] == pytest.approx(200, abs=5)
    assert payload["interval"] == 0.9 and "prob" not in payload
    inc = payload["incremental_conversions"]
    assert set(inc) == {"mean", "lo", "hi", "sd"} and inc["lo"] < inc["mean"] < inc["hi"]
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["channel", "start", "end", "x", "delta_x", "delta_y", "sigma"]
    assert frame.loc[0, "x"] == pytest.approx(2000.0)
    assert frame.loc[0, "delta_y"] == pytest.approx(-payload["incremental_conversions"]["mean"])


def test_lift_holdout_level_is_the_interval(tmp_path) -> None:
    data = tmp_path / "holdout.csv"
    data.write_text("group,users,conversions\ntreatment,20000,600\ncontrol,20000,400\n")
    table = runner.invoke(app, ["lift", str(data), "--level", "0.5"])
    assert table.exit_code == 0, table.output
    assert "50% credible intervals" in table.stdout
    assert all(column in table.stdout for column in ("mean", "lo", "hi"))
    bad = runner.invoke(app, ["lift", str(data), "--level", "90"])
    assert bad.exit_code == 2
    assert "'level': interval probability must be between 0 and 1, got 90" in bad.output


def test_lift_holdout_bad_group(tmp_path) -> None:
    data = tmp_path / "holdout.csv"
    data.write_text("group,users,conversions\ntreatment,100,6\nholdut,100,4\n")
    result = runner.invoke(app, ["lift", str(data)])
    assert result.exit_code == 2
    assert "'group', row 3: group must be 'treatment' or 'control'" in result.output


def test_lift_geo_cli(tmp_path, rng) -> None:
    weeks = 40
    dates = pd.date_range("2024-01-01", periods=weeks, freq="W-MON")
    base = 50 + 5 * np.cos(np.arange(weeks) / 4)
    frame = pd.DataFrame({"date": dates.strftime("%Y-%m-%d")})
    for i, column in enumerate(("c1", "c2", "c3", "c4")):  # 4 controls: reuse the compiled model
        frame[column] = (1 + i / 2) * base + rng.normal(0, 1, weeks)
    frame["t"] = base + rng.normal(0, 1, weeks)
    frame.loc[32:, "t"] += 10.0
    data = tmp_path / "geo.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "lift.csv"
    args = ["lift", str(data), "--treated", "t", "--start", "2024-08-12", "--channel", "tv"]
    args += ["--x", "100", "--delta-x", "-100", "--draws", "200", "--records", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "placebo" in result.stdout
    record = pd.read_csv(out).iloc[0]
    assert record["start"] == "2024-08-12" and record["end"] == "2024-09-30"
    assert 40 < record["delta_y"] < 120  # truth 80 over 8 weeks
