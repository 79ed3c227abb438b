"""Config validation: unknown keys with hints, transform names, priors, defaults, paths."""

from __future__ import annotations

import pytest

from mmm.errors import ConfigError
from mmm.model.config import load_config, parse_config

from .conftest import write_config

BASE = {
    "name": "t",
    "data": {"path": "d.csv", "target_column": "sales"},
    "channels": [{"name": "tv"}, {"name": "search"}],
}


def error_of(raw: dict) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(raw, source="c.yaml")
    return str(info.value)


def test_typo_in_top_level_key_gets_a_hint():
    message = error_of(BASE | {"chanels": []})
    assert message == "c.yaml: unknown key 'chanels'; did you mean 'channels'?"


def test_typo_in_nested_key_names_its_path():
    raw = BASE | {"channels": [{"name": "tv", "adstok": {"type": "geometric"}}]}
    assert "'channels[0].adstok'; did you mean 'adstock'?" in error_of(raw)


def test_unknown_transform_name_lists_choices():
    raw = BASE | {"channels": [{"name": "tv", "saturation": {"type": "hil"}}]}
    message = error_of(raw)
    assert "channels[0].saturation.type" in message
    assert "unknown saturation type 'hil'; did you mean 'hill'?" in message
    assert "logistic, hill, michaelis_menten" in message


def test_unknown_sampler_backend():
    message = error_of(BASE | {"sampler": {"backend": "stan"}})
    assert "'sampler.backend': unknown value 'stan'" in message


def test_prior_with_wrong_parameter_and_distribution():
    bad_param = {"name": "tv", "adstock": {"priors": {"alpha": {"dist": "Beta", "a": 1}}}}
    assert "Beta has no parameter 'a'" in error_of(BASE | {"channels": [bad_param]})
    bad_dist = {"name": "tv", "prior": {"beta": {"dist": "Gama", "alpha": 1, "beta": 1}}}
    assert "unknown distribution 'Gama'; did you mean 'Gamma'?" in error_of(
        BASE | {"channels": [bad_dist]}
    )
    bad_key = {
        "name": "tv",
        "saturation": {"type": "hill", "priors": {"kk": {"dist": "Gamma", "alpha": 2, "beta": 1}}},
    }
    assert "hill has no parameter 'kk'; did you mean 'k'?" in error_of(
        BASE | {"channels": [bad_key]}
    )


def test_channel_prior_needs_exactly_one_of_roi_or_beta():
    both = {"roi": {"median": 1}, "beta": {"dist": "HalfNormal", "sigma": 1}}
    assert "exactly one of 'roi' or 'beta'" in error_of(
        BASE | {"channels": [{"name": "tv", "prior": both}]}
    )


def test_missing_required_key_and_duplicate_channels():
    assert "missing required key 'data'" in error_of({"name": "t", "channels": [{"name": "a"}]})
    raw = BASE | {"channels": [{"name": "tv"}, {"name": "tv"}]}
    assert "channel names must be unique; repeated: tv" in error_of(raw)


def test_defaults_fill_channels_that_do_not_override():
    raw = BASE | {
        "defaults": {"adstock": {"type": "weibull", "max_lag": 6}},
        "channels": [{"name": "tv"}, {"name": "search", "adstock": {"max_lag": 2}}],
    }
    config = parse_config(raw)
    assert config.channels[0].adstock.type == "weibull"
    assert config.channels[0].adstock.max_lag == 6
    assert config.channels[1].adstock.type == "geometric"  # a channel's own block wins whole
    assert config.channels[1].adstock.max_lag == 2


def test_default_channel_prior_is_an_auto_roi_prior():
    config = parse_config(BASE)
    assert config.channels[0].prior.roi.median == "auto"
    assert config.channels[0].prior.beta is None


def test_load_config_resolves_data_path_relative_to_the_yaml(tmp_path):
    (tmp_path / "configs").mkdir()
    path = write_config(tmp_path / "configs" / "x.yaml", BASE | {"data": {
        "path": "../data/d.csv", "target_column": "sales"}})  # fmt: skip
    assert load_config(path).data.path == (tmp_path / "data" / "d.csv").resolve()


def test_missing_config_file_and_bad_yaml(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: not valid YAML \(line 2"):
        load_config(bad)


def test_resolved_config_round_trips():
    config = parse_config(BASE | {"channels": [{"name": "tv", "prior": {"roi": {"median": 2}}}]})
    import yaml

    again = parse_config(yaml.safe_load(config.to_yaml()))
    assert again == config


@pytest.mark.parametrize(
    ("key", "national", "panel_default", "set_value", "other"),
    [
        ("target_accept", 0.9, 0.95, 0.8, {"draws": 500}),
        ("draws", 1000, 2000, 500, {"target_accept": 0.8}),
    ],
)
def test_a_panel_has_its_own_sampler_defaults_and_keeps_a_set_value(
    key, national, panel_default, set_value, other
):
    panel = BASE | {"data": BASE["data"] | {"geo_column": "geo"}}

    def setting(raw):
        return getattr(parse_config(raw).sampler, key)

    assert setting(BASE) == national
    assert setting(BASE | {"sampler": {"chains": 4}}) == national
    assert setting(panel) == panel_default
    assert setting(panel | {"sampler": {key: set_value}}) == set_value
    assert setting(panel | {"sampler": {"chains": 4}}) == panel_default
    assert setting(panel | {"sampler": other}) == panel_default
    assert f"{key}: {panel_default}" in parse_config(panel).to_yaml()
