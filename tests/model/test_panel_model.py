"""The panel model's graph: shapes, pooling variants, missing spend, and compiled-model reuse."""

from __future__ import annotations

import numpy as np
import pytest

from mmm.errors import MmmError
from mmm.model.build import build_model
from mmm.model.checks import count_parameters
from mmm.model.config import parse_config
from mmm.model.data import dataset_from_frame
from mmm.model.simulate import simulate, simulation_config
from mmm.model.simulate_panel import panel_config, simulate_panel


def panel(pooling: str = "partial", beta_prior: bool = False, geos: int = 4, **sim):
    """A small simulated panel and its config (every channel with ``pooling``)."""
    simulation = simulate_panel(seed=3, geos=geos, weeks=30, n_channels=3, **sim)
    raw = panel_config(simulation, "unused.csv")
    raw["defaults"]["pooling"] = pooling
    if beta_prior:
        raw["channels"][1]["prior"] = {"beta": {"dist": "HalfNormal", "sigma": 1.0}}
    config = parse_config(raw)
    return config, dataset_from_frame(simulation.frame, config)


def evaluate(model, name: str) -> np.ndarray:
    """A model variable at the model's initial point."""
    function = model.compile_fn(model[name], inputs=model.value_vars, on_unused_input="ignore")
    return function(model.initial_point())


@pytest.mark.parametrize("pooling", ["partial", "full", "none"])
def test_every_pooling_gives_one_coefficient_per_geo_and_channel(pooling):
    config, dataset = panel(pooling)
    model, _ = build_model(config, dataset)
    assert evaluate(model, "beta").shape == (4, 3)
    roi_geo = evaluate(model, "roi_geo")
    if pooling == "full":  # one ROI for every geo
        np.testing.assert_allclose(roi_geo, np.broadcast_to(roi_geo[0], roi_geo.shape))
    else:
        assert not np.allclose(roi_geo, roi_geo[0])
    assert np.isfinite(model.compile_logp()(model.initial_point()))


def test_full_pooling_with_a_beta_prior_channel_builds():
    config, dataset = panel("full", beta_prior=True)
    model, _ = build_model(config, dataset)
    assert evaluate(model, "beta").shape == (4, 3)


def test_unpooled_beta_prior_is_refused_with_a_message():
    config, dataset = panel("none", beta_prior=True)
    with pytest.raises(MmmError, match="'pooling: none' in a panel needs an ROI prior"):
        build_model(config, dataset)


@pytest.mark.parametrize("beta_prior", [False, True])
def test_a_geo_that_never_spends_gets_no_effect_of_the_channel(beta_prior):
    simulation = simulate_panel(seed=3, geos=4, weeks=30, n_channels=3)
    frame = simulation.frame
    frame.loc[frame["geo"] == "geo_02", "search"] = 0.0
    raw = panel_config(simulation, "unused.csv")
    if beta_prior:
        raw["channels"][1]["prior"] = {"beta": {"dist": "HalfNormal", "sigma": 1.0}}
    config = parse_config(raw)
    dataset = dataset_from_frame(frame, config)
    assert any("geo_02" in note and "search" in note for note in dataset.notes)
    model, _ = build_model(config, dataset)
    beta = evaluate(model, "beta")
    assert beta[1, 1] == 0.0
    assert (beta[[0, 2, 3], 1] > 0).all()


@pytest.mark.parametrize("is_panel", [False, True])
def test_models_without_controls_build(is_panel):
    if is_panel:
        simulation = simulate_panel(seed=3, geos=4, weeks=30, n_channels=2)
        raw = panel_config(simulation, "unused.csv") | {"controls": []}
    else:
        simulation = simulate(seed=3, weeks=30, n_channels=2, controls=False)
        raw = simulation_config(simulation, "unused.csv")
    config = parse_config(raw)
    model, scales = build_model(config, dataset_from_frame(simulation.frame, config))
    assert scales.controls.shape == (0,)
    assert np.isfinite(model.compile_logp()(model.initial_point()))


def test_a_reused_compiled_model_labels_the_posterior_with_the_new_geos():
    from mmm.model.fit import fit

    first = simulate_panel(seed=3, geos=3, weeks=30, n_channels=2)
    second = simulate_panel(seed=4, geos=3, weeks=30, n_channels=2)
    second.frame["geo"] = second.frame["geo"].str.replace("geo_", "region_")
    geos = []
    for simulation in (first, second):
        raw = panel_config(simulation, "unused.csv", draws=20, tune=20)
        raw["defaults"]["pooling"] = "full"
        config = parse_config(raw)
        fitted = fit(config, dataset_from_frame(simulation.frame, config), progress=False)
        geos.append(list(fitted.posterior["beta"].geo.to_numpy()))
    assert geos == [["geo_01", "geo_02", "geo_03"], ["region_01", "region_02", "region_03"]]


def test_per_geo_seasonality_and_controls_add_up_in_the_decomposition():
    from mmm.analysis.posterior import geo_component_draws, geo_predicted_mean
    from mmm.model.fit import fit

    simulation = simulate_panel(seed=5, geos=3, weeks=52, n_channels=2)
    raw = panel_config(simulation, "unused.csv", draws=30, tune=30)
    raw["panel"] = {"seasonality": "per_geo", "controls": "per_geo"}
    config = parse_config(raw)
    fitted = fit(config, dataset_from_frame(simulation.frame, config), progress=False)
    assert fitted.posterior["geo_seasonality"].dims[2:] == ("geo", "fourier")
    assert fitted.geo_draws("control_coef").shape == (60, 3, 1)
    parts = geo_component_draws(fitted, 2)
    assert {"seasonality", "promo"} <= set(parts)
    # the terms add up to the model's own mu for that geo (the likelihood's mean)
    mu = fitted.posterior["geo_level"].isel(geo=2).stack(s=("chain", "draw")).to_numpy()
    np.testing.assert_allclose(
        geo_predicted_mean(fitted, 2).mean(axis=1),
        mu * fitted.scales.geo_target[2],
        rtol=1e-9,
    )


def test_per_geo_panel_settings_are_refused_when_misspelled():
    simulation = simulate_panel(seed=5, geos=3, weeks=20, n_channels=2)
    raw = panel_config(simulation, "unused.csv") | {"panel": {"seasonality": "by_geo"}}
    with pytest.raises(MmmError, match="panel.seasonality.*unknown value 'by_geo'"):
        parse_config(raw)


def _flat_point(model, rng) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A random unconstrained point, flat (free-variable order) and as PyMC's point dict."""
    point = {}
    for rv in model.free_RVs:
        value = model.rvs_to_values[rv]
        point[value.name] = rng.normal(0.0, 0.3, np.shape(model.initial_point()[value.name]))
    flat = np.concatenate([np.ravel(point[model.rvs_to_values[rv].name]) for rv in model.free_RVs])
    return flat, point


#: Other saturations than the default logistic one, per channel.
MIXED_SATURATIONS = ["hill", "michaelis_menten", "logistic", "hill"]


def _mix_saturations(raw: dict) -> dict:
    """``raw`` with its channels' saturations taken from MIXED_SATURATIONS."""
    for channel, saturation in zip(raw["channels"], MIXED_SATURATIONS, strict=False):
        channel["saturation"] = {"type": saturation}
    return raw


#: Other adstocks than the default geometric one, per channel (national models hold them all).
MIXED_ADSTOCKS = ["weibull", "geometric", "delayed", "weibull", "delayed"]


def _national(max_lag: int, n_channels: int, mixed: bool = False):
    simulation = simulate(seed=3, weeks=40, n_channels=n_channels)
    raw = simulation_config(simulation, "unused.csv")
    raw["defaults"]["adstock"]["max_lag"] = max_lag
    if mixed:
        raw = _mix_saturations(raw)
        for channel, adstock in zip(raw["channels"], MIXED_ADSTOCKS, strict=False):
            channel["adstock"] = {"type": adstock, "max_lag": max_lag}
    config = parse_config(raw)
    return config, dataset_from_frame(simulation.frame, config)


def test_a_national_model_holds_every_adstock_and_a_panel_those_in_use():
    """A national model holds every adstock's parameters (an unused one has no elements), so
    its two graphs have the same variables; a panel's lag sum is unrolled over max_lag, so its
    adstocks stay structure."""
    national = build_model(*_national(8, 3))[0]
    assert national["weibull_shape"].type.ndim == 1
    assert evaluate(national, "weibull_shape").shape == (0,)
    assert evaluate(national, "geometric_alpha").shape == (3,)
    panel_model = build_model(*panel())[0]
    assert "weibull_shape" not in panel_model.named_vars
    assert "delayed_alpha" not in panel_model.named_vars
    assert evaluate(panel_model, "geometric_alpha").shape == (3,)


@pytest.mark.parametrize("kind", ["panel", "national"])
def test_one_compiled_log_density_serves_every_size(kind, rng):
    """The function compiled for one model evaluates another size's model exactly: more geos,
    periods and channels (panel), more channels, another max_lag and other adstocks
    (national), and other saturations (both): an edited saturation compiles nothing, nor does
    a national model's edited adstock (its every-transform graph, the stand-in for an edit)."""
    from mmm.model.nuts import model_functions

    if kind == "panel":
        small = panel(geos=3)
        simulation = simulate_panel(seed=8, geos=5, weeks=44, n_channels=4)
        raw = _mix_saturations(panel_config(simulation, "unused.csv"))
        config = parse_config(raw)
        large = (config, dataset_from_frame(simulation.frame, config))
    else:
        small, large = _national(8, 3), _national(12, 5, mixed=True)
    every_transform = kind == "national"  # a panel's graph always holds every saturation
    compiled = model_functions(build_model(*small, every_transform=every_transform)[0])
    other_model = build_model(*large, every_transform=every_transform)[0]
    other = model_functions(other_model)
    assert list(other.data) == list(compiled.data)  # the same inputs, by name
    logp, dlogp = other_model.compile_logp(), other_model.compile_dlogp()
    for _ in range(2):
        flat, point = _flat_point(other_model, rng)
        value, gradient = compiled.logp_and_grad(flat, *other.data.values())
        assert value == pytest.approx(float(logp(point)), rel=1e-9)
        np.testing.assert_allclose(gradient, dlogp(point), rtol=1e-7, atol=1e-9)


def test_a_lift_test_naming_a_geo_calibrates_that_geo_and_through_it_the_channel():
    """A go-dark test in one geo saying the channel works three times as hard there as an
    uninformative test implies: that geo's implied lift moves to it, its ROI rises most, and
    the channel's pooled ROI rises less (through the hierarchy)."""
    from mmm.analysis.posterior import geo_roi_draws
    from mmm.analysis.summary import summary_dict
    from mmm.experiments.records import LiftRecord
    from mmm.model.fit import fit

    simulation = simulate_panel(seed=4, geos=5, weeks=52, n_channels=2)
    config = parse_config(panel_config(simulation, "unused.csv", draws=200, tune=200))
    dataset = dataset_from_frame(simulation.frame, config)
    frame = simulation.frame
    window = frame[(frame["geo"] == "geo_02")].iloc[20:24]
    x = float(window["tv"].mean())
    start, end = window["date"].iloc[0].date(), window["date"].iloc[-1].date()

    def calibrated(delta_y: float, sigma: float):
        record = LiftRecord("tv", start, end, x, -x, delta_y, sigma, geo="geo_02")
        fitted = fit(config, dataset, [record], progress=False)
        implied = summary_dict(fitted)["calibration"]["lift_tests"][0]["implied"]["mean"]
        return fitted, implied

    loose, implied = calibrated(-1.0, 1e9)  # the data alone
    target = 3.0 * implied
    tight, implied_tight = calibrated(target, 0.03 * abs(target))
    assert implied_tight == pytest.approx(target, rel=0.15)
    gain = geo_roi_draws(tight).mean(axis=0)[:, 0] / geo_roi_draws(loose).mean(axis=0)[:, 0]
    assert gain[1] > 1.8  # geo_02's tv ROI
    assert gain[1] > 1.3 * np.delete(gain, 1).max()
    pooled = (
        tight.posterior["roi"].sel(roi_channel="tv").mean()
        / loose.posterior["roi"].sel(roi_channel="tv").mean()
    )
    assert 1.0 < float(pooled) < gain[1]


@pytest.mark.parametrize(
    ("pooling", "panel_settings"),
    [
        ("partial", {}),
        ("full", {}),
        ("none", {"seasonality": "per_geo", "controls": "per_geo"}),
    ],
)
def test_the_parameter_count_of_the_row_check_is_the_panel_models_own(pooling, panel_settings):
    config, dataset = panel(pooling)
    config = config.model_copy(update={"panel": config.panel.model_copy(update=panel_settings)})
    model, _ = build_model(config, dataset)
    free = sum(value.size for value in model.initial_point().values())
    assert count_parameters(config, len(dataset.event_names), dataset.n_geos) == free


def test_a_panel_with_fewer_cells_than_parameters_is_refused_naming_pooling():
    simulation = simulate_panel(seed=3, geos=4, weeks=30, n_channels=3)
    config = parse_config(panel_config(simulation, "unused.csv"))
    few = simulation.frame.groupby("geo").head(6)  # 4 geos x 6 weeks = 24 cells
    with pytest.raises(MmmError, match="24 rows but the model has .* `pooling: full`"):
        dataset_from_frame(few, config)
