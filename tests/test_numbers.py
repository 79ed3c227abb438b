"""One compact number format for the terminal, the planner's messages and the reports."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mmm.cli.tables import format_number
from mmm.errors import MmmError
from mmm.numbers import compact, times
from mmm.planning.limits import ObservedSpend
from mmm.report.fmt import number


def test_compact_rounds_before_it_picks_the_suffix():
    values = (0, 0.1234, 999.4, 999.6, 45_600, 999_400, 999_600, 2.47e6, -999_600, 999.6e9)
    assert [compact(v) for v in values] == [
        "0", "0.123", "999", "1k", "45.6k", "999k", "1M", "2.47M", "-1M", "1T",
    ]  # fmt: skip
    assert [compact(v) for v in (9.99e14, 999.6e12, math.inf, None, math.nan)] == [
        "999T", "1e+15", "inf", "n/a", "n/a",
    ]  # fmt: skip
    assert compact(999_949, digits=4) == "999.9k" and compact(999_950, digits=4) == "1M"


def test_times_reads_whole_multiples_from_a_thousand():
    assert [times(r) for r in (0.15, 3.214, 999.4, 999.9, 1500, 2e6)] == [
        "0.15x", "3.21x", "999x", "1,000x", "1,500x", "2,000,000x",
    ]  # fmt: skip
    assert times(math.inf) == "n/a"


def test_the_cli_and_the_report_use_the_same_format():
    for v in (999.6, 999_600, 1.234e9, 1e12, -45_600):
        assert format_number(v) == number(v) == compact(v)
    assert number(math.inf) == "n/a"  # a report cell never shows 'inf'


def test_planner_refusal_quotes_the_data_in_compact_numbers():
    # one channel spending 999,600 a week: 'a 1000x limit of 1M', not '1e+03k'
    observed = ObservedSpend.from_data(["tv"], np.full((4, 1), 999_600.0), 1)
    with pytest.raises(MmmError) as err:
        observed.check_absurd(2e9, "budget", "the budget")
    assert "an average 1 period in the data (1M);" in str(err.value)


def test_range_warning_ratio_and_amounts_are_compact():
    observed = ObservedSpend.from_data(["tv"], np.array([[1.0], [1.0]]), 1, frequency="weekly")
    (warning,) = observed.beyond_range(np.array([999.9]), np.ones((1, 1)))
    assert warning["message"].startswith("tv: 1,000x the highest weekly spend observed (1k vs 1)")
