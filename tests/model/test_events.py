"""Events and holidays as regressors: indicator columns, config errors, a fit, save and load."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from mmm.errors import ConfigError
from mmm.model.checks import count_parameters
from mmm.model.config import parse_config
from mmm.model.data import dataset_from_frame
from mmm.model.events import describe_events, event_columns, indicator, period_number
from mmm.model.fit import structure_key
from mmm.model.simulate import simulate, simulation_config
from mmm.model.simulate_panel import panel_config, simulate_panel

BASE = {
    "name": "t",
    "data": {"path": "d.csv", "target_column": "sales"},
    "channels": [{"name": "tv"}, {"name": "search"}],
    "controls": ["price"],
}
MONDAYS_2024 = pd.date_range("2024-01-01", periods=52, freq="7D")  # 2024-01-01 is a Monday


def config_with(**extra) -> object:
    return parse_config(BASE | extra, source="c.yaml")


def config_error(**extra) -> str:
    with pytest.raises(ConfigError) as info:
        config_with(**extra)
    return str(info.value)


def columns_of(dates: pd.DatetimeIndex, period_days: int, **extra) -> dict[str, np.ndarray]:
    columns = event_columns(config_with(**extra), dates, period_days, source="d.csv")
    return dict(zip(columns.names, columns.values.T, strict=True))


# --------------------------------------------------------------------------------------------
# Indicator columns
# --------------------------------------------------------------------------------------------
def test_weekly_range_with_windows_marks_the_overlapping_weeks_and_the_windows():
    dates = pd.date_range("2024-01-01", periods=10, freq="7D")
    # Wednesday of week 2 to Wednesday of week 3, one week before and two after: weeks 1..5
    column = indicator(dates, 7, date(2024, 1, 17), date(2024, 1, 24), 1, 2)
    np.testing.assert_array_equal(column, [0, 1, 1, 1, 1, 1, 0, 0, 0, 0])
    # the same event from the config
    events = [
        {
            "name": "sale",
            "start": "2024-01-17",
            "end": "2024-01-24",
            "window_before": 1,
            "window_after": 2,
        }
    ]
    np.testing.assert_array_equal(columns_of(dates, 7, events=events)["sale"], column)


def test_a_range_ending_on_a_period_start_includes_that_period():
    dates = pd.date_range("2024-01-01", periods=5, freq="7D")
    column = indicator(dates, 7, date(2024, 1, 3), date(2024, 1, 15))  # 01-15 starts week 2
    np.testing.assert_array_equal(column, [1, 1, 1, 0, 0])


def test_daily_event_marks_its_day_and_its_windows():
    dates = pd.date_range("2024-03-01", periods=10, freq="D")
    events = [{"name": "launch", "date": "2024-03-04"}]
    np.testing.assert_array_equal(
        columns_of(dates, 1, events=events)["launch"], [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    )
    events = [{"name": "launch", "date": "2024-03-04", "window_before": 2, "window_after": 1}]
    np.testing.assert_array_equal(
        columns_of(dates, 1, events=events)["launch"], [0, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    )


def test_periods_are_counted_past_either_end_of_the_data():
    dates = pd.date_range("2024-01-01", periods=3, freq="7D")
    assert period_number(date(2023, 12, 31), dates, 7) == -1
    assert period_number(date(2024, 1, 10), dates, 7) == 1
    # an event just before the data reaches into it through its window
    np.testing.assert_array_equal(
        indicator(dates, 7, date(2023, 12, 20), date(2023, 12, 20), 0, 2), [1, 0, 0]
    )


def test_event_outside_the_data_is_an_error_naming_it_and_the_data_period():
    dates = pd.date_range("2024-01-01", periods=10, freq="7D")
    events = [{"name": "launch", "date": "2023-06-01"}, {"name": "late", "date": "2025-06-01"}]
    with pytest.raises(ConfigError) as info:
        columns_of(dates, 7, events=events)
    assert str(info.value) == (
        "d.csv, 'events[0]': event 'launch' (2023-06-01) falls in no period of the data "
        "(2024-01-01 to 2024-03-10); fix its dates or remove it"
    )


def test_event_covering_every_period_is_an_error():
    dates = pd.date_range("2024-01-01", periods=4, freq="7D")
    events = [{"name": "always", "start": "2023-01-01", "end": "2025-01-01"}]
    with pytest.raises(ConfigError, match="covers every period of the data"):
        columns_of(dates, 7, events=events)


# --------------------------------------------------------------------------------------------
# Holidays
# --------------------------------------------------------------------------------------------
def test_us_holidays_2024_fall_in_their_weeks():
    columns = columns_of(MONDAYS_2024, 7, holidays={"country": "US"})
    assert list(columns) == [
        "New Year's Day",
        "Martin Luther King Jr. Day",
        "Washington's Birthday",
        "Memorial Day",
        "Juneteenth National Independence Day",
        "Independence Day",
        "Labor Day",
        "Columbus Day",
        "Veterans Day",
        "Thanksgiving Day",
        "Christmas Day",
    ]
    july = np.flatnonzero(columns["Independence Day"])
    assert MONDAYS_2024[july].tolist() == [pd.Timestamp("2024-07-01")]  # Thursday 07-04
    assert MONDAYS_2024[np.flatnonzero(columns["Christmas Day"])].tolist() == [
        pd.Timestamp("2024-12-23")
    ]
    assert all(column.sum() == 1 for column in columns.values())


def test_observed_day_counts_with_its_holiday():
    # 2020-07-04 is a Saturday, observed on Friday 07-03: one 'Independence Day' regressor
    dates = pd.date_range("2020-07-01", periods=10, freq="D")
    columns = columns_of(dates, 1, holidays={"country": "US"})
    assert list(columns) == ["Independence Day"]
    np.testing.assert_array_equal(columns["Independence Day"], [0, 0, 1, 1, 0, 0, 0, 0, 0, 0])


def test_holiday_windows_and_include():
    holidays = {"country": "US", "include": ["Christmas Day"], "window_before": 2}
    columns = columns_of(MONDAYS_2024, 7, holidays=holidays)
    assert list(columns) == ["Christmas Day"]
    assert MONDAYS_2024[np.flatnonzero(columns["Christmas Day"])].tolist() == list(
        pd.to_datetime(["2024-12-09", "2024-12-16", "2024-12-23"])
    )


def test_holiday_the_data_misses_is_dropped_and_one_reaching_in_by_its_window_is_kept():
    dates = pd.date_range("2024-01-08", periods=10, freq="7D")  # misses New Year's Day
    assert "New Year's Day" not in columns_of(dates, 7, holidays={"country": "US"})
    widened = columns_of(dates, 7, holidays={"country": "US", "window_after": 1})
    np.testing.assert_array_equal(widened["New Year's Day"][:2], [1, 0])


def test_holidays_of_a_subdivision_sharing_every_week_are_merged():
    columns = columns_of(MONDAYS_2024, 7, holidays={"country": "US", "subdivision": "CA"})
    assert "Cesar Chavez Day" in columns and "Washington's Birthday" not in columns
    merged = columns["Thanksgiving Day + Day After Thanksgiving"]
    assert MONDAYS_2024[np.flatnonzero(merged)].tolist() == [pd.Timestamp("2024-11-25")]


def test_unknown_or_uncovered_included_holiday_is_an_error():
    holidays = {"country": "US", "include": ["Christmas", "Labor Day"]}
    with pytest.raises(ConfigError) as info:
        columns_of(MONDAYS_2024, 7, holidays=holidays)
    message = str(info.value)
    assert message.startswith("d.csv, 'holidays.include[0]': 'Christmas' is not a holiday of US")
    assert "did you mean 'Christmas Day'?" in message
    spring = pd.date_range("2024-03-04", periods=8, freq="7D")
    with pytest.raises(ConfigError) as info:
        columns_of(spring, 7, holidays={"country": "US", "include": ["Labor Day"]})
    assert "'Labor Day' falls in no period of the data (2024-03-04 to 2024-04-28)" in str(
        info.value
    )


def test_holiday_named_like_a_control_is_an_error():
    raw = BASE | {"controls": ["Christmas Day"], "holidays": {"country": "US"}}
    with pytest.raises(ConfigError, match="the holiday 'Christmas Day' has the name of a term"):
        event_columns(parse_config(raw), MONDAYS_2024, 7)


# --------------------------------------------------------------------------------------------
# Config errors
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            {"holidays": {"country": "XX"}},
            "c.yaml: 'holidays': unknown holidays country 'XX'",
        ),
        (
            {"holidays": {"country": "US", "subdivision": "Calif"}},
            "c.yaml: 'holidays': unknown subdivision 'Calif' of US; did you mean 'California'? "
            "(choose from AK, AL,",
        ),
        (
            {"holidays": {"country": "US", "categories": ["publc"]}},
            "c.yaml: 'holidays': unknown holiday category 'publc' for US; did you mean 'public'?",
        ),
        (
            {"holidays": {"country": "US", "inclde": ["Labor Day"]}},
            "c.yaml: unknown key 'holidays.inclde'; did you mean 'include'?",
        ),
        (
            {"events": [{"name": "sale", "start": "2024-02-01", "end": "2024-01-01"}]},
            "c.yaml: 'events[0]': 'end' (2024-01-01) is before 'start' (2024-02-01)",
        ),
        (
            {"events": [{"name": "sale", "start": "2024-02-01"}]},
            "c.yaml: 'events[0]': give the event's 'date', or both 'start' and 'end'",
        ),
        (
            {"events": [{"name": "sale", "date": "2024-02-01", "end": "2024-03-01"}]},
            "c.yaml: 'events[0]': give either 'date' or 'start' and 'end', not both",
        ),
        (
            {"events": [{"name": "sale", "date": "2024-02-01", "window_after": -1}]},
            "c.yaml: 'events[0].window_after': Input should be greater than or equal to 0",
        ),
        (
            {"events": [{"name": "a", "date": "2024-01-01"}, {"name": "a", "date": "2024-02-01"}]},
            "c.yaml: 'events[1].name': 'a' is already the name of an earlier event",
        ),
        (
            {"events": [{"name": "tv", "date": "2024-01-01"}]},
            "c.yaml: 'events[0].name': 'tv' is already the name of channel 'tv'",
        ),
        (
            {"events": [{"name": "price", "date": "2024-01-01"}]},
            "c.yaml: 'events[0].name': 'price' is already the name of control 'price'",
        ),
        (
            {"events": [{"name": "baseline", "date": "2024-01-01"}]},
            "c.yaml: 'events[0].name': 'baseline' is already the name of a term of the "
            "decomposition",
        ),
    ],
)
def test_bad_event_and_holiday_config_gets_a_clear_message(extra, expected):
    assert config_error(**extra).startswith(expected)


def test_events_round_trip_through_the_resolved_yaml():
    import yaml

    config = config_with(
        events=[{"name": "sale", "start": date(2024, 1, 3), "end": "2024-01-09"}],
        holidays={"country": "US", "subdivision": "CA", "window_before": 1},
    )
    assert parse_config(yaml.safe_load(config.to_yaml())) == config
    assert describe_events(config) == (
        "sale (2024-01-03 to 2024-01-09); US-CA public holidays (1 period before)"
    )


# --------------------------------------------------------------------------------------------
# Datasets: controls, parameter count, structure, save and load
# --------------------------------------------------------------------------------------------
def test_events_become_controls_of_the_dataset_and_not_columns_of_its_table(seed):
    sim = simulate(seed=seed, weeks=52, n_channels=2)  # weeks start on Sundays from 2022-01-02
    raw = simulation_config(sim, "d.csv")
    plain = parse_config(raw)
    config = parse_config(
        raw | {"events": [{"name": "launch", "date": "2022-03-09"}], "holidays": {"country": "US"}}
    )
    dataset = dataset_from_frame(sim.frame, config)
    assert dataset.control_names[0] == "promo"
    assert dataset.control_names[1:] == dataset.event_names
    assert dataset.event_names[:2] == ("launch", "Martin Luther King Jr. Day")
    launch = dataset.geo_controls[0, :, 1]
    assert dataset.dates[np.flatnonzero(launch)].tolist() == [pd.Timestamp("2022-03-06")]
    n_events = len(dataset.event_names)
    assert count_parameters(config, n_events) == count_parameters(plain) + n_events
    assert structure_key(config, dataset) != structure_key(
        plain, dataset_from_frame(sim.frame, plain)
    )
    table = dataset.to_frame("date", "sales")
    assert "launch" not in table.columns and "promo" in table.columns
    again = dataset_from_frame(table, config)
    assert again.control_names == dataset.control_names
    np.testing.assert_array_equal(again.geo_controls, dataset.geo_controls)


def test_panel_events_are_the_same_in_every_geo(seed):
    sim = simulate_panel(seed=seed, geos=3, weeks=52, n_channels=2)
    raw = panel_config(sim, "d.csv") | {
        "events": [{"name": "launch", "start": "2022-03-09", "end": "2022-03-20"}],
        "holidays": {"country": "US", "include": ["Independence Day"]},
    }
    config = parse_config(raw)
    dataset = dataset_from_frame(sim.frame, config)
    assert dataset.control_names == ("promo", "launch", "Independence Day")
    events = dataset.geo_controls[:, :, 1:]
    np.testing.assert_array_equal(events, np.broadcast_to(events[0], events.shape))
    assert events[0].sum(axis=0).tolist() == [3.0, 1.0]
    table = dataset.to_frame("date", "sales", "population")
    again = dataset_from_frame(table, config)
    np.testing.assert_array_equal(again.geo_controls, dataset.geo_controls)


# --------------------------------------------------------------------------------------------
# A real fit
# --------------------------------------------------------------------------------------------
#: The simulated event lifts the KPI by this share of its mean in its two weeks.
EVENT_LIFT = 0.3


@pytest.fixture(scope="module")
def fitted_with_event(tmp_path_factory):
    """52 weeks with a two-week event that lifts sales by 30%, sampled 2 x (100 + 100)."""
    from mmm.model.fit import fit

    sim = simulate(seed=3, weeks=52, n_channels=2)
    frame = sim.frame.copy()
    in_event = frame["date"].between("2022-05-01", "2022-05-08")
    frame.loc[in_event, "sales"] += EVENT_LIFT * frame["sales"].mean()
    path = tmp_path_factory.mktemp("events") / "data.csv"
    frame.to_csv(path, index=False)
    raw = simulation_config(sim, str(path), name="events", chains=2, draws=100, tune=100)
    raw |= {
        "events": [{"name": "spring_sale", "start": "2022-05-01", "end": "2022-05-14"}],
        "holidays": {"country": "US", "include": ["Independence Day", "Christmas Day"]},
    }
    config = parse_config(raw)
    return fit(config, dataset_from_frame(frame, config, source=str(path)), progress=False)


def test_event_term_is_in_the_decomposition_and_the_terms_sum_to_mu(fitted_with_event):
    import pymc as pm

    from mmm.analysis.posterior import component_draws
    from mmm.model.build import build_model

    fitted = fitted_with_event
    terms = component_draws(fitted)
    assert {"spring_sale", "Independence Day", "Christmas Day", "promo"} <= set(terms)
    # the model's own mu, computed by PyMC from the posterior, equals the sum of the terms
    model, _ = build_model(fitted.config, fitted.dataset)
    with model:
        pm.Deterministic("mu_check", model["y"].owner.inputs[2], dims="date")
        mu = pm.sample_posterior_predictive(
            fitted.idata["posterior"].to_dataset(),
            var_names=["mu_check"],
            freeze_vars=["roi"],  # the posterior's ROI draws, not new ones
            progressbar=False,
        ).posterior_predictive["mu_check"]
    mu = mu.stack(sample=("chain", "draw")).transpose("sample", "date").to_numpy()
    total = sum(terms.values())
    np.testing.assert_allclose(total, mu * fitted.scales.target, rtol=1e-6)
    # the event lifts its two weeks by about the simulated share of the mean KPI
    event = terms["spring_sale"]
    weeks = np.flatnonzero(fitted.dataset.geo_controls[0, :, 1])
    assert len(weeks) == 2
    lift = (event[:, weeks].mean() - event[:, 0].mean()) / fitted.dataset.target.mean()
    assert 0.15 < lift < 0.45


def test_fitted_model_with_events_saves_loads_and_reports(fitted_with_event, tmp_path):
    from mmm.analysis.posterior import component_draws
    from mmm.model.store import load_model, save_model
    from mmm.report.html import render_report

    folder = save_model(fitted_with_event, tmp_path / "model")
    header = (folder / "data.csv").read_text().splitlines()[0]
    assert header == "date,sales,tv,search,promo"
    loaded = load_model(folder)
    assert loaded.dataset.control_names == fitted_with_event.dataset.control_names
    assert loaded.dataset.event_names == ("spring_sale", "Independence Day", "Christmas Day")
    np.testing.assert_array_equal(
        loaded.dataset.geo_controls, fitted_with_event.dataset.geo_controls
    )
    for name, term in component_draws(fitted_with_event).items():
        np.testing.assert_allclose(component_draws(loaded)[name], term)
    page = render_report(loaded)
    assert "Events and holidays" in page and "spring_sale" in page
