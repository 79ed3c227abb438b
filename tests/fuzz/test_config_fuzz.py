"""Mutated model configs: a ConfigError (or DataError) naming the file and key, or a config."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st

from mmm.errors import ConfigError
from mmm.model.config import DISTRIBUTIONS, Config, load_config, parse_config
from mmm.model.data import load_dataset
from mmm.model.fit import load_lift_records
from mmm.model.transforms import ADSTOCKS, SATURATIONS

from .conftest import EXAMPLE_CONFIG, example_csv_text
from .mutations import any_value, mutated_bytes, mutated_tree, typo, user_error_or_result

EXAMPLE_TEXT = EXAMPLE_CONFIG.read_text()
EXAMPLE = yaml.safe_load(EXAMPLE_TEXT)
GAMMA = {"dist": "Gamma", "alpha": 2, "beta": 2}
#: The example with every optional section filled in, so mutations reach them too.
RICH = EXAMPLE | {
    "channels": [
        {"name": "tv", "adstock": {"type": "weibull", "max_lag": 6}},
        {"name": "search", "saturation": {"type": "hill", "priors": {"k": GAMMA}}},
        {"name": "social", "prior": {"beta": {"dist": "HalfNormal", "sigma": 1}}},
        {"name": "display", "column": "display", "prior": {"roi": {"median": 1.5, "sigma": 0.5}}},
        {"name": "radio"},
    ],
    "priors": {"level": {"dist": "TruncatedNormal", "mu": 1, "sigma": 0.3, "lower": 0}},
    "likelihood": "student_t",
    "interval": 0.8,
    "calibration": {
        "lift_tests": "lift.csv",
        "roi_priors": {"tv": {"median": 2.0, "sigma": 0.5}},
        "mta": {"shares": {"search": 0.6, "social": 0.4}, "weight": 10},
    },
}  # fmt: skip
LIFT_CSV = (
    "channel,start,end,x,delta_x,delta_y,sigma\ntv,2023-01-01,2023-02-26,10000,-10000,-50000,9000\n"
)


def _numbers(tree):
    if isinstance(tree, dict):
        for value in tree.values():
            yield from _numbers(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _numbers(value)
    elif isinstance(tree, float):
        yield tree


def load_all(config_bytes: bytes) -> list:
    """Write the config beside the example data, then load the config, its data and lift tests.

    A loaded config holds only finite numbers (NaN or infinity would surface as a sampler
    failure much later). Returns what each step gave (a result or its ``MmmError``), in
    order: the config, then (when it loaded) the data and any lift tests.
    """
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "configs").mkdir()
        (Path(tmp) / "data").mkdir()
        (Path(tmp) / "data" / "example.csv").write_text(example_csv_text())
        (Path(tmp) / "configs" / "lift.csv").write_text(LIFT_CSV)
        path = Path(tmp) / "configs" / "example.yaml"
        path.write_bytes(config_bytes)
        config = user_error_or_result(lambda: load_config(path), path)
        if not isinstance(config, Config):
            return [config]
        assert all(math.isfinite(x) for x in _numbers(config.model_dump())), config
        steps = [config, user_error_or_result(lambda: load_dataset(config), config.data.path)]
        if config.calibration.lift_tests is not None:
            lift = config.calibration.lift_tests
            steps.append(user_error_or_result(lambda: load_lift_records(config), lift))
        return steps


@given(tree=st.one_of(mutated_tree(EXAMPLE), mutated_tree(RICH)))
def test_mutated_keys_and_values(tree):
    load_all(yaml.safe_dump(tree, allow_unicode=True).encode())


def test_unmutated_examples_load():
    """The property tests start from configs that load (so a mutation is what breaks them)."""
    plain = load_all(yaml.safe_dump(EXAMPLE).encode())
    assert [type(step).__name__ for step in plain] == ["Config", "Dataset"], plain
    rich = load_all(yaml.safe_dump(RICH).encode())
    assert [type(step).__name__ for step in rich] == ["Config", "Dataset", "list"], rich
    assert len(rich[2]) == 1  # the one lift test of LIFT_CSV


@given(data=mutated_bytes(EXAMPLE_TEXT))
def test_broken_file_bytes(data):
    load_all(data)


@given(top=st.one_of(st.lists(any_value, max_size=3), any_value.filter(lambda v: v != {})))
def test_top_level_not_a_mapping(top):
    text = yaml.safe_dump(top)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.yaml"
        path.write_text(text)
        error = user_error_or_result(lambda: load_config(path), path)
    assert isinstance(error, ConfigError)


KNOWN = {"adstock": list(ADSTOCKS), "saturation": list(SATURATIONS)}


@given(
    block=st.sampled_from(["adstock", "saturation"]),
    channel=st.integers(0, len(EXAMPLE["channels"]) - 1),
    data=st.data(),
)
def test_typo_in_transform_name_names_key_and_value(block, channel, data):
    word = data.draw(typo(data.draw(st.sampled_from(KNOWN[block]))).filter(_unknown_to(block)))
    raw = yaml.safe_load(EXAMPLE_TEXT)
    raw["channels"][channel][block] = {"type": word}
    try:
        parse_config(raw, source="example.yaml")
    except ConfigError as exc:
        message = str(exc)
    else:
        raise AssertionError(f"{block} type {word!r} was accepted")
    assert message.startswith("example.yaml: ")
    assert f"'channels[{channel}].{block}.type'" in message
    assert f"unknown {block} type '{word}'" in message


def _unknown_to(block):
    return lambda word: word not in KNOWN[block]


@given(
    dist=st.sampled_from(sorted(DISTRIBUTIONS)),
    param=st.sampled_from(["mu", "sigma", "alpha", "beta", "lam", "nu"]),
    value=st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -1.0, 1e308, "1", None, [1]]),
)
def test_prior_parameters_out_of_range(dist, param, value):
    """A prior parameter that is not finite, or a scale that is not positive, is refused."""
    required, optional = DISTRIBUTIONS[dist]
    params = {p: 1.0 for p in required}
    if param not in (*required, *optional):
        return
    params[param] = value
    raw = yaml.safe_load(EXAMPLE_TEXT) | {"priors": {"level": {"dist": dist, **params}}}
    scale = param in ("sigma", "alpha", "beta", "lam", "nu")
    good = isinstance(value, float) and math.isfinite(value) and (value > 0 or not scale)
    try:
        config = parse_config(raw, source="example.yaml")
    except ConfigError as exc:
        assert not good, exc
        assert "'priors.level'" in str(exc)
        assert f"'{param}'" in str(exc)
    else:
        assert good, f"{dist} {param}={value!r} was accepted"
        assert config.priors.level.params[param] == value


ROLE_KEYS = [("data", "date_column"), ("data", "target_column")] + [
    ("channels", i) for i in range(len(EXAMPLE["channels"]))
]


@given(first=st.sampled_from(ROLE_KEYS), second=st.sampled_from([*ROLE_KEYS, ("controls", 0)]))
def test_one_column_in_two_roles_is_refused(first, second):
    """Date, target, a channel's spend and a control must be different columns."""

    def column(raw, key):
        section, i = key
        if section == "data":
            return raw["data"][i]
        if section == "controls":
            return raw["controls"][i]
        return raw["channels"][i].get("column", raw["channels"][i]["name"])

    raw = yaml.safe_load(EXAMPLE_TEXT)
    taken = column(raw, first)
    section, i = second
    if section == "data":
        raw["data"][i] = taken
    elif section == "controls":
        raw["controls"][i] = taken
    else:
        raw["channels"][i]["column"] = taken
    if first == second:
        assert isinstance(parse_config(raw), Config)
        return
    try:
        parse_config(raw, source="example.yaml")
    except ConfigError as exc:
        assert f"column '{taken}' is used both as" in str(exc)
    else:
        raise AssertionError(f"column {taken!r} accepted in two roles")
