"""The geo-panel reader: a long table becomes a (geo, date, channel) Dataset, checked by name."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmm.errors import DataError
from mmm.model.config import parse_config
from mmm.model.data import dataset_from_frame

GEOS = ["north", "south", "east", "west"]
WEEKS = 10
DATES = pd.date_range("2024-01-07", periods=WEEKS, freq="7D")
POPULATION = [100.0, 200.0, 300.0, 400.0]
TV = 1000.0 + 100.0 * np.arange(WEEKS)  # national value of each week
SOURCE = "panel.csv"


def panel_frame(geos: list[str] = GEOS, population: bool = True) -> pd.DataFrame:
    """Geo-major rows (row 2 is geos[0]'s first week; each geo takes WEEKS rows).

    Geo g's KPI is 5 (g + 1) +/- 1 in alternate weeks, so its total is 50 (g + 1) and the KPI
    shares of four geos are 0.1, 0.2, 0.3, 0.4, as are the population shares.
    """
    rows = []
    for g, geo in enumerate(geos):
        for t, day in enumerate(DATES):
            row = {
                "geo": geo,
                "date": day.strftime("%Y-%m-%d"),
                "sales": 5.0 * (g + 1) + (1.0 if t % 2 else -1.0),
                "tv": TV[t],
                "search": 10.0 * (g + 1) + t,
                "price": 1.0 + 0.1 * ((g + t) % 3),
            }
            if population:
                row["population"] = POPULATION[g]
            rows.append(row)
    return pd.DataFrame(rows)


def panel_config(population: bool = True, tv_level: str = "national", **channel: str):
    """A panel config over ``panel_frame``; ``channel`` sets keys of every channel."""
    data = {"path": SOURCE, "target_column": "sales", "geo_column": "geo"}
    if population:
        data["population_column"] = "population"
    return parse_config(
        {
            "name": "panel",
            "data": data,
            "channels": [
                {"name": "tv", "level": tv_level, **channel},
                {"name": "search", "level": "geo", **channel},
            ],
            "controls": ["price"],
            "seasonality": None,
        }
    )


def read(frame: pd.DataFrame, config=None):
    return dataset_from_frame(frame, config or panel_config(), source=SOURCE)


def error(frame: pd.DataFrame, config=None) -> str:
    """The message of reading ``frame``; it always starts with the file."""
    with pytest.raises(DataError) as info:
        read(frame, config)
    message = str(info.value)
    assert message.startswith(f"{SOURCE}, ")
    return message


# --------------------------------------------------------------------------------------------
# Happy path
# --------------------------------------------------------------------------------------------
def test_panel_in_any_row_order(seed):
    frame = panel_frame()
    shuffled = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    dataset = read(shuffled)

    first_seen = tuple(dict.fromkeys(shuffled["geo"]))
    assert sorted(first_seen) == sorted(GEOS)
    assert dataset.geos == first_seen
    assert dataset.geo_column == "geo"
    assert dataset.source == SOURCE
    assert dataset.frequency == "weekly"
    assert dataset.channels == ("tv", "search")
    assert dataset.control_names == ("price",)
    assert dataset.geo_target.shape == (4, WEEKS)
    assert dataset.geo_spend.shape == (4, WEEKS, 2)
    assert dataset.geo_controls.shape == (4, WEEKS, 1)
    pd.testing.assert_index_equal(dataset.dates, pd.DatetimeIndex(DATES))
    assert dataset.notes == ()

    for g, geo in enumerate(dataset.geos):
        own = frame[frame["geo"] == geo]  # geo-major, sorted by date
        k = GEOS.index(geo)
        np.testing.assert_array_equal(dataset.geo_target[g], own["sales"])
        np.testing.assert_array_equal(dataset.geo_spend[g, :, 1], own["search"])
        np.testing.assert_array_equal(dataset.geo_controls[g, :, 0], own["price"])
        assert dataset.population[g] == POPULATION[k]
        # tv is national: each geo gets population / total population of each week's value
        np.testing.assert_allclose(dataset.geo_spend[g, :, 0], TV * [0.1, 0.2, 0.3, 0.4][k])
    assert set(dataset.splits) == {"tv"}
    assert dataset.splits["tv"].basis == "population"
    np.testing.assert_allclose(dataset.spend[:, 0], TV)


def test_national_channel_found_and_split_by_kpi():
    frame = panel_frame(population=False)
    dataset = read(frame, panel_config(population=False, tv_level="auto"))
    assert dataset.population is None
    assert dataset.geos == tuple(GEOS)
    split = dataset.splits["tv"]
    assert split.basis == "kpi"
    np.testing.assert_allclose(split.shares, [0.1, 0.2, 0.3, 0.4])  # totals 50, 100, 150, 200
    np.testing.assert_allclose(dataset.geo_spend[2, :, 0], 0.3 * TV)
    search = frame["search"].to_numpy().reshape(4, WEEKS)  # geo-major rows
    np.testing.assert_array_equal(dataset.geo_spend[:, :, 1], search)


def test_level_geo_and_auto_with_differing_values_are_not_split():
    frame = panel_frame()
    geo_level = read(frame, panel_config(tv_level="geo"))
    assert geo_level.splits == {}
    np.testing.assert_array_equal(geo_level.geo_spend[:, :, 0], np.tile(TV, (4, 1)))

    frame.loc[frame["geo"] == "west", "tv"] *= 2
    auto = read(frame, panel_config(tv_level="auto"))
    assert auto.splits == {}
    np.testing.assert_array_equal(auto.geo_spend[3, :, 0], 2 * TV)


def test_geo_codes_keep_their_leading_zeros_from_csv_and_a_saved_model(tmp_path):
    from mmm.model.data import read_table, text_columns

    frame = panel_frame(geos=["01", "02", "03", "04"])
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    config = panel_config()
    dataset = read(read_table(path, text_columns(config)), config)
    assert dataset.geos == ("01", "02", "03", "04")
    # the table a model folder stores reads back with the same names
    stored = tmp_path / "data.csv"
    dataset.to_frame("date", "sales", "population").to_csv(stored, index=False)
    again = read(read_table(stored, text_columns(config)), config)
    assert again.geos == dataset.geos
    # numbers where the geo column is numeric (e.g. Parquet ints) become their text
    assert read(frame.assign(geo=frame["geo"].astype(int)), config).geos == ("1", "2", "3", "4")
    np.testing.assert_allclose(dataset.splits["tv"].shares, [0.1, 0.2, 0.3, 0.4])


@pytest.mark.parametrize("population", [True, False])
def test_round_trip_through_csv(tmp_path, seed, population):
    frame = panel_frame(population=population)
    frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    config = panel_config(population=population)
    dataset = read(frame, config)

    path = tmp_path / "panel.csv"
    dataset.to_frame("date", "sales", "population" if population else None).to_csv(
        path, index=False
    )
    again = dataset_from_frame(pd.read_csv(path), config, source=str(path))

    assert again.geos == dataset.geos
    assert again.source == str(path)
    pd.testing.assert_index_equal(again.dates, dataset.dates)
    np.testing.assert_array_equal(again.geo_target, dataset.geo_target)
    np.testing.assert_allclose(again.geo_spend, dataset.geo_spend, rtol=1e-12)
    np.testing.assert_array_equal(again.geo_controls, dataset.geo_controls)
    if population:
        np.testing.assert_array_equal(again.population, dataset.population)
    else:
        assert again.population is None
    assert again.splits.keys() == dataset.splits.keys() == {"tv"}
    assert again.splits["tv"].basis == dataset.splits["tv"].basis
    np.testing.assert_allclose(again.splits["tv"].shares, dataset.splits["tv"].shares)


# --------------------------------------------------------------------------------------------
# One bad input per check
# --------------------------------------------------------------------------------------------
def test_missing_geo_column():
    message = error(panel_frame().drop(columns="geo"))
    assert "'geo': missing column(s) geo" in message


def test_missing_geo_value_names_the_row():
    frame = panel_frame()
    frame.loc[12, "geo"] = None
    assert error(frame).endswith(
        "'geo', row 14: geo is missing; every row needs the geo it belongs to"
    )


def test_row_checks_name_the_geo():
    frame = panel_frame()
    frame.loc[23, "search"] = -5.0
    assert error(frame).endswith("'search', row 25: negative spend -5 (geo 'east')")
    frame = panel_frame()
    frame.loc[31, "date"] = "soon"
    assert error(frame).endswith(
        "'date', row 33: cannot read 'soon' as a date (use YYYY-MM-DD) (geo 'west')"
    )


def test_duplicate_geo_and_date():
    frame = panel_frame()
    frame.loc[13, "date"] = frame.loc[12, "date"]  # south, weeks 3 and 4
    assert error(frame).endswith(
        "'date', row 15: geo 'south' has date 2024-01-21 twice (rows 14 and 15); "
        "keep one row per geo and period"
    )


def test_geo_missing_periods_lists_a_few_and_counts():
    frame = panel_frame()
    frame = frame.drop(index=range(21, 28)).reset_index(drop=True)  # east, weeks 2-8
    assert error(frame).endswith(
        "'date': geo 'east' has no row for 7 of the 10 periods other geos have: 2024-01-14, "
        "2024-01-21, 2024-01-28, 2024-02-04, 2024-02-11 and 2 more; add those rows (zero spend "
        "where nothing was spent) or drop the geo"
    )


def test_period_missing_in_every_geo_is_a_gap():
    frame = panel_frame()
    frame = frame[frame["date"] != "2024-01-28"].reset_index(drop=True)
    message = error(frame)
    # the first row after the gap is north's 2024-02-04: data position 3, row 5
    assert "'date', row 5: gap in the weekly series: 2024-01-21 is followed by 2024-02-04" in (
        message
    )
    assert "(14 days, expected 7)" in message


def test_dates_of_other_frequency():
    frame = panel_frame()
    week = np.arange(len(frame)) % WEEKS  # rows are geo-major
    frame["date"] = (DATES[0] + pd.to_timedelta(14 * week, unit="D")).strftime("%Y-%m-%d")
    assert "dates are 14 days apart" in error(frame)


@pytest.mark.parametrize(
    ("sales", "expected"),
    [
        (0.0, "'sales': target of geo 'south' is 0 in every period; nothing to explain"),
        (3.0, "'sales': target of geo 'south' is 3 in every period; nothing to explain"),
    ],
)
def test_geo_target_constant_or_zero(sales, expected):
    frame = panel_frame()
    frame.loc[frame["geo"] == "south", "sales"] = sales
    assert expected in error(frame)


def test_geo_target_negative_mean():
    frame = panel_frame()
    frame.loc[frame["geo"] == "east", "sales"] -= 20.0  # 15 +/- 1 -> -5 +/- 1
    assert error(frame).endswith(
        "'sales': target of geo 'east' has mean -5; it must be positive in every geo "
        "(mmm scales the KPI by its mean)"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "'population', row 18: population of geo 'south' is missing"),
        (0.0, "'population', row 18: population of geo 'south' is 0; it must be positive"),
        (-50.0, "'population', row 18: population of geo 'south' is -50; it must be positive"),
        (
            250.0,
            "'population', row 18: geo 'south' has two populations, 200 (row 12) and 250; "
            "population must be the same in every row of a geo",
        ),
    ],
)
def test_bad_population(value, expected):
    frame = panel_frame()
    frame.loc[16, "population"] = value
    assert error(frame).endswith(expected)


def test_declared_national_channel_differs_across_geos():
    frame = panel_frame()
    frame.loc[24, "tv"] = 999.0  # east, week 5 (2024-02-04)
    assert error(frame).endswith(
        "'tv', row 26: channel 'tv' is national but differs across geos on 2024-02-04: "
        "geo 'north' has 1400 (row 6), geo 'east' has 999; give the national value in every "
        "geo's row or set 'level: geo'"
    )


@pytest.mark.parametrize("n_geos", [1, 2])
def test_partial_pooling_needs_three_geos(n_geos):
    frame = panel_frame(geos=GEOS[:n_geos])
    message = error(frame)
    assert message.startswith(f"{SOURCE}, 'data.geo_column': the data has {n_geos} geo(s)")
    assert "partial pooling (channels: tv, search) needs at least 3" in message
    assert "set 'pooling: none' or 'pooling: full'" in message


@pytest.mark.parametrize("pooling", ["none", "full"])
def test_two_geos_without_partial_pooling(pooling):
    dataset = read(panel_frame(geos=GEOS[:2]), panel_config(pooling=pooling))
    assert dataset.n_geos == 2
    np.testing.assert_allclose(dataset.splits["tv"].shares, [1 / 3, 2 / 3])


def test_geo_without_spend_on_a_channel_is_a_note():
    frame = panel_frame()
    frame.loc[frame["geo"] == "west", "search"] = 0.0
    dataset = read(frame)
    assert dataset.notes == (
        "geo 'west' has no spend on 'search' in any period: its effect there is informed only "
        "by the other geos",
    )
    np.testing.assert_array_equal(dataset.geo_spend[3, :, 1], 0.0)


def test_channel_without_any_spend_is_an_error():
    frame = panel_frame()
    frame["search"] = 0.0
    assert error(frame).endswith(
        "'search': channel has zero spend in every period; remove it from the config"
    )
