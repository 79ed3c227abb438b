"""The scenario loader on hostile or broken files: one-line errors, and no file freezes it."""

from __future__ import annotations

import time

import pytest

from mmm.errors import MmmError
from mmm.planning.scenarios import MAX_SCENARIOS, load_scenarios, parse_scenarios


def entries(names: list[str]) -> str:
    return "scenarios:\n" + "".join(f"  - {{name: {n}, allocation: current}}\n" for n in names)


def test_a_file_that_is_not_utf8_is_one_line_naming_the_byte(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"scenarios:\n  - {name: caf\xff, allocation: current}\n")
    with pytest.raises(MmmError) as info:
        load_scenarios(path)
    message = str(info.value)
    assert message.startswith(f"{path}: not valid YAML text: unreadable character at byte 25 (")
    assert message.endswith("); save the file as UTF-8") and "\n" not in message


def test_bad_yaml_is_one_line_with_line_and_column(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("horizon: 13\nscenarios: [oops\n")
    with pytest.raises(MmmError) as info:
        load_scenarios(path)
    message = str(info.value)
    assert message.startswith(f"{path}: not valid YAML (line 3, column 1): ")
    assert "\n" not in message and "<unicode string>" not in message and "^" not in message


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(MmmError, match="nope.yaml: scenario file not found"):
        load_scenarios(tmp_path / "nope.yaml")


def test_more_than_the_cap_of_scenarios_is_refused_naming_scenarios():
    names = [f"s{i}" for i in range(MAX_SCENARIOS + 1)]
    with pytest.raises(MmmError) as info:
        parse_scenarios(entries(names), source="many.yaml")
    assert info.value.key == "scenarios"
    assert info.value.message == f"at most 50 scenarios can be compared at once; found {len(names)}"
    assert len(parse_scenarios(entries(names[:MAX_SCENARIOS])).scenarios) == MAX_SCENARIOS


def test_one_alias_repeated_199k_times_is_refused_at_once():
    # 995 KB: took 109 s when duplicate names were counted with list.count
    text = "s: &s {name: a, allocation: current}\nscenarios:\n" + "- *s\n" * 199_000
    start = time.perf_counter()
    with pytest.raises(MmmError) as info:
        parse_scenarios(text, source="bomb.yaml")
    assert time.perf_counter() - start < 5.0
    assert info.value.key == "scenarios" and "found 199000" in info.value.message


def test_repeated_names_are_listed_once_each():
    with pytest.raises(MmmError, match="repeated: a, b$"):
        parse_scenarios(entries(["b", "a", "c", "a", "b", "a"]))
