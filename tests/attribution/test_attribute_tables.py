"""``mmm attribute`` tables in an 80-column terminal, and ``--report``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mmm.attribution import MODEL_NAMES, attribute, read_paths
from mmm.cli import app
from mmm.cli.attribute_tables import share

runner = CliRunner()
PATHS = """path,conversions,nulls,value
paid_social_prospecting > organic_search > email_newsletter,40,300,4000
organic_search > email_newsletter,25,200,2600
paid_social_prospecting,10,400,900
display_retargeting > organic_search,18,120,1500
email_newsletter,12,80,1100
display_retargeting > paid_social_prospecting > email_newsletter,9,60,700
"""


@pytest.fixture
def paths_csv(tmp_path: Path) -> Path:
    path = tmp_path / "paths.csv"
    path.write_text(PATHS)
    return path


def _run(*args: str, columns: int = 80) -> str:
    result = runner.invoke(app, ["attribute", *args], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_all_models_at_80_columns(paths_csv: Path, check_unwrapped):
    text = _run(str(paths_csv), "-m", "all")
    data = read_paths(paths_csv)
    rows: dict[str, list[str]] = {}
    for name in MODEL_NAMES:
        for r in attribute(data, name).table.itertuples():
            rows.setdefault(r.channel, []).append(share(r.share))
    check_unwrapped(text, rows)
    assert "\u2026" not in text
    assert "range: lowest to highest share" in text
    assert "time_decay" not in text  # each model's own table only with --wide


def test_wide_prints_each_models_table(paths_csv: Path, check_unwrapped):
    text = _run(str(paths_csv), "-m", "all", "--wide")
    markov = attribute(read_paths(paths_csv), "markov")
    effects = markov.removal_effects.set_index("channel")["removal_effect"]
    rows = {c: [share(effects[c])] for c in effects.index}
    check_unwrapped(text, rows)
    for name in MODEL_NAMES:
        assert name in text


def test_report_option(paths_csv: Path, tmp_path: Path):
    out = tmp_path / "attribution.html"
    text = _run(str(paths_csv), "-m", "linear", "--report", str(out))
    page = out.read_text(encoding="utf-8")
    assert "Markov (order 1)" in page and "Shapley" in page  # every model, not only linear
    assert "Time to conversion needs an event log" in page
    assert f"Wrote {out}" in text.replace("\n", "")


def test_report_with_json_keeps_the_json_as_without(paths_csv: Path, tmp_path: Path):
    out = tmp_path / "attribution.html"
    plain = json.loads(_run(str(paths_csv), "--json"))
    with_report = json.loads(_run(str(paths_csv), "--json", "--report", str(out)))
    assert with_report.pop("report") == str(out) and out.exists()
    assert with_report == plain  # no transition matrix unless --transitions asks for it
