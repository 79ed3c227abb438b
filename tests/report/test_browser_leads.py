"""Open the funnel and attribution reports in headless Chromium, as the MMM report is opened in
:mod:`tests.report.test_browser`: no console error, every section and figure shown, nothing
fetched from the network, no horizontal scrolling. Skipped without Chromium (failed under CI).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mmm.report import attribution_report, funnel_report

from .test_browser import (  # noqa: F401 (fixtures)
    browser_path,
    check_page,
    driver,
    full_page_screenshot,
)
from .test_report import PNG

pytestmark = pytest.mark.slow


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
