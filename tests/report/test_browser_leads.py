"""Open the funnel and attribution reports in headless Chromium, as the MMM report is opened in
:mod:`tests.report.test_browser`: no console error, every section and figure shown, nothing
fetched from the network, no horizontal scrolling. Skipped without Chromium (failed under CI).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mmm.report import attribution_report, funnel_report

from .test_browser import browser_path, driver, full_page_screenshot  # noqa: F401 (fixtures)
from .test_report import PNG

pytestmark = pytest.mark.slow


def check_page(driver, page: Path, title: str, sections, figures) -> None:  # noqa: F811
    """The checks every report page passes in the browser."""
    driver.get(page.as_uri())
    assert driver.execute_script("return document.readyState") == "complete"
    assert driver.title.startswith(title), driver.title
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == [], errors
    for number, (section_id, _title) in enumerate(sections, start=1):
        section = driver.find_element("id", section_id)
        assert section.is_displayed(), section_id
        heading = section.find_element("tag name", "h2").text
        assert heading.startswith(str(number)) and len(heading) > 5, heading
    for figure in figures:
        image = driver.find_element("css selector", f"#fig-{figure} img")
        loaded = driver.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth", image
        )
        assert loaded and loaded > 300, f"figure {figure} did not load"
        assert image.size["width"] > 300 and image.size["height"] > 100, figure
    fetched = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert all(url.startswith("data:") for url in fetched), fetched
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    findings = driver.find_elements("css selector", "#findings ul.facts li")
    assert len(findings) >= 3 and all(f.is_displayed() for f in findings)


def test_funnel_report_renders_in_chromium(driver, funnel_report_file: Path, tmp_path):  # noqa: F811
    figures = (*funnel_report.FIGURES, "accounts", "influence")
    check_page(driver, funnel_report_file, "Lead funnel report", funnel_report.SECTIONS, figures)
    shot = full_page_screenshot(driver, tmp_path / "funnel-full.png")
    assert shot.read_bytes()[:8] == PNG


def test_attribution_report_renders_in_chromium(driver, attribution_report_file: Path, tmp_path):  # noqa: F811
    check_page(
        driver,
        attribution_report_file,
        "Attribution report",
        attribution_report.SECTIONS,
        attribution_report.FIGURES,
    )
    shot = full_page_screenshot(driver, tmp_path / "attribution-full.png")
    assert shot.read_bytes()[:8] == PNG
