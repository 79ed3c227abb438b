"""Writing a report page: atomic, never onto a special file, one-line errors, no partial left."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mmm.cli import app
from mmm.errors import MmmError
from mmm.report.page import write_page
from mmm.report.pdf import print_to_pdf

runner = CliRunner()
EXAMPLE_CRM = Path(__file__).resolve().parents[2] / "configs" / "leads" / "example_crm.csv"


def test_writes_the_page_and_leaves_no_partial(tmp_path: Path):
    out = write_page("<p>é</p>", tmp_path / "sub" / "r.html")
    assert out == tmp_path / "sub" / "r.html"
    assert out.read_text(encoding="utf-8") == "<p>é</p>"
    assert [p.name for p in out.parent.iterdir()] == ["r.html"]


def test_a_fifo_is_refused_and_kept(tmp_path: Path):
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    with pytest.raises(MmmError, match="is not a regular file") as err:
        write_page("<p>x</p>", fifo)
    assert str(fifo) in str(err.value)
    assert fifo.is_fifo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.html"]


def test_a_symlink_to_a_special_file_is_refused_and_kept(tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "report.html"
    link.symlink_to(fifo)
    with pytest.raises(MmmError, match="is not a regular file"):
        write_page("<p>x</p>", link)
    assert link.is_symlink() and fifo.is_fifo()


def test_a_symlink_to_a_file_writes_the_file_and_keeps_the_link(tmp_path: Path):
    real = tmp_path / "real.html"
    real.write_text("old")
    link = tmp_path / "report.html"
    link.symlink_to(real)
    write_page("new", link)
    assert link.is_symlink() and real.read_text() == "new"


def test_a_failed_write_leaves_no_partial_and_keeps_the_old_file(tmp_path: Path):
    out = tmp_path / "r.html"
    out.write_text("old report")
    with pytest.raises(UnicodeEncodeError):
        write_page("ok\udc80", out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]
    assert out.read_text() == "old report"


def test_an_unwritable_place_is_one_error_naming_the_path(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    target = blocker / "nope" / "r.html"  # a folder cannot be made under a file
    with pytest.raises(MmmError, match="cannot write the report") as err:
        write_page("<p>x</p>", target)
    assert str(target) in str(err.value)


def test_cli_report_into_a_missing_proc_folder_is_one_line_exit_2():
    target = "/proc/nope/f.html"  # /proc refuses new folders, even for root
    result = runner.invoke(app, ["funnel", str(EXAMPLE_CRM), "--report", target])
    assert result.exit_code == 2, result.output
    assert f"{target}: cannot write the report" in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_cli_report_onto_a_fifo_is_one_line_exit_2(tmp_path: Path):
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    result = runner.invoke(app, ["funnel", str(EXAMPLE_CRM), "--report", str(fifo)])
    assert result.exit_code == 2, result.output
    assert "is not a regular file" in " ".join(result.output.split())
    assert fifo.is_fifo()


def test_the_pdf_goes_through_the_same_checks(tmp_path: Path):
    html = write_page("<p>x</p>", tmp_path / "r.html")
    fifo = tmp_path / "r.pdf"
    os.mkfifo(fifo)
    with pytest.raises(MmmError, match="r.pdf: is not a regular file"):
        print_to_pdf(html, fifo, "/bin/false")
    assert fifo.is_fifo()


def test_a_failed_print_leaves_no_partial_and_keeps_the_old_pdf(tmp_path: Path):
    html = write_page("<p>x</p>", tmp_path / "r.html")
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"old")
    with pytest.raises(MmmError, match="Chromium could not print the PDF"):
        print_to_pdf(html, pdf, "/bin/false")  # a real program that exits 1 and prints nothing
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.pdf"]
    assert pdf.read_bytes() == b"old"
