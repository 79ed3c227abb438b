"""Find headless Chromium and print a report to PDF with it (``mmm report --pdf``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from mmm.errors import MmmError

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
        The PDF to write (replaced only when printing succeeds).
    browser : str, optional
        The browser executable; :func:`find_browser` when omitted.

    Returns
    -------
    Path
        The PDF.

    Raises
    ------
    MmmError
        When no browser is found or printing fails.
    """
    browser = browser or find_browser()
    if browser is None:
        raise MmmError(
            "--pdf needs Chromium (Debian: apt-get install chromium; or set MMM_CHROMIUM to a "
            "Chrome/Chromium executable)"
        )
    html, pdf = Path(html).resolve(), Path(pdf).resolve()
    with tempfile.TemporaryDirectory(prefix="mmm-chromium-") as profile:
        partial = pdf.with_name(f".{pdf.name}.partial")
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
            partial.unlink(missing_ok=True)
            raise MmmError(f"Chromium did not finish printing within {PDF_TIMEOUT_S} s") from None
        if done.returncode != 0 or not partial.is_file() or partial.stat().st_size == 0:
            partial.unlink(missing_ok=True)
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise MmmError(f"Chromium could not print the PDF: {' '.join(tail)}", source=str(html))
        os.replace(partial, pdf)
    return pdf
