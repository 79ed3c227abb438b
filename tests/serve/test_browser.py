"""The planner page in headless Chromium (selenium) against the real server on 127.0.0.1.

Moves a slider from the keyboard and sees the KPI update, runs Optimize and checks the numbers
against ``mmm optimize --json``, saves two scenarios and compares them, exports the YAML and
reads it back with ``mmm optimize --scenarios``, exports CSV, imports the YAML; no console
errors and no request leaving 127.0.0.1 (DevTools network events). With
``MMM_DOCS_SCREENSHOTS=1`` the screenshots go to docs/img/ (for docs/planner.md).

Skipped when Chromium, chromedriver or selenium is missing, except when ``CI=true``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mmm.cli import app
from mmm.report.pdf import HEADLESS_FLAGS, find_browser

DRIVERS = ("chromedriver", "/usr/lib/chromium/chromedriver", "/usr/bin/chromedriver")
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
runner = CliRunner()


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}; run scripts/setup-browser.sh", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def downloads() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="mmm-planner-downloads-") as folder:
        yield Path(folder)


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[object]:
    """Headless Chromium with console and network (performance) logs, downloads allowed."""
    path = find_browser()
    if path is None:
        _unavailable("Chromium is not installed (Debian package 'chromium')")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install 'mmm[dev]')")
    driver_path = next((shutil.which(d) for d in DRIVERS if shutil.which(d)), None)
    if driver_path is None:
        _unavailable("chromedriver is not installed (Debian package 'chromium-driver')")
    with tempfile.TemporaryDirectory(prefix="mmm-test-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = path
        for flag in (*HEADLESS_FLAGS, f"--user-data-dir={profile}", "--window-size=1366,860"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        chrome = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
        chrome.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        try:
            yield chrome
        finally:
            chrome.quit()


def wait_for(check: Callable[[], object], what: str, timeout: float = 30.0) -> object:
    """Poll ``check`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except Exception:  # noqa: BLE001 - the element may not exist yet
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def number(driver, css: str, attribute: str = "data-value") -> float:
    return float(driver.find_element("css selector", css).get_attribute(attribute))


def amounts(driver) -> dict[str, float]:
    rows = driver.find_elements("css selector", "#channels tbody tr")
    return {
        r.get_attribute("data-channel"): float(
            r.find_element("css selector", ".amount").get_attribute("value")
        )
        for r in rows
    }


def screenshot(driver, name: str, tmp_path: Path) -> Path:
    folder = DOCS_IMG if os.environ.get("MMM_DOCS_SCREENSHOTS") == "1" else tmp_path
    path = folder / name
    driver.save_screenshot(str(path))
    return path


def test_planner_page_end_to_end(browser, server, serve_models, downloads, tmp_path):
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    driver = browser
    driver.get("about:blank")
    driver.get_log("performance")  # drop the start-up tab's internal chrome:// loads
    driver.get(f"{server}/")
    first = wait_for(lambda: number(driver, "#kpi-mean"), "the first KPI")
    assert driver.title == "mmm planner"
    shown = driver.find_element("id", "kpi-interval").text
    assert shown.startswith("90% interval")
    lo, hi = number(driver, "#kpi-interval", "data-lo"), number(driver, "#kpi-interval", "data-hi")
    assert lo < first < hi
    wait_for(lambda: driver.find_elements("css selector", "#curve-tv .main-svg"), "curves")
    assert len(driver.find_elements("css selector", "#curves .curve")) == 4

    # Move the tv slider from the keyboard: the KPI and tv's contribution go up.
    before = amounts(driver)
    slider = driver.find_element("css selector", "tr[data-channel=tv] .slider")
    tv_row = "#figures tr[data-channel=tv] td:nth-child(3)"
    tv_before = number(driver, tv_row)
    slider.click()
    for _ in range(3):
        slider.send_keys(Keys.PAGE_UP)
    moved = wait_for(lambda: amounts(driver)["tv"] > before["tv"] and amounts(driver), "tv moved")
    kpi = wait_for(lambda: (v := number(driver, "#kpi-mean")) > first and v, "the KPI to update")
    assert number(driver, tv_row) > tv_before
    assert {c: v for c, v in moved.items() if c != "tv"} == {
        c: v for c, v in before.items() if c != "tv"
    }
    assert "P(better)" in driver.find_element("id", "kpi-uplift").text
    assert kpi > first

    name = driver.find_element("id", "scenario-name")
    name.send_keys("tv_up", Keys.ENTER)  # save with the keyboard

    # Optimize with a risk-averse objective: the page shows the CLI's allocation.
    budget = driver.find_element("id", "budget")
    budget.clear()
    budget.send_keys("800000")
    Select(driver.find_element("id", "objective")).select_by_value("mean_minus_std")
    driver.find_element("id", "objective-value").send_keys("1")
    driver.find_element("id", "optimize").click()
    wait_for(lambda: "converged" in driver.find_element("id", "solver").text, "the optimizer")
    cli = runner.invoke(
        app,
        ["optimize", str(serve_models[0]), "--budget", "800000", "--objective",
         "mean_minus_std:1", "--json"],
    )  # fmt: skip
    assert cli.exit_code == 0, cli.output
    expected = json.loads(cli.output)
    page = amounts(driver)
    for channel, row in expected["channels"].items():
        assert page[channel] == pytest.approx(row["optimal"], abs=0.006)  # shown to the cent
    assert number(driver, "#solver", "data-kpi") == pytest.approx(
        expected["totals"]["kpi"]["mean"], rel=1e-12
    )
    wait_for(lambda: number(driver, "#total-spend") == pytest.approx(8e5, rel=1e-6), "total")
    screenshot(driver, "planner-plan.png", tmp_path)

    name.send_keys("optimized")
    driver.find_element("id", "save-scenario").click()
    items = driver.find_elements("css selector", "#scenario-list li")
    assert [i.get_attribute("data-name") for i in items] == ["tv_up", "optimized"]

    # Compare side by side: table, pairwise probabilities, chart.
    Select(driver.find_element("id", "reference")).select_by_value("tv_up")
    driver.find_element("id", "compare").click()
    wait_for(lambda: driver.find_elements("css selector", "#comparison tbody tr"), "comparison")
    rows = driver.find_elements("css selector", "#comparison tbody tr")
    assert [r.get_attribute("data-name") for r in rows] == ["tv_up", "optimized"]
    p_opt = number(driver, "#comparison tr[data-name=optimized] td:last-child")
    cells = driver.find_elements("css selector", "#pairwise td[data-value]")
    p_pair = [float(c.get_attribute("data-value")) for c in cells]
    assert len(p_pair) == 2 and p_pair[1] == p_opt and sum(p_pair) <= 1.0
    wait_for(lambda: driver.find_elements("css selector", "#compare-chart .main-svg"), "chart")
    page_kpi = {
        r.get_attribute("data-name"): float(
            r.find_element("css selector", "td[data-value]").get_attribute("data-value")
        )
        for r in rows
    }

    # Export YAML: `mmm optimize --scenarios` reads it and gives the page's numbers.
    driver.find_element("id", "export-yaml").click()
    exported = wait_for(lambda: (downloads / "scenarios.yaml").is_file() and downloads /
                        "scenarios.yaml", "the YAML download")  # fmt: skip
    wait_for(lambda: "scenarios:" in exported.read_text(), "the YAML content")
    cli = runner.invoke(app, ["optimize", str(serve_models[0]), "--scenarios", str(exported),
                              "--json"])  # fmt: skip
    assert cli.exit_code == 0, cli.output
    read_back = json.loads(cli.output)
    assert read_back["reference"] == "tv_up"
    assert {s["name"]: s["kpi"]["mean"] for s in read_back["scenarios"]} == page_kpi

    driver.find_element("id", "export-csv").click()
    table = wait_for(lambda: (downloads / "scenarios.csv").is_file() and downloads /
                     "scenarios.csv", "the CSV download")  # fmt: skip
    wait_for(lambda: table.read_text().count("TOTAL") == 2, "the CSV content")
    driver.execute_script("document.getElementById('scenarios-panel').scrollIntoView()")
    screenshot(driver, "planner-scenarios.png", tmp_path)

    # Delete both, import the YAML back.
    for label in ("delete scenario tv_up", "delete scenario optimized"):
        driver.find_element("css selector", f"button[aria-label='{label}']").click()
    assert driver.find_elements("css selector", "#scenario-list li") == []
    driver.find_element("id", "import-yaml").send_keys(str(exported))
    wait_for(lambda: len(driver.find_elements("css selector", "#scenario-list li")) == 2,
             "the import")  # fmt: skip

    # Another model (market) from the selector.
    Select(driver.find_element("id", "model")).select_by_value("south")
    wait_for(lambda: len(driver.find_elements("css selector", "#channels tbody tr")) == 3,
             "the south model")  # fmt: skip

    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == [], errors
    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
    assert requests and any("/api/optimize" in u for u in requests)
    outside = [u for u in requests if not u.startswith((f"{server}/", "data:", "blob:"))]
    assert outside == [], outside
    for width, height in ((1366, 860), (1024, 768), (1920, 1080)):  # laptop, projectors
        driver.set_window_size(width, height)
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (width, overflow)
        cut = driver.execute_script(
            "return [...document.querySelectorAll('#plan-panel, #outcome-panel')]"
            ".filter(s => s.scrollWidth > s.clientWidth).map(s => s.id)"
        )
        assert cut == [], (width, cut)  # the plan and the outcome never scroll sideways

    # A negative amount typed in: the page names the field and marks the input (after the
    # console check: the browser logs the 400 answer as a failed resource).
    amount = driver.find_element("css selector", "#channels tbody tr .amount")
    channel = amount.get_attribute("data-field")
    amount.send_keys(Keys.CONTROL, "a")
    amount.send_keys("-5")
    box = driver.find_element("id", "error")
    wait_for(lambda: box.is_displayed() and "must be >= 0" in box.text, "the error message")
    assert box.text.startswith(f"{channel}:") and amount.get_attribute("aria-invalid") == "true"


def test_imported_names_are_text_not_markup(browser, server, tmp_path):
    driver = browser
    driver.get_log("browser")  # drop the earlier test's deliberate 400
    driver.get(f"{server}/")
    wait_for(lambda: number(driver, "#kpi-mean"), "the first KPI")
    name = "<b>bold</b> & co"
    path = tmp_path / "hand_written.yaml"
    path.write_text(
        f"scenarios:\n  - name: '{name}'\n    allocation: current\n"
        "  - name: tv_half\n    allocation: {tv: 0.5x}\n"
    )
    driver.find_element("id", "import-yaml").send_keys(str(path))
    wait_for(lambda: driver.find_elements("css selector", "#scenario-list li[data-name=tv_half]"),
             "the import")  # fmt: skip
    driver.find_element("id", "compare").click()
    wait_for(lambda: driver.find_elements("css selector", "#comparison tr[data-name=tv_half]"),
             "the comparison")  # fmt: skip
    heads = [e.text for e in driver.find_elements("css selector", "#comparison tbody th")]
    assert name in heads
    assert driver.find_elements("css selector", "#comparison b, #pairwise b") == []
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == [], errors
