"""The funnel report (``mmm funnel --report``) without a browser: content, numbers, figures."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from mmm.cli import app
from mmm.leads.funnel import OVERALL, funnel_report, group_labels
from mmm.leads.schema import read_leads
from mmm.report import funnel_context, funnel_findings, palette
from mmm.report.fmt import number, percent
from mmm.report.funnel_report import FIGURES, SECTIONS, group_colors

from .test_report import PNG, Page, section_text

runner = CliRunner()


@pytest.fixture(scope="module")
def funnel(crm_file: Path):
    """The lead table, the funnel by channel and the group labels of the simulated export."""
    leads = read_leads(crm_file)
    rep = funnel_report(leads, "channel")
    return leads, rep, group_labels(leads, "channel")


def test_report_is_self_contained_with_every_section_and_figure(funnel_report_file: Path):
    page = funnel_report_file.read_text(encoding="utf-8")
    parsed = Page(page)
    ids = [sid for sid, _ in SECTIONS]
    assert [i for i in parsed.ids if i in ids] == ids, "sections missing or out of order"
    expected = {*FIGURES, "accounts", "influence"}  # the export has accounts and touches
    assert {f"fig-{f}" for f in expected} <= set(parsed.ids)
    assert len(parsed.images) == len(expected)
    for image in parsed.images:
        assert image["src"].startswith("data:image/png;base64,")
        assert base64.b64decode(image["src"].split(",", 1)[1])[:8] == PNG
    assert "script" not in parsed.tags and "link" not in parsed.tags
    assert all(url.startswith(("data:", "#")) for url in parsed.urls), parsed.urls
    assert not re.search(r"https?://", page)
    assert funnel_report_file.stat().st_size < 5e6
    # the page shell is the MMM report's: same stylesheet, header and contents bar
    assert '<nav class="toc"' in page and "header.top" in page and "Lead funnel report" in page


def test_findings_and_tables_carry_the_numbers(funnel_report_file: Path, funnel):
    _, rep, _ = funnel
    page = funnel_report_file.read_text(encoding="utf-8")
    findings = section_text(page, "findings")
    top = rep.ranking.sort_values(["mqls", "group"], ascending=[False, True]).iloc[0]
    assert f"{top['group']} brings the most MQLs ({percent(top['mql_share'])})" in findings
    assert "interval" in findings or "overlap" in findings or "ranks first in" in findings
    stages = section_text(page, "funnel")
    for row in rep.stages.itertuples():
        assert f"{row.group}</td>" in stages and f">{number(row.lead)}<" in stages
    revenue = section_text(page, "revenue")
    for row in rep.sales.itertuples():
        assert f">{number(row.won_revenue)}<" in revenue
    assert "Account view" in section_text(page, "accounts")
    assert "first touch" in section_text(page, "influence")


def test_curves_end_at_the_step_rates(funnel):
    leads, rep, labels = funnel
    groups = funnel_context.top_groups(rep.stages, 3)
    durations = funnel_context.step_durations(leads, labels, [OVERALL, *groups], rep.as_of)
    curves = funnel_context.conversion_curves(durations, 180.0, rep.prob)
    assert set(curves["group"]) == {OVERALL, *groups}
    conv = rep.conversions.set_index(["group", "step"])
    for (step, group), sub in curves.groupby(["step", "group"]):
        end = sub[sub["day"] == 180.0].iloc[0]
        assert end["rate"] == pytest.approx(conv.loc[(group, step), "rate"])
        assert (sub["lo"] <= sub["rate"] + 1e-12).all() and (sub["rate"] <= sub["hi"] + 1e-12).all()
        assert np.all(np.diff(sub["rate"].to_numpy()) >= 0), "a KM curve never goes down"


def test_velocity_medians_match_the_funnel_table(funnel):
    leads, rep, labels = funnel
    groups = [OVERALL, *funnel_context.top_groups(rep.stages, 2)]
    velocity = funnel_context.velocity_stats(
        funnel_context.step_durations(leads, labels, groups, rep.as_of)
    )
    assert set(velocity["group"]) == set(groups)
    conv = rep.conversions.set_index(["group", "step"])
    for row in velocity.itertuples():
        assert row.p50 == pytest.approx(conv.loc[(row.group, row.step), "median_days"])
        assert row.p5 <= row.p25 <= row.p50 <= row.p75 <= row.p95


def test_revenue_intervals_hold_the_estimates(funnel):
    leads, rep, labels = funnel
    groups = [str(g) for g in rep.stages["group"]]
    revenue = funnel_context.revenue_intervals(leads, labels, groups, rep.as_of, 0.9, seed=1)
    merged = revenue.merge(rep.sales, on="group")
    assert merged["per_lead"].to_numpy() == pytest.approx(merged["revenue_per_lead"].to_numpy())
    assert merged["per_mql"].to_numpy() == pytest.approx(merged["revenue_per_mql"].to_numpy())
    assert (merged["per_lead_lo"] <= merged["per_lead"]).all()
    assert (merged["per_lead"] <= merged["per_lead_hi"]).all()
    assert (merged["per_mql_lo"] < merged["per_mql_hi"]).all()
    named = revenue[revenue["group"] != OVERALL]
    assert named["p_best_per_lead"].sum() == pytest.approx(1.0)


def test_a_group_without_wins_gets_an_interval_above_zero(small_leads_with_losers):
    leads, labels = small_leads_with_losers
    out = funnel_context.revenue_intervals(
        leads, labels, [OVERALL, "a", "b"], pd.Timestamp("2025-06-30")
    )
    b = out.set_index("group").loc["b"]
    assert b["per_lead"] == 0.0 and b["per_lead_lo"] == pytest.approx(0.0, abs=1.0)
    assert b["per_lead_hi"] > 0  # no deal yet is not proof of no revenue


@pytest.fixture
def small_leads_with_losers():
    """Group 'a' wins two deals out of four leads; group 'b' wins none of three."""
    day = pd.Timestamp("2025-01-01")
    won = [day + pd.Timedelta(days=40), day + pd.Timedelta(days=50)] + [pd.NaT] * 5
    leads = pd.DataFrame(
        {
            "created": [day] * 7,
            "mql": [day + pd.Timedelta(days=5)] * 7,
            "won": pd.to_datetime(won),
            "deal_value": [1000.0, 3000.0] + [np.nan] * 5,
        }
    )
    return leads, pd.Series(["a"] * 4 + ["b"] * 3)


def test_volume_versus_revenue_wording():
    ranking = pd.DataFrame(
        {
            "group": ["Paid Social", "Search", "Email"],
            "mqls": [500, 300, 100],
            "won_revenue": [10e3, 90e3, 20e3],
            "rank_by_mqls": [1, 2, 3],
            "rank_by_revenue": [3, 1, 2],
            "mql_share": [5 / 9, 3 / 9, 1 / 9],
            "revenue_share": [1 / 12, 9 / 12, 2 / 12],
        }
    )
    revenue = pd.DataFrame(
        {
            "group": ["Paid Social", "Search", "Email"],
            "per_mql": [20.0, 300.0, 200.0],
            "per_mql_lo": [10.0, 250.0, 100.0],
            "per_mql_hi": [30.0, 350.0, 300.0],
        }
    )
    found = funnel_findings.volume_versus_revenue(ranking, revenue)
    assert found["headline"] == (
        "Paid Social brings the most MQLs (55.6%) but ranks third on won revenue (8.3%)."
    )
    assert "20 of won revenue each (10–30) against 300 (250–350) for Search" in found["detail"]
    assert found["detail"].endswith("the intervals do not overlap.")


def test_one_colour_per_source_from_the_shared_palette():
    colors = group_colors([OVERALL, "Paid Social", "Email"])
    assert colors == {OVERALL: palette.ACTUAL, **palette.channel_colors(["Paid Social", "Email"])}
    assert len(set(colors.values())) == 3
    # The MMM and attribution reports give a channel of the same name the same colour.
    assert colors["Email"] == palette.component_colors(["tv", "Email"], [])["Email"]


def test_report_to_a_folder_is_one_line_error(crm_file: Path, tmp_path: Path):
    result = runner.invoke(app, ["funnel", str(crm_file), "--report", str(tmp_path)])
    assert result.exit_code == 2
    assert "is a folder; give the report's file name" in result.output
    assert "Traceback" not in result.output


EXAMPLE_CRM = Path(__file__).resolve().parents[2] / "configs" / "leads" / "example_crm.csv"


def _tiny_report(rows: pd.DataFrame, tmp_path: Path) -> str:
    """The funnel report of ``rows`` written through the CLI, checked for every section."""
    crm = tmp_path / "crm.csv"
    rows.to_csv(crm, index=False)
    out = tmp_path / "funnel.html"
    result = runner.invoke(app, ["funnel", str(crm), "--report", str(out)])
    assert result.exit_code == 0, repr(result.exception)
    page = out.read_text(encoding="utf-8")
    ids = [sid for sid, _ in SECTIONS]
    assert [i for i in Page(page).ids if i in ids] == ids
    return page


def test_three_leads_none_converted_make_a_report(tmp_path: Path):
    rows = pd.read_csv(EXAMPLE_CRM)
    page = _tiny_report(rows[rows["mql"].isna()].head(3), tmp_path)
    velocity = section_text(page, "velocity")
    assert "Too few leads: none has moved on to a next stage yet." in velocity
    assert "fig-velocity" not in page
    # every source at 0%: no 'converts best ... and worst' finding between equal rates
    assert "converts best" not in section_text(page, "findings")


def test_twenty_leads_show_na_where_an_account_step_has_no_interval(tmp_path: Path):
    from mmm.leads.accounts import account_view

    rows = pd.read_csv(EXAMPLE_CRM).head(20)
    page = _tiny_report(rows, tmp_path)
    leads = read_leads(tmp_path / "crm.csv")
    rep = funnel_report(leads, "first_touch")
    acc = account_view(leads, as_of=rep.as_of).funnel
    assert acc["lo"].isna().any() and acc["lo"].notna().any()  # both kinds of row are checked
    cells = re.findall(r'<td class="num">([^<]*)</td>', section_text(page, "accounts"))
    rates = cells[2::4]  # entered, converted, rate, naive per step
    for rate, row in zip(rates, acc.itertuples(), strict=True):
        want = "n/a" if pd.isna(row.lo) else f"{percent(row.rate)} [{percent(row.lo)}, "
        assert rate.startswith(want), (row.step, rate)


def test_missing_values_format_as_na():
    assert number(None) == "n/a" and percent(None) == "n/a"
    assert number(float("nan")) == "n/a" and percent(float("inf")) == "n/a"
