"""``mmm report MODEL_DIR``: one self-contained HTML report (optionally a PDF)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mmm.cli._common import console, user_errors


@user_errors
def report_command(
    model: Annotated[
        Path, typer.Argument(metavar="MODEL_DIR", help="Model folder written by `mmm fit`.")
    ],
    scenarios: Annotated[
        Path | None,
        typer.Option(help="Scenario file (as `mmm optimize --scenarios` reads) for section 9."),
    ] = None,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="HTML file to write."),
    ] = Path("report.html"),
    pdf: Annotated[
        bool,
        typer.Option("--pdf/--no-pdf", help="Also print a PDF beside it (needs Chromium)."),
    ] = False,
) -> None:
    """Write a self-contained HTML report for MODEL_DIR (figures inlined; opens offline)."""
    from mmm.report import write_report

    result = write_report(model, output, scenarios=scenarios, pdf=pdf)
    console.print(f"Wrote [bold]{result.html}[/] ({result.html.stat().st_size / 1e6:.1f} MB)")
    if result.pdf is not None:
        console.print(f"Wrote [bold]{result.pdf}[/]")
    console.print(f"[dim]report generated in {result.seconds:.1f} s[/]")
