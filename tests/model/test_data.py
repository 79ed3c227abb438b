"""Each data check gives one clear message naming the file, the column and the row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmm.errors import DataError
from mmm.model.config import load_config
from mmm.model.data import count_parameters, load_dataset


def broken(small_files, edit) -> str:
    """Apply ``edit`` to the small CSV and return the error message of loading it."""
    config_path, data_path = small_files
    frame = pd.read_csv(data_path)
    frame = edit(frame)
    frame.to_csv(data_path, index=False)
    with pytest.raises(DataError) as info:
        load_dataset(load_config(config_path))
    message = str(info.value)
    assert message.startswith(str(data_path))
    return message


def test_valid_data_loads(small_files, small_sim):
    dataset = load_dataset(load_config(small_files[0]))
    assert dataset.frequency == "weekly"
    assert dataset.spend.shape == (52, 3)
    np.testing.assert_allclose(dataset.target, small_sim.frame["sales"])


def test_missing_file(small_files):
    config_path, data_path = small_files
    data_path.unlink()
    with pytest.raises(DataError, match=r"small.csv: data file not found"):
        load_dataset(load_config(config_path))


def test_missing_column(small_files):
    message = broken(small_files, lambda f: f.drop(columns="search"))
    assert "'search': missing column(s) search (the file has: date, sales, tv, social" in message


def test_unparseable_date(small_files):
    def edit(frame):
        frame.loc[4, "date"] = "not a date"
        return frame

    assert broken(small_files, edit).endswith(
        "'date', row 6: cannot read 'not a date' as a date (use YYYY-MM-DD)"
    )


def test_duplicate_date(small_files):
    def edit(frame):
        frame.loc[3, "date"] = frame.loc[2, "date"]
        return frame

    assert "'date', row 5: duplicate date" in broken(small_files, edit)


def test_unsorted_dates(small_files):
    def edit(frame):
        frame.iloc[[10, 11]] = frame.iloc[[11, 10]].to_numpy()
        return frame

    assert (
        "'date', row 13: dates are not sorted: 2022-03-13 follows the later date 2022-03-20"
        in broken(small_files, edit)
    )


def test_gap_in_weekly_series(small_files):
    message = broken(small_files, lambda f: f.drop(index=20).reset_index(drop=True))
    assert "'date', row 22: gap in the weekly series" in message
    assert "(14 days, expected 7)" in message


@pytest.mark.parametrize(("value", "what"), [(np.nan, "missing (NaN)"), (np.inf, "infinite")])
def test_nan_and_inf(small_files, value, what):
    def edit(frame):
        frame.loc[7, "tv"] = value
        return frame

    assert broken(small_files, edit).endswith(f"'tv', row 9: value is {what}")


def test_text_in_a_numeric_column(small_files):
    def edit(frame):
        frame["sales"] = frame["sales"].astype(object)
        frame.loc[0, "sales"] = "12k"
        return frame

    assert broken(small_files, edit).endswith("'sales', row 2: '12k' is not a number")


def test_negative_spend(small_files):
    def edit(frame):
        frame.loc[30, "social"] = -5.0
        return frame

    assert broken(small_files, edit).endswith("'social', row 32: negative spend -5")


def test_channel_with_zero_spend_throughout(small_files):
    def edit(frame):
        frame["search"] = 0.0
        return frame

    assert "'search': channel has zero spend in every period" in broken(small_files, edit)


def test_constant_target(small_files):
    def edit(frame):
        frame["sales"] = 100.0
        return frame

    assert "'sales': target is constant (100) in every row" in broken(small_files, edit)


def test_fewer_rows_than_parameters(small_files):
    config = load_config(small_files[0])
    n_params = count_parameters(config)
    message = broken(small_files, lambda f: f.head(n_params - 1))
    assert f"{n_params - 1} rows but the model has {n_params} parameters" in message


def test_monthly_data_is_refused(small_files):
    def edit(frame):
        frame["date"] = pd.date_range("2020-01-01", periods=len(frame), freq="MS")
        return frame

    assert "mmm models weekly (7) or daily (1) data" in broken(small_files, edit)
