"""The HTML report: ``mmm report MODEL_DIR`` (see docs/report.md).

:func:`render_report` turns a fitted model into one self-contained HTML page;
:func:`write_report` loads a model folder and writes the page (and optionally a PDF). The
funnel and attribution reports are :mod:`mmm.report.funnel_report` and
:mod:`mmm.report.attribution_report`.
"""

from __future__ import annotations

from mmm._lazy import lazy_exports

# Exports load on first use: the funnel and attribution reports import mmm.report.page and
# their own modules without the model stack (PyMC, ArviZ) that the MMM report needs.
_EXPORTS = {"ReportResult": "html", "render_report": "html", "write_report": "html"}

__all__ = list(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
