"""Open the report in headless Chromium (selenium + chromedriver): it must render cleanly.

Skipped when Chromium, chromedriver or selenium is missing, except when ``CI=true``, where a
missing browser is a failure (CI runs ``scripts/setup-browser.sh``).
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mmm.report.html import SECTIONS
from mmm.report.pdf import HEADLESS_FLAGS, find_browser, print_to_pdf

from .test_report import FIGURES, PNG

pytestmark = pytest.mark.slow

DRIVERS = ("chromedriver", "/usr/lib/chromium/chromedriver", "/usr/bin/chromedriver")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}; run scripts/setup-browser.sh", pytrace=False)
    pytest.skip(reason)


def _chromedriver() -> str | None:
    for name in DRIVERS:
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def browser_path() -> str:
    """The Chromium executable (skip, or fail under CI, without one)."""
    path = find_browser()
    if path is None:
        _unavailable("Chromium is not installed (Debian package 'chromium')")
    return path


@pytest.fixture(scope="session")
def driver(browser_path: str) -> Iterator[object]:
    """A headless Chromium under selenium with a fresh profile and browser-console logging."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install 'mmm[dev]')")
    chromedriver = _chromedriver()
    if chromedriver is None:
        _unavailable("chromedriver is not installed (Debian package 'chromium-driver')")
    with tempfile.TemporaryDirectory(prefix="mmm-test-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = browser_path
        for flag in (
            *HEADLESS_FLAGS,
            f"--user-data-dir={profile}",
            "--window-size=1280,900",
            "--hide-scrollbars",
        ):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        chrome = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
        try:
            yield chrome
        finally:
            chrome.quit()


def full_page_screenshot(driver, path: Path) -> Path:
    """The whole page (not just the viewport) as PNG, through the DevTools protocol."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"],
                     "scale": 1},
        },
    )  # fmt: skip
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def check_page(driver, page: Path, title: str, sections, figures, findings: bool = True) -> None:
    """The checks every report page passes in the browser: loads without console errors,
    every numbered section and figure shown, nothing fetched, no horizontal scrolling and (with
    ``findings``) a findings list first."""
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
    if findings:
        facts = driver.find_elements("css selector", "#findings ul.facts li")
        assert len(facts) >= 3 and all(f.is_displayed() for f in facts)


def test_report_renders_in_chromium_without_errors(driver, report_file: Path, tmp_path: Path):
    check_page(
        driver, report_file, "Marketing mix report: small", SECTIONS, FIGURES, findings=False
    )
    # The warnings callout is the first thing in the summary.
    callout = driver.find_element("css selector", "#summary .callout")
    assert "warn" in callout.get_attribute("class") and callout.is_displayed()

    shot = full_page_screenshot(driver, tmp_path / "report-full.png")
    driver.save_screenshot(str(tmp_path / "report-viewport.png"))
    print(f"screenshot: {shot}")
    data = shot.read_bytes()
    assert data[:8] == PNG and len(data) > 100_000


def test_pdf_export_through_chromium(browser_path: str, report_file: Path, tmp_path: Path):
    pdf = print_to_pdf(report_file, tmp_path / "report.pdf", browser_path)
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 50_000
    assert not list(tmp_path.glob(".*.partial"))
