"""Find headless Chromium and print a report to PDF with it (``mmm report --pdf``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from mmm.errors import MmmError
from mmm.report.page import atomic_output

#: Executable names tried, in order, when ``MMM_CHROMIUM`` is not set.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

#: Flags for an offline, throw-away headless browser.
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

PDF_TIMEOUT_S = 120


def find_browser() -> str | None:
    """Path of a Chromium-family browser: ``$MMM_CHROMIUM`` or the first one on PATH."""
    explicit = os.environ.get("MMM_CHROMIUM")
    if explicit:
        return shutil.which(explicit) or (explicit if Path(explicit).is_file() else None)
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def print_to_pdf(html: str | Path, pdf: str | Path, browser: str | None = None) -> Path:
    """Render an HTML file to PDF with headless Chromium's print-to-PDF.

    Parameters
    ----------
    html : str or Path
        The report file.
    pdf : str or Path
        The PDF to write (replaced only when printing succeeds; see
        :func:`mmm.report.page.atomic_output`).
    browser : str, optional
        The browser executable; :func:`find_browser` when omitted.

    Returns
    -------
    Path
        The PDF.

    Raises
    ------
    MmmError
        When no browser is found, printing fails, or ``pdf`` cannot be written (a folder, a
        device or pipe, a folder the system refuses).
    """
    browser = browser or find_browser()
    if browser is None:
        raise MmmError(
            "--pdf needs Chromium (Debian: apt-get install chromium; or set MMM_CHROMIUM to a "
            "Chrome/Chromium executable)"
        )
    html = Path(html).resolve()
    with (
        tempfile.TemporaryDirectory(prefix="mmm-chromium-") as profile,
        atomic_output(pdf) as partial,
    ):
        command = [
            browser,
            *HEADLESS_FLAGS,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={partial}",
            html.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=PDF_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise MmmError(f"Chromium did not finish printing within {PDF_TIMEOUT_S} s") from None
        if done.returncode != 0 or not partial.is_file() or partial.stat().st_size == 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise MmmError(f"Chromium could not print the PDF: {' '.join(tail)}", source=str(html))
    return Path(pdf).absolute()
