"""Terminal tables at 80 columns: every row on one line, the key numbers present."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console
from typer.testing import CliRunner

from mmm.cli import app
from mmm.cli.layout import Column, StackedTable
from mmm.cli.plan_tables import plan_table, scenario_table
from mmm.cli.summary import summary_table
from mmm.cli.tables import channel_summary_table, format_interval, format_number, format_share

runner = CliRunner()
#: The example model's channels, and five names of 20 characters.
EXAMPLE = ["tv", "search", "social", "display", "radio"]
LONG = [f"{name}_campaign_spend"[:20].ljust(20, "x") for name in EXAMPLE]


def render(renderable, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None, legacy_windows=False)
    console.print(renderable)
    return console.file.getvalue()


def stat(mean: float, spread: float = 0.4) -> dict[str, float]:
    return {"mean": mean, "lo": mean * (1 - spread), "hi": mean * (1 + 1.5 * spread)}


def channel_rows(names: list[str], scale: float) -> dict[str, dict]:
    """Summary rows with money up to ``scale`` (1e12: a trillion) and ROI around 1."""
    return {
        name: {
            "spend": scale * (0.987 - 0.1 * i),
            "contribution": stat(scale * (0.876 - 0.1 * i)),
            "roi": stat(0.987 + 0.01 * i),
            "mroi": stat(0.123456 + 0.01 * i, 0.9),
            "share_of_media": stat(0.2 + 0.01 * i),
            "share_of_kpi": stat(0.05 + 0.001 * i),
        }
        for i, name in enumerate(names)
    }


def expected_cells(rows: dict[str, dict], keys: tuple[str, ...]) -> dict[str, list[str]]:
    formats = {
        "spend": format_number,
        "contribution": format_interval,
        "roi": format_interval,
        "mroi": format_interval,
        "share_of_media": format_share,
        "share_of_kpi": format_share,
    }
    return {name: [formats[k](row[k]) for k in keys] for name, row in rows.items()}


def test_numbers_and_intervals_are_compact():
    assert [format_number(v) for v in (0, 0.1234, 999.4, 999.6, 45_600, 999_600, 2.47e6)] == [
        "0", "0.123", "999", "1k", "45.6k", "1M", "2.47M",
    ]  # fmt: skip
    assert [format_number(v) for v in (1.234e9, 1e12, 9.99e14, -3.2e12)] == [
        "1.23B", "1T", "999T", "-3.2T",
    ]  # fmt: skip
    assert format_interval({"mean": 2.47e6, "lo": 1.46e6, "hi": 3.56e6}) == "2.47M (1.46–3.56M)"
    assert format_interval({"mean": 802e3, "lo": 225e3, "hi": 1.41e6}) == "802k (225k–1.41M)"
    # No shared suffix across a sign change: -12k-30k would read as -12-30k.
    uplift = {"mean": 4e3, "lo": -12e3, "hi": 30e3}
    assert format_interval(uplift, signed=True) == "+4k (-12k–30k)"
    assert format_interval({"mean": None, "lo": None, "hi": None}) == "n/a"
    assert format_share(stat(0.2)) == "20.0% (12.0–32.0%)"


@pytest.mark.parametrize("names", [EXAMPLE, LONG], ids=["example", "long-names"])
@pytest.mark.parametrize("scale", [1e6, 1e12], ids=["millions", "trillions"])
def test_channel_table_at_80_columns(check_unwrapped, names, scale):
    rows = channel_rows(names, scale)
    text = render(channel_summary_table({"interval": 0.9, "channels": rows}), 80)
    check_unwrapped(text, expected_cells(rows, ("spend", "contribution", "roi", "mroi")))
    assert "posterior mean and central 90% interval" in " ".join(text.split())


def test_channel_table_is_one_table_when_wide(check_unwrapped):
    rows = channel_rows(LONG, 1e12)
    text = render(channel_summary_table({"interval": 0.9, "channels": rows}), 120)
    check_unwrapped(text, expected_cells(rows, ("spend", "contribution", "roi", "mroi")), 120)
    (header,) = [line for line in text.splitlines() if line.startswith("channel")]
    assert all(name in header for name in ("spend", "contribution", "ROI", "mROI"))


@pytest.mark.parametrize("names", [EXAMPLE, LONG], ids=["example", "long-names"])
def test_summary_table_stacks_at_80_and_not_at_160(check_unwrapped, names):
    rows = channel_rows(names, 1e12)
    summary = {
        "model": "example",
        "interval": 0.8,
        "period": {"start": "2022-01-02", "end": "2024-12-22"},
        "channels": rows,
    }
    keys = ("spend", "contribution", "roi", "mroi", "share_of_media", "share_of_kpi")
    narrow = render(summary_table(summary), 80)
    check_unwrapped(narrow, expected_cells(rows, keys))
    assert "(continued)" in narrow and "central 80% interval" in " ".join(narrow.split())
    wide = render(summary_table(summary), 160)
    check_unwrapped(wide, expected_cells(rows, keys), 160)
    assert "(continued)" not in wide


def test_stacked_table_keeps_column_order_and_cuts_rather_than_wraps():
    table = StackedTable(
        title="t",
        key=Column("k", ["row"], justify="left"),
        columns=[Column(f"c{i}", ["x" * 30]) for i in range(3)],
    )
    assert [[c.header for c in g] for g in table.groups(80)] == [["c0", "c1"], ["c2"]]
    assert [[c.header for c in g] for g in table.groups(200)] == [["c0", "c1", "c2"]]
    tiny = render(table, 20).splitlines()
    assert max(map(len, tiny)) <= 20 and any("…" in line for line in tiny)


def plan_summary_dict(names: list[str], scale: float) -> dict:
    """A plan summary as :func:`mmm.planning.plans.plan_summary` writes it."""
    channels = {}
    for i, name in enumerate(names):
        current = scale * (0.9 - 0.15 * i)
        optimal = current * (1.45 if i % 2 else 0.55)
        channels[name] = {
            "current": current,
            "reference": 1.1 * current,
            "optimal": optimal,
            "change": optimal - 1.1 * current,
            "change_pct": optimal / (1.1 * current) - 1,
            "lower": None,
            "upper": None,
            "status": ["interior", "at upper bound", "fixed", "at lower bound", "interior"][i],
            "contribution": stat(0.8 * optimal),
            "roi": stat(0.8 + 0.01 * i),
            "mroi": stat(0.0456 + 0.01 * i, 0.9),
        }
    spend = sum(c["optimal"] for c in channels.values())
    return {
        "objective": "mean_minus_std:1",
        "budget": spend,
        "horizon": 13,
        "pattern": "flat",
        "draws": 1000,
        "interval": 0.9,
        "reference": "current mix scaled to the budget",
        "channels": channels,
        "totals": {
            "current_spend": sum(c["current"] for c in channels.values()),
            "reference_spend": sum(c["reference"] for c in channels.values()),
            "spend": spend,
            "kpi": stat(0.8 * spend),
            "reference_kpi": stat(0.7 * spend),
            "uplift": {"mean": 0.1 * spend, "lo": -0.05 * spend, "hi": 0.2 * spend},
            "uplift_pct": 0.14,
            "p_better": 0.83,
            "roi": stat(0.8),
        },
        "solver": {},
        "warnings": [
            {
                "channel": names[1],
                "side": "above",
                "planned": 1.0,
                "observed": 0.31,
                "ratio": 3.2258,
                "message": f"{names[1]}: 3.23x the highest weekly spend",
            },
        ],  # fmt: skip
    }


@pytest.mark.parametrize("names", [EXAMPLE, LONG], ids=["example", "long-names"])
@pytest.mark.parametrize("scale", [1e6, 1e12], ids=["millions", "trillions"])
def test_plan_table_at_80_columns(check_unwrapped, names, scale):
    summary = plan_summary_dict(names, scale)
    text = render(plan_table(summary), 80)
    rows = {
        name: [
            format_number(row["current"]),
            format_number(row["reference"]),
            format_number(row["optimal"]),
            f"({100 * row['change_pct']:+.0f}%)",
            format_interval(row["contribution"]),
            format_interval(row["roi"]),
            format_interval(row["mroi"]),
        ]
        for name, row in summary["channels"].items()
    }
    rows[names[1]] += ["at max", "3.2x max"]
    rows[names[2]] += ["fixed"]
    rows["total"] = [format_number(summary["totals"]["spend"])]
    rows["total"] += [format_interval(summary["totals"][k]) for k in ("kpi", "roi")]
    check_unwrapped(text, rows)


def test_plan_table_wide_is_one_table(check_unwrapped):
    summary = plan_summary_dict(EXAMPLE, 1e6)
    text = render(plan_table(summary), 160)
    assert "(continued)" not in text
    (header,) = [line for line in text.splitlines() if line.startswith("channel")]
    for name in ("current", "at budget", "plan", "change", "vs data", "contribution", "mROI"):
        assert name in header


@pytest.mark.parametrize("names", [EXAMPLE, LONG], ids=["example", "long-names"])
def test_scenario_table_at_80_columns(check_unwrapped, names):
    def scenario(name: str, factor: float, objective: str) -> dict:
        spend = {c: 1e12 * factor * (1 - 0.1 * i) for i, c in enumerate(names)}
        total = sum(spend.values())
        return {
            "name": name,
            "objective": objective,
            "spend": spend,
            "total_spend": total,
            "kpi": stat(0.9 * total),
            "roi": stat(0.9),
            "uplift": {"mean": 0.05 * total, "lo": -0.02 * total, "hi": 0.12 * total},
            "p_beats_reference": 0.77,
            "warnings": [{"channel": names[0], "message": "x"}] if factor > 1 else [],
        }

    result = {
        "horizon": 13,
        "pattern": "flat",
        "draws": 1000,
        "interval": 0.9,
        "reference": "current",
        "channels": names,
        "scenarios": [
            scenario("current", 1.0, "fixed allocation"),
            scenario("tv_up_display_down", 1.25, "fixed allocation"),
            scenario("optimized", 1.0, "max_kpi_roi_floor:1.5"),
            scenario("risk_averse", 1.0, "cvar:0.1"),
        ],
    }
    text = render(scenario_table(result), 80)
    scenarios = result["scenarios"]
    rows = {c: [format_number(s["spend"][c]) for s in scenarios] for c in names}
    rows[names[0]][1] += "!"
    rows["KPI"] = [format_interval(s["kpi"]) for s in scenarios]
    rows["uplift"] = [format_interval(s["uplift"], signed=True) for s in scenarios]
    rows["objective"] = [s["objective"] for s in scenarios]
    check_unwrapped(text, rows)


# -- the commands, through the CLI at 80 columns ----------------------------------------------


def invoke(*args, columns: int = 80):
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.output


def test_mmm_summary_at_80_columns(quick_model_dir, check_unwrapped):
    data = json.loads(invoke("summary", quick_model_dir, "--json"))
    keys = ("spend", "contribution", "roi", "mroi", "share_of_media", "share_of_kpi")
    check_unwrapped(invoke("summary", quick_model_dir), expected_cells(data["channels"], keys))


def test_mmm_optimize_at_80_columns(quick_model_dir, check_unwrapped):
    args = ["optimize", quick_model_dir, "--budget", "9e5", "--fixed", "social", "--draws", "40"]
    data = json.loads(invoke(*args, "--json"))
    rows = {
        name: [format_number(r["optimal"]), format_interval(r["contribution"])]
        + [format_interval(r["roi"]), format_interval(r["mroi"])]
        for name, r in data["channels"].items()
    }
    rows["total"] = [format_number(data["totals"]["spend"]), format_interval(data["totals"]["kpi"])]
    check_unwrapped(invoke(*args), rows)


def test_mmm_optimize_scenarios_at_80_columns(quick_model_dir, check_unwrapped, tmp_path):
    path = tmp_path / "scenarios.yaml"
    path.write_text(
        "draws: 40\nscenarios:\n  - {name: current, allocation: current}\n"
        "  - {name: tv_up, allocation: {tv: 1.5x}}\n  - {name: best, optimize: {objective: mean}}\n"
    )
    data = json.loads(invoke("optimize", quick_model_dir, "--scenarios", path, "--json"))
    scenarios = data["scenarios"]
    rows = {c: [format_number(s["spend"][c]) for s in scenarios] for c in data["channels"]}
    rows["KPI"] = [format_interval(s["kpi"]) for s in scenarios]
    rows["ROI"] = [format_interval(s["roi"]) for s in scenarios]
    check_unwrapped(invoke("optimize", quick_model_dir, "--scenarios", path), rows)
