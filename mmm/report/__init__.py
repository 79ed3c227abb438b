"""The HTML report: ``mmm report MODEL_DIR`` (see docs/report.md).

:func:`render_report` turns a fitted model into one self-contained HTML page;
:func:`write_report` loads a model folder and writes the page (and optionally a PDF).
"""

from __future__ import annotations

from mmm.report.html import ReportResult, render_report, write_report

__all__ = ["ReportResult", "render_report", "write_report"]
