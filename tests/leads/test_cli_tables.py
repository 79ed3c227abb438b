"""``mmm funnel`` tables in an 80-column terminal: no cell wrapped or cut, --wide adds columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mmm.cli import app
from mmm.cli.funnel_tables import num, pct, rate_cell, short_step
from mmm.leads.accounts import account_view
from mmm.leads.funnel import funnel_report
from mmm.leads.influence import campaign_influence
from mmm.leads.schema import read_leads

EXAMPLE = Path(__file__).resolve().parents[2] / "configs" / "leads" / "example_crm.csv"
runner = CliRunner()


@pytest.fixture(scope="module")
def example():
    leads = read_leads(EXAMPLE)
    rep = funnel_report(leads, "channel")
    return leads, rep


def _run(*args: str, columns: int = 80) -> str:
    result = runner.invoke(app, ["funnel", str(EXAMPLE), *args], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.stdout


def _expected(rep) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for r in rep.conversions.itertuples():
        rows.setdefault(r.group, []).append(rate_cell(r.rate, r.lo, r.hi))
    for r in rep.sales.itertuples():
        rows[r.group] += [num(r.won_revenue), pct(r.win_rate), num(r.avg_deal)]
    return rows


def test_funnel_at_80_columns_cuts_and_wraps_nothing(example, check_unwrapped):
    _, rep = example
    text = _run("--by", "channel")
    check_unwrapped(text, _expected(rep))
    assert "\u2026" not in text, "a cell was cut with an ellipsis"
    assert "sql\u2192opp" in text and "Naive rates: --wide." in text
    assert "naive lead\u2192mql" not in text


def test_wide_adds_naive_rates_counts_and_velocity(example, check_unwrapped):
    _, rep = example
    text = _run("--by", "channel", "--wide")
    rows = _expected(rep)
    for r in rep.conversions.itertuples():
        rows[r.group].append(pct(r.naive))
    for r in rep.sales.itertuples():
        rows[r.group] += [num(r.opportunities), num(r.velocity_per_day)]
    check_unwrapped(text, rows)
    assert "naive lead\u2192mql" in text and "velocity/d" in text
    assert "\u2026" not in text


def test_account_and_influence_tables_at_80_columns(example, check_unwrapped):
    leads, rep = example
    acc = account_view(leads, as_of=rep.as_of)
    inf = campaign_influence(leads, as_of=rep.as_of)
    text = _run("--by", "channel")
    rows = {
        short_step(r.step): [num(r.entered), rate_cell(r.rate, r.lo, r.hi)]
        for r in acc.funnel.itertuples()
    }
    rows |= {
        str(r.campaign): [num(r.first_touch), num(r.last_touch), num(r.linear)]
        for r in inf.itertuples()
    }
    check_unwrapped(text, rows)


def test_report_option_writes_the_page_and_says_so(tmp_path: Path):
    out = tmp_path / "sub" / "funnel.html"
    text = _run("--by", "channel", "--report", str(out))
    assert out.exists() and out.stat().st_size > 100_000
    assert f"Wrote {out}" in text.replace("\n", "")
