"""A damaged model folder is one clear error (file, problem, advice) for load and every command."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

import mmm
from mmm.cli import app
from mmm.errors import MmmError
from mmm.model.store import FILES, FORMAT_VERSION, read_summary

runner = CliRunner()


def truncate_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def edit_json(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def edit(path: Path) -> None:
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))

    return edit


def garble(text: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(text)


def drop_column(name: str) -> Callable[[Path], None]:
    def edit(path: Path) -> None:
        lines = [line.split(",") for line in path.read_text().splitlines()]
        at = lines[0].index(name)
        path.write_text("\n".join(",".join(r[:at] + r[at + 1 :]) for r in lines) + "\n")

    return edit


NEWER = FORMAT_VERSION + 1
REFIT = "refit the model with `mmm fit CONFIG`"
# (case id, file, how it is damaged, what the message must say)
DAMAGE = [
    ("posterior-truncated", "posterior.nc", truncate_half, "truncated or unreadable"),
    ("posterior-not-netcdf", "posterior.nc", garble("not a netcdf file"), "unreadable"),
    *((f"{name}-missing", name, Path.unlink, f"{name} is missing") for name in FILES),
    ("summary-not-json", "summary.json", garble('{"model": "small",'), "not valid JSON"),
    (
        "summary-lacks-key",
        "summary.json",
        edit_json(lambda d: d.pop("channels")),
        "lacks required keys: channels",
    ),
    ("summary-not-object", "summary.json", garble("[1, 2]"), "expected a JSON object"),
    ("meta-not-json", "meta.json", garble("{\x00}"), "not valid JSON"),
    ("meta-lacks-key", "meta.json", edit_json(lambda d: d.pop("scales")), "lacks required keys"),
    (
        "meta-newer-format",
        "meta.json",
        edit_json(lambda d: d.update(format_version=NEWER)),
        f"written by a newer mmm (format {NEWER}, this mmm reads {FORMAT_VERSION}); "
        "upgrade mmm or refit",
    ),
    (
        "meta-older-format",
        "meta.json",
        edit_json(lambda d: d.update(format_version=0)),
        f"format version 0 is not one this mmm reads ({FORMAT_VERSION})",
    ),
    (
        "config-not-yaml",
        "config.yaml",
        garble("name: [small\nchannels: {"),
        "not valid YAML (line 2, column 9)",
    ),
    (
        "config-invalid",
        "config.yaml",
        garble("name: small\n"),
        "missing required key 'data'",
    ),
    ("data-empty", "data.csv", garble(""), "cannot be read as CSV"),
    ("data-lacks-column", "data.csv", drop_column("tv"), "missing column(s) tv"),
]
IDS = [case[0] for case in DAMAGE]


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(params=DAMAGE, ids=IDS)
def damaged(request, saved_model, tmp_path) -> tuple[Path, str, str]:
    """A copy of the session's model folder with one file damaged: (folder, file, problem)."""
    _, name, damage, problem = request.param
    folder = shutil.copytree(saved_model.folder, tmp_path / "models" / "small")
    damage(folder / name)
    return folder, name, problem


def test_an_intact_copy_loads(saved_model, tmp_path):
    """Guards the cases below: each copy fails only because of its damage."""
    folder = shutil.copytree(saved_model.folder, tmp_path / "small")
    assert mmm.load(folder).draws("beta").shape == (200, 3)
    assert read_summary(folder) == json.loads((folder / "summary.json").read_text())


def test_load_names_the_file_the_problem_and_the_fix(damaged):
    folder, name, problem = damaged
    with pytest.raises(MmmError) as info:
        mmm.load(folder)
    message = str(info.value)
    assert name in message
    assert problem in message
    assert ("upgrade mmm or refit (`mmm fit CONFIG`)" in message) or message.endswith(REFIT)


@pytest.mark.parametrize(
    "command",
    [["summary"], ["optimize", "--budget", "1e5"], ["report", "-o", "{out}/report.html"]],
    ids=["summary", "optimize", "report"],
)
def test_commands_exit_2_with_one_line_and_write_nothing(damaged, command, tmp_path):
    folder, name, problem = damaged
    before = digest(tmp_path)
    args = [command[0], str(folder), *(a.format(out=tmp_path) for a in command[1:])]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ")
    assert name in lines[0]
    assert problem in lines[0]
    assert digest(tmp_path) == before


def test_read_summary_refuses_a_summary_without_channels(saved_model, tmp_path):
    folder = shutil.copytree(saved_model.folder, tmp_path / "small")
    edit_json(lambda d: d.pop("channels"))(folder / "summary.json")
    with pytest.raises(MmmError, match=r"summary\.json: lacks required keys: channels; refit"):
        read_summary(folder)


def test_read_summary_of_a_missing_folder_says_how_to_make_one(tmp_path):
    with pytest.raises(MmmError, match="model folder not found"):
        read_summary(tmp_path / "nothing")


def test_a_saved_model_folder_gets_the_usual_permissions(saved_model, tmp_path):
    from mmm.model.store import save_model

    target = save_model(mmm.load(saved_model.folder), tmp_path / "models" / "copy")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o777 & ~umask
