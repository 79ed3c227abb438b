"""The attribution report (``mmm attribute --report``) without a browser."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pandas as pd
import pytest

from mmm.attribution import MODEL_NAMES, attribute, read_input, read_paths
from mmm.attribution.heuristics import Attribution
from mmm.report import attribution_context as ctx
from mmm.report import attribution_findings
from mmm.report.attribution_report import FIGURES, SECTIONS
from mmm.report.fmt import percent

from .test_report import PNG, Page, section_text


def _result(model: str, shares: dict[str, float], **details) -> Attribution:
    table = pd.DataFrame(
        {
            "channel": list(shares),
            "conversions": [100 * v for v in shares.values()],
            "value": [0.0] * len(shares),
            "share": list(shares.values()),
        }
    )
    return Attribution(model=model, table=table, details=details)


def test_report_is_self_contained_with_every_section_and_figure(attribution_report_file: Path):
    page = attribution_report_file.read_text(encoding="utf-8")
    parsed = Page(page)
    ids = [sid for sid, _ in SECTIONS]
    assert [i for i in parsed.ids if i in ids] == ids
    assert {f"fig-{f}" for f in FIGURES} <= set(parsed.ids)
    assert len(parsed.images) == len(FIGURES)
    for image in parsed.images:
        assert base64.b64decode(image["src"].split(",", 1)[1])[:8] == PNG
    assert "script" not in parsed.tags and "link" not in parsed.tags
    assert all(url.startswith(("data:", "#")) for url in parsed.urls), parsed.urls
    assert not re.search(r"https?://", page)
    assert attribution_report_file.stat().st_size < 5e6


def test_every_model_side_by_side_with_the_range(attribution_report_file: Path, events_file):
    data = read_input(events_file)
    page = attribution_report_file.read_text(encoding="utf-8")
    models = section_text(page, "models")
    for label in ("first", "last non-direct", "time decay", "position", "Markov (order 2)"):
        assert f">{label}</th>" in models
    markov = attribute(data, "markov", order=2)
    for row in markov.table.itertuples():
        assert f"{row.channel}</td>" in models and f">{percent(row.share)}<" in models
    findings = section_text(page, "findings")
    assert "gets the most credit" in findings and "Markov order 2 removal effect" in findings
    assert "Order 2:" in section_text(page, "markov")
    assert "Time to conversion needs an event log" not in page


def test_comparison_range_is_the_lowest_and_highest_model():
    results = [
        _result("first_touch", {"a": 0.6, "b": 0.3, "c": 0.1}),
        _result("last_touch", {"a": 0.2, "b": 0.4, "c": 0.4}),
        _result("markov", {"a": 0.5, "b": 0.3, "c": 0.2}, order=1),
    ]
    table = ctx.model_comparison(results).set_index("channel")
    assert list(table.index) == ["a", "b", "c"]  # by mean share: 0.433, 0.333, 0.233
    assert table.loc["a", ["lo", "hi"]].tolist() == pytest.approx([0.2, 0.6])
    assert table.loc["a", "lo_model"] == "last" and table.loc["a", "hi_model"] == "first"
    assert table.loc["c", "Markov (order 1)"] == 0.2
    found = attribution_findings.disagreement(table.reset_index())
    expected = "The models disagree most on a: from 20.0% (last) to 60.0% (first) of conversions."
    assert found["headline"] == expected
    assert "opens journeys more often than it closes them" in found["detail"]


def test_path_lengths_and_top_paths_by_hand():
    data = read_paths(
        pd.DataFrame(
            {
                "path": ["a", "a > b", "a > b > c", "b"],
                "conversions": [3.0, 2.0, 1.0, 0.0],
                "nulls": [1.0, 2.0, 3.0, 4.0],
                "value": [30.0, 20.0, 10.0, 0.0],
            }
        )
    )
    lengths = ctx.path_lengths(data, cap=2)
    assert lengths["conversions"].tolist() == [3.0, 3.0]  # length 3 joins the capped bin 2
    assert lengths["nulls"].tolist() == [5.0, 5.0]
    assert lengths["rate"].tolist() == pytest.approx([3 / 8, 3 / 8])
    top = ctx.top_paths(data, limit=2)
    assert top["path"].tolist() == ["a", "a > b"]
    assert top["rate"].tolist() == pytest.approx([0.75, 0.5])
    assert ctx.time_to_conversion(data) is None  # a path table has no times


def test_time_to_conversion_from_an_event_log(tmp_path: Path):
    day = pd.Timestamp("2025-01-01")
    events = pd.DataFrame(
        {
            "user_id": ["u1", "u1", "u2", "u2", "u3"],
            "timestamp": [
                day,
                day + pd.Timedelta(days=3, hours=2),
                day,
                day + pd.Timedelta(days=10),
                day,
            ],  # fmt: skip
            "channel": ["a", "b", "a", "c", "b"],
            "conversion": [False, True, False, True, False],
            "value": [0.0, 5.0, 0.0, 7.0, 0.0],
        }
    )
    path = tmp_path / "events.csv"
    events.to_csv(path, index=False)
    ttc = ctx.time_to_conversion(read_input(path), cap_days=5).set_index("days")["journeys"]
    assert ttc[3.0] == 1 and ttc[5.0] == 1 and ttc.sum() == 2  # 10 days is capped at 5


def test_transition_grid_rows_are_probabilities(events_file):
    markov = attribute(read_input(events_file), "markov", transition_matrix=True)
    grid = ctx.transition_grid(markov.transition_matrix)
    assert grid.index[0] == "(start)" and list(grid.columns[-2:]) == ["(conversion)", "(null)"]
    assert grid.sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert grid.loc["(start)", "(conversion)"] == 0.0


def test_all_models_are_in_the_report_even_when_one_was_asked(attribution_report_file):
    page = attribution_report_file.read_text(encoding="utf-8")
    assert f"{len(MODEL_NAMES)} models" in page


@pytest.mark.parametrize(
    "table",
    [
        "path,conversions,nulls\nsearch,1,0\n",
        "path,conversions,nulls\nsearch > email,3,5\n",
        "path,conversions,nulls\nsearch > email,3,5\ndisplay,0,4\n",
    ],
    ids=["one-touch", "one-path", "two-paths"],
)
def test_a_tiny_path_table_makes_a_report(table: str, tmp_path: Path):
    from typer.testing import CliRunner

    from mmm.cli import app

    paths = tmp_path / "paths.csv"
    paths.write_text(table)
    out = tmp_path / "attribution.html"
    result = CliRunner().invoke(app, ["attribute", str(paths), "--report", str(out)])
    assert result.exit_code == 0, repr(result.exception)
    page = out.read_text(encoding="utf-8")
    ids = [sid for sid, _ in SECTIONS]
    assert [i for i in Page(page).ids if i in ids] == ids
    assert f"{len(MODEL_NAMES)} models" in page
    channels = {c.strip() for line in table.splitlines()[1:] for c in line.split(",")[0].split(">")}
    models = section_text(page, "models")
    assert all(f"{c}</td>" in models for c in channels), models
