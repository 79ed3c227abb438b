"""The report's Geos section (panel models) and the shrinkage analysis behind its last figure."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from mmm.analysis.shrinkage import Shrinkage, mean_transform_params, own_roi, shrinkage
from mmm.analysis.summary import geo_table
from mmm.cli import app
from mmm.model.inputs import build_design
from mmm.model.store import load_model
from mmm.model.transforms import lag_matrix
from mmm.report.fmt import number, percent
from mmm.report.geo_section import HEATMAP_GEOS, heatmap_svg, roi_rows
from mmm.report.html import SECTIONS
from mmm.report.page import environment

from .test_report import Page, section_text


class Table(HTMLParser):
    """The rows of one ``<table id=...>``: each a list of cell texts (th and td)."""

    def __init__(self, text: str, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.rows, self.cell = table_id, False, [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join(self.cell.split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


class Titles(HTMLParser):
    """The ``<title>`` text of every ``<rect>`` in the page's heat map."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.in_rect, self.in_title, self.titles = False, False, []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.in_rect = self.in_rect or tag == "rect"
        if tag == "title" and self.in_rect:
            self.in_title = True
            self.titles.append("")

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        elif tag == "rect":
            self.in_rect = False

    def handle_data(self, data):
        if self.in_title:
            self.titles[-1] += data


def expected_cell(mean: float, lo: float, hi: float) -> str:
    return "no spend" if np.isnan(mean) else f"{number(mean)} ({number(lo)}\u2013{number(hi)})"


@pytest.fixture(scope="module")
def panel_report(panel_model_folder: Path, tmp_path_factory) -> str:
    """The panel model's report, written through ``mmm report``."""
    out = tmp_path_factory.mktemp("panel-report") / "panel.html"
    result = CliRunner().invoke(app, ["report", str(panel_model_folder), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def panel(panel_model_folder: Path):
    return load_model(panel_model_folder)


# --------------------------------------------------------------------------------------------
# The section in a real report
# --------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_panel_report_has_the_geo_section_last_and_stays_self_contained(panel_report: str):
    parsed = Page(panel_report)
    order = [sid for sid, _ in SECTIONS] + ["geos"]
    assert [i for i in parsed.ids if i in order] == order
    assert '<a href="#geos">11. Geos</a>' in panel_report
    assert {"fig-geo-heatmap", "fig-geo-fit", "fig-geo-shrinkage", "table-geo-roi"} <= set(
        parsed.ids
    )
    assert "script" not in parsed.tags and "link" not in parsed.tags
    assert all(url.startswith(("data:", "#")) for url in parsed.urls), parsed.urls
    assert "url(" not in panel_report and not re.search(r"https?://", panel_report)


@pytest.mark.slow
def test_national_report_has_no_geo_section(report_file: Path):
    page = report_file.read_text(encoding="utf-8")
    assert 'id="geos"' not in page and "#geos" not in page and "<svg" not in page


@pytest.mark.slow
def test_roi_table_holds_every_geo_and_channel_from_geo_table(panel_report: str, panel):
    table = geo_table(panel)
    rows = Table(panel_report, "table-geo-roi").rows
    header, body = rows[0], rows[1:]
    channels = list(panel.config.channel_names)
    assert header[2:] == channels
    kpi = panel.dataset.geo_target.sum(axis=1)
    largest_first = [panel.dataset.geos[g] for g in np.argsort(-kpi)]
    assert [row[0] for row in body] == largest_first
    for row in body:
        assert len(row) == 2 + len(channels)
        for channel, text in zip(channels, row[2:], strict=True):
            mean, lo, hi = table["roi"].sel(geo=row[0], channel=channel).to_numpy()
            assert text == expected_cell(mean, lo, hi)


@pytest.mark.slow
def test_heatmap_titles_carry_each_interval(panel_report: str, panel):
    table = geo_table(panel)
    svg = re.search(r'<svg class="heatmap".*?</svg>', panel_report, re.S).group(0)
    titles = Titles(svg).titles
    assert len(titles) == panel.dataset.n_geos * len(panel.config.channel_names)
    pct = round(100 * panel.config.interval)
    for geo in panel.dataset.geos:
        for channel in panel.config.channel_names:
            mean, lo, hi = table["roi"].sel(geo=geo, channel=channel).to_numpy()
            want = f"{geo}, {channel}: ROI {number(mean)} ({pct}% interval {number(lo)} to "
            assert want + f"{number(hi)})" in titles
    assert "left out" not in section_text(panel_report, "geos")  # 5 geos: all drawn


@pytest.mark.slow
def test_geo_section_states_fit_splits_and_notes(panel_report: str, panel):
    from mmm.analysis.posterior import geo_fit_quality

    text = section_text(panel_report, "geos")
    quality = geo_fit_quality(panel)
    fit = {row[0]: row for row in Table(panel_report, "table-geo-fit").rows[1:]}
    for g, geo in enumerate(panel.dataset.geos):
        assert fit[geo][3] == f"{quality['r2'][g]:.3f}"
        assert fit[geo][4] == percent(quality["mape"][g])
    split = panel.dataset.splits["tv"]
    assert "<strong>tv</strong> is bought nationally" in text and "by population" in text
    biggest = int(np.argmax(split.shares))
    assert f"largest shares: {panel.dataset.geos[biggest]} {percent(split.shares[biggest])}" in text
    shares = {row[0]: row[1] for row in Table(panel_report, "table-geo-splits").rows[1:]}
    assert shares == {
        geo: percent(share, 2) for geo, share in zip(panel.dataset.geos, split.shares, strict=True)
    }
    assert "Reading the data left no notes." in text


# --------------------------------------------------------------------------------------------
# Many geos: the heat map keeps the largest, the table keeps them all (no fit needed)
# --------------------------------------------------------------------------------------------
def synthetic_table(rng: np.random.Generator, n_geos: int, channels: list[str]) -> xr.Dataset:
    """A geo_table-shaped dataset; the first channel has no spend in every tenth geo."""
    mean = rng.lognormal(0.0, 0.5, (n_geos, len(channels)))
    roi = np.stack([mean, 0.7 * mean, 1.4 * mean], axis=-1)
    spend = rng.uniform(1e3, 1e5, (n_geos, len(channels)))
    spend[::10, 0] = 0.0
    roi[::10, 0] = np.nan
    return xr.Dataset(
        {"roi": (("geo", "channel", "stat"), roi), "spend": (("geo", "channel"), spend)},
        coords={
            "geo": [f"region {g:03d}" for g in range(n_geos)],
            "channel": channels,
            "stat": ["mean", "lo", "hi"],
        },  # fmt: skip
    )


def test_heatmap_keeps_the_largest_geos_and_counts_the_rest(rng):
    channels = ["tv", "search", "social & display"]
    table = synthetic_table(rng, 200, channels)
    kpi = rng.uniform(1e4, 1e6, 200)
    rows = roi_rows(table, kpi)
    assert [r["geo"] for r in rows] == [f"region {g:03d}" for g in np.argsort(-kpi)]
    heat = heatmap_svg(rows, channels, 0.9)
    assert (heat["shown"], heat["left_out"], heat["total"]) == (HEATMAP_GEOS, 175, 200)
    svg = str(heat["svg"])
    titles = Titles(svg).titles
    assert len(titles) == HEATMAP_GEOS * len(channels)
    drawn = {t.split(",")[0] for t in titles}
    assert drawn == {r["geo"] for r in rows[:HEATMAP_GEOS]}
    assert "social &amp; display" in svg and "social & display" not in svg  # escaped
    no_spend = [r["geo"] for r in rows[:HEATMAP_GEOS] if r["cells"][0]["no_spend"]]
    assert no_spend and all(f"{geo}, tv: no spend" in titles for geo in no_spend)
    # The colour scale spans the drawn cells only.
    drawn_means = [c["mean"] for r in rows[:HEATMAP_GEOS] for c in r["cells"] if not c["no_spend"]]
    assert (heat["lo"], heat["hi"]) == (min(drawn_means), max(drawn_means))


def test_many_geos_note_and_folded_table(rng):
    channels = ["tv", "search"]
    table = synthetic_table(rng, 200, channels)
    rows = roi_rows(table, rng.uniform(1e4, 1e6, 200))
    figure = {"id": "x", "uri": "data:,", "alt": "x", "caption": "x", "width": 1, "height": 1}
    geos = {
        "n_geos": 200, "channels": [{"name": c, "color": "#000000"} for c in channels],
        "pooling": [(c, "partial") for c in channels], "heatmap": heatmap_svg(rows, channels, 0.9),
        "roi_rows": rows, "fit_rows": [], "shrinkage": {"own": 0.5, "pooled": 0.2}, "splits": [],
        "notes": ["geo 'region 000' never spends on 'tv'"],
        "figures": {"fit": figure, "shrinkage": figure},
    }  # fmt: skip
    page = environment().get_template("_geos.html.j2").render(geos=geos, t="sales", pct=90)
    text = " ".join(page.split())
    assert "The heat map shows the 25 largest geos by sales; 175 more geos are left out" in text
    assert '<details id="geo-roi-details">' in page  # folded: 200 rows would swamp the page
    body = Table(page, "table-geo-roi").rows[1:]
    assert len(body) == 200 and all(len(row) == 2 + len(channels) for row in body)
    assert sum(row[2] == "no spend" for row in body) == 20
    assert "region 000" in text and "never spends on" in text  # the data notes


# --------------------------------------------------------------------------------------------
# Shrinkage
# --------------------------------------------------------------------------------------------
def test_distance_to_mean_is_relative_and_skips_missing_cells():
    shrunk = Shrinkage(
        geos=("a", "b"), channels=("x", "y"),
        own=np.array([[3.0, np.nan], [1.0, 10.0]]),
        pooled=np.array([[2.5, 4.0], [1.5, 6.0]]),
        channel_mean=np.array([2.0, 5.0]),
    )  # fmt: skip
    # cells (a, x), (b, x), (b, y): own |1|/2, |1|/2, |5|/5; pooled .5/2, .5/2, 1/5
    assert shrunk.distance_to_mean() == pytest.approx({"own": 2 / 3, "pooled": 0.7 / 3})


@pytest.mark.slow
def test_own_roi_recovers_an_exact_linear_kpi(panel, rng):
    """On a KPI that is exactly linear in the regressors, least squares returns the truth."""
    ds, plan = panel.dataset, panel.plan
    design = build_design(panel.config, ds, panel.scales)
    params = mean_transform_params(panel)
    coef = rng.uniform(1e4, 5e4, (ds.n_geos, len(ds.channels)))
    target, truth = np.empty_like(ds.geo_target), np.empty_like(coef)
    for g in range(ds.n_geos):
        scaled = ds.geo_spend[g] / panel.scales.geo_spend[g]
        response = plan.response(lag_matrix(scaled, plan.n_lags), params)
        season = design.fourier @ rng.normal(0, 1e3, design.fourier.shape[1])
        target[g] = 1e5 + 2e4 * design.trend + season + 3e3 * design.controls[g, :, 0]
        target[g] += response @ coef[g]
        truth[g] = coef[g] * response.sum(axis=0) / ds.geo_spend[g].sum(axis=0)
    exact = dataclasses.replace(panel, dataset=dataclasses.replace(ds, geo_target=target))
    np.testing.assert_allclose(own_roi(exact), truth, rtol=1e-6)


@pytest.mark.slow
def test_pooled_estimates_lie_closer_to_the_channel_mean_than_own_ones(panel):
    shrunk = shrinkage(panel)
    assert shrunk.own.shape == shrunk.pooled.shape == (panel.dataset.n_geos, 3)
    assert np.isfinite(shrunk.own).all() and np.isfinite(shrunk.pooled).all()
    np.testing.assert_allclose(
        shrunk.pooled, geo_table(panel)["roi"].sel(stat="mean").to_numpy(), rtol=1e-10
    )
    distance = shrunk.distance_to_mean()
    assert distance["pooled"] < 0.5 * distance["own"], distance
    # and per channel: partial pooling pulls every channel's geos together
    for m in range(3):
        own_spread = np.abs(shrunk.own[:, m] - shrunk.channel_mean[m]).mean()
        pooled_spread = np.abs(shrunk.pooled[:, m] - shrunk.channel_mean[m]).mean()
        assert pooled_spread < own_spread, (m, own_spread, pooled_spread)
