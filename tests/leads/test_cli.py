"""``mmm funnel`` and ``mmm ga4`` through the typer app."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from typer.testing import CliRunner

from mmm.cli import app
from mmm.leads.ga4_sim import simulate_ga4
from mmm.leads.simulate import simulate_crm

runner = CliRunner()


def _flat(text: str) -> str:
    """The error console wraps long lines (even inside a path); compare without whitespace."""
    return "".join(text.split())


def _crm(tmp_path: Path, rng: np.random.Generator, n: int = 2_000) -> Path:
    raw, _ = simulate_crm(rng, n)
    path = tmp_path / "crm.csv"
    raw.to_csv(path, index=False)
    return path


def test_funnel_tables_and_weekly(tmp_path: Path, rng: np.random.Generator) -> None:
    crm = _crm(tmp_path, rng)
    weekly = tmp_path / "weekly.csv"
    args = ["funnel", str(crm), "--by", "channel", "--weekly-out", str(weekly)]
    args += ["--week-start", "sun"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    for title in (
        "Leads reaching each stage",
        "Ranking by MQL volume",
        "Account funnel",
        "Campaign influence",
    ):
        assert title in result.stdout
    assert "kaplan-meier, horizon 180 d" in result.stdout
    w = pd.read_csv(weekly)
    expected = {"date", "mql_total", "sql_total", "won_revenue_total", "mql_paid_search"}
    assert expected <= set(w.columns)
    assert (pd.to_datetime(w["date"]).dt.day_name() == "Sunday").all()


def test_funnel_json(tmp_path: Path, rng: np.random.Generator) -> None:
    crm = _crm(tmp_path, rng)
    result = runner.invoke(
        app, ["funnel", str(crm), "--json", "--method", "mature", "--horizon", "90", "--mqa-k", "2"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["method"].startswith("mature cohorts only (>= 90 d old")
    assert out["by"] == "first_touch"
    assert out["stages"][0]["group"] == "(all)" and out["stages"][0]["lead"] == 2_000
    assert out["accounts"]["k"] == 2
    assert {r["step"] for r in out["conversions"]} >= {"lead->mql", "pipeline->won"}
    assert out["interval"] == 0.9
    assert all(r["lo"] <= r["hi"] for r in out["conversions"] if r["lo"] is not None)
    assert sum(r["linear"] for r in out["influence"]) == sum(
        r["first_touch"] for r in out["influence"]
    )


def test_funnel_mapping_and_touch_file(tmp_path: Path, small_raw: pd.DataFrame) -> None:
    crm = tmp_path / "crm.csv"
    small_raw.rename(columns={"lead_id": "Id", "won": "Closed Won Date"}).to_csv(crm, index=False)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns: {lead_id: Id}\n")
    touches = tmp_path / "touches.csv"
    touches.write_text("lead_id,timestamp,campaign\nL1,2025-01-01,webinar\nL4,2025-01-04,ebook\n")
    args = [
        "funnel",
        str(crm),
        "-m",
        str(mapping),
        "-c",
        "won=Closed Won Date",
        "--touches",
        str(touches),
    ]
    result = runner.invoke(app, [*args, "--as-of", "2025-03-31", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["stages"][0]["won"] == 2
    assert {r["campaign"]: r["linear"] for r in out["influence"]} == {
        "ebook": 3000.0,
        "webinar": 1000.0,
    }


def test_funnel_bad_input_exit_2(tmp_path: Path, small_raw: pd.DataFrame) -> None:
    raw = small_raw.copy()
    raw.loc[3, "lead_id"] = "L1"
    crm = tmp_path / "crm.csv"
    raw.to_csv(crm, index=False)
    result = runner.invoke(app, ["funnel", str(crm)])
    assert result.exit_code == 2
    assert _flat(f"{crm}, 'lead_id', row 5: duplicate lead id 'L1'") in _flat(result.output)
    assert "Traceback" not in result.output
    small_raw.to_csv(crm, index=False)
    result = runner.invoke(app, ["funnel", str(crm), "--by", "campaign"])
    assert result.exit_code == 2
    assert _flat("unknown grouping 'campaign'") in _flat(result.output)


def test_ga4_command(tmp_path: Path, rng: np.random.Generator) -> None:
    src = tmp_path / "events.parquet"
    pq.write_table(simulate_ga4(rng, 5_000), src)
    out = tmp_path / "log.parquet"
    result = runner.invoke(
        app, ["ga4", str(src), "-o", str(out), "--conversion", "purchase", "--json"]
    )
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    log = pd.read_parquet(out)
    assert stats["conversions"] == int(log["conversion"].sum()) > 0
    assert list(log.columns) == ["user_id", "timestamp", "channel", "conversion", "value"]
    result = runner.invoke(app, ["ga4", str(src), "-o", str(out)])
    assert result.exit_code == 0 and "touches" in result.stdout
    result = runner.invoke(app, ["ga4", str(tmp_path / "none.parquet"), "-o", str(out)])
    assert result.exit_code == 2 and _flat("no GA4 export file found") in _flat(result.output)


def test_funnel_minimal_columns(tmp_path: Path, small_raw: pd.DataFrame) -> None:
    """Only id and dates: no accounts, no influence, still a funnel."""
    crm = tmp_path / "crm.parquet"
    small_raw.drop(columns=["account_id", "first_touch", "deal_value"]).to_parquet(crm)
    result = runner.invoke(app, ["funnel", str(crm), "--by", "utm_source", "--json"])
    assert result.exit_code == 2 and _flat("no 'utm_source' column") in _flat(result.output)
    small_raw.drop(columns=["account_id", "deal_value"]).to_parquet(crm)
    result = runner.invoke(app, ["funnel", str(crm), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert "accounts" not in out
    assert out["sales"][0]["won_revenue"] == 0


def test_example_export_runs() -> None:
    example = Path(__file__).parents[2] / "configs" / "leads" / "example_crm.csv"
    result = runner.invoke(app, ["funnel", str(example), "--by", "channel", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["stages"][0]["lead"] == 800
    assert out["accounts"]["summary"]["accounts"] > 0
