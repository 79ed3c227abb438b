"""The shared YAML reader: every failure is one line naming the file, of the caller's class."""

from __future__ import annotations

import pytest

from mmm.errors import ConfigError, MmmError
from mmm.model.config import load_config
from mmm.yaml_io import parse_yaml, read_yaml


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [1, 2\n", "not valid YAML (line 2, column 1): "),
        ("a: 1\nb: c: d\n", "not valid YAML (line 2, column 5): mapping values are not allowed"),
        (b"a: caf\xe9\n", "not valid YAML text: unreadable character at byte "),
        ("a: \x00\n", "not valid YAML text: unreadable character at character 3 "),
        ("[" * 100_000, "not valid YAML"),
    ],
    ids=["unclosed", "colon", "latin-1", "nul", "deep"],
)
def test_bad_yaml_is_one_line(text, message):
    with pytest.raises(MmmError) as info:
        parse_yaml(text, source="in.yaml")
    assert str(info.value).startswith(f"in.yaml: {message}")
    assert "\n" not in str(info.value) and "<unicode string>" not in str(info.value)
    assert ("save the file as UTF-8" in str(info.value)) == isinstance(text, bytes)


def test_read_yaml_raises_the_callers_class_naming_the_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nope.yaml: settings file not found$"):
        read_yaml(tmp_path / "nope.yaml", ConfigError, what="settings file")
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"\xff\xfe\xfd")
    with pytest.raises(ConfigError, match="bad.yaml: not valid YAML text"):
        read_yaml(path, ConfigError)
    path.write_text("name: x\nitems: [1, 2]\n")
    assert read_yaml(path) == {"name": "x", "items": [1, 2]}
    assert parse_yaml("") is None


def test_the_config_loader_uses_it(tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text("name: x\ndata: {path: example.csv\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: not valid YAML (line 3, column 1): ")
    assert "\n" not in str(info.value)
