"""One read of an event log serves every model and the report's time to conversion.

``paths_from_events(..., touch_times=True)`` keeps the converting journeys' touch ages from the
path query itself. These tests check that every model gives what it gives without them (touch
ages queried on first use), that time decay and the time to conversion equal the former
per-touch SQL over ``touches_sql`` (the implementation before the shared read, kept here as the
reference), and that the ages line up with the right touches.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmm.attribution import MODEL_NAMES, attribute, paths_from_events
from mmm.errors import MmmError
from mmm.report import attribution_context as ctx

CHANNELS = ["search", "email", "display", "social", "direct"]


def _random_events(rng: np.random.Generator, n: int = 4000) -> pd.DataFrame:
    """Several users, repeated channels, repeated conversions, missing channels, equal times."""
    start = pd.Timestamp("2025-01-01")
    hours = rng.integers(0, 24 * 90, n)
    hours[::50] = hours[1::50][: len(hours[::50])]  # some touches at exactly the same time
    channel = rng.choice(np.array(CHANNELS + [""], dtype=object), n, p=[0.18] * 5 + [0.1])
    return pd.DataFrame(
        {
            "user_id": rng.integers(0, 300, n).astype(str),
            "timestamp": start + pd.to_timedelta(hours, unit="h"),
            "channel": channel,
            "conversion": rng.random(n) < 0.08,
            "value": np.round(rng.gamma(2.0, 20.0, n), 2),
        }
    )


def _options(model: str) -> dict:
    return {"transition_matrix": True, "order": 2} if model == "markov" else {}


def _time_decay_sql(data, half_life: float) -> pd.DataFrame:
    """Time decay as computed before the shared read: per-touch SQL over ``touches_sql``."""
    frame = data.connection.sql(
        f"""
        WITH t AS ({data.touches_sql}),
        w AS (SELECT *, pow(0.5, age_days / {half_life}) AS raw FROM t),
        n AS (SELECT *, raw / sum(raw) OVER (PARTITION BY journey) AS weight FROM w)
        SELECT channel, sum(weight) AS conversions, sum(weight * value) AS value
        FROM n GROUP BY channel
        """
    ).df()
    return frame.set_index("channel").reindex(data.channels()).fillna(0.0)


def _time_to_conversion_sql(data, cap_days: int) -> np.ndarray:
    """Converting journeys by whole days to conversion, as the former SQL counted them."""
    rows = data.connection.execute(
        f"""
        SELECT least(floor(age), {cap_days}) AS days, count(*) AS journeys
        FROM (SELECT journey, max(age_days) AS age FROM ({data.touches_sql}) GROUP BY journey)
        GROUP BY 1 ORDER BY 1
        """
    ).fetchall()
    out = np.zeros(cap_days + 1)
    for day, count in rows:
        out[int(day)] = count
    return out


@pytest.mark.parametrize("collapse", [False, True])
@pytest.mark.parametrize("lookback", [3.0, 30.0])
def test_every_model_is_the_same_with_the_shared_read(rng, collapse, lookback) -> None:
    events = _random_events(rng)
    options = dict(lookback_days=lookback, collapse_repeats=collapse)
    shared = paths_from_events(events, touch_times=True, **options)
    assert shared._event_touches is not None  # kept from the one query, not read again
    separate = paths_from_events(events, **options)
    assert separate._event_touches is None
    pd.testing.assert_frame_equal(shared.table, separate.table)
    for model in MODEL_NAMES:
        a = attribute(shared, model, **_options(model))
        b = attribute(separate, model, **_options(model))
        pd.testing.assert_frame_equal(a.table, b.table, check_exact=False, rtol=1e-12)
        assert a.details == b.details
    reference = _time_decay_sql(separate, 2.5)
    result = attribute(shared, "time_decay", half_life=2.5).table.set_index("channel")
    assert result["conversions"].sum() == pytest.approx(shared.total_conversions, rel=1e-12)
    np.testing.assert_allclose(result["conversions"], reference["conversions"], rtol=1e-12)
    np.testing.assert_allclose(result["value"], reference["value"], rtol=1e-12)
    assert result["conversions"].nunique() == len(CHANNELS)  # a real, uneven split
    ttc = ctx.time_to_conversion(shared, cap_days=20)
    np.testing.assert_array_equal(ttc["journeys"], _time_to_conversion_sql(separate, 20))
    assert ttc["journeys"].sum() == shared.total_conversions


def test_touch_ages_line_up_with_the_path_touches() -> None:
    t0 = pd.Timestamp("2025-01-01")
    events = pd.DataFrame(
        [
            ("u1", t0, "b", False, 0.0),
            ("u1", t0 + pd.Timedelta(days=2), "a", False, 0.0),
            ("u1", t0 + pd.Timedelta(days=5), "c", True, 9.0),
            ("u2", t0, "c", False, 0.0),
            ("u2", t0 + pd.Timedelta(hours=12), "a", True, 4.0),
            ("u3", t0, "a", False, 0.0),  # never converts: not among the timed journeys
        ],
        columns=["user_id", "timestamp", "channel", "conversion", "value"],
    )
    timed = paths_from_events(events, touch_times=True).event_touches()
    # paths sorted: "b > a > c" (u1) before "c > a" (u2); channel codes a=0, b=1, c=2
    np.testing.assert_array_equal(timed.journey, [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(timed.channel, [1, 0, 2, 2, 0])
    np.testing.assert_allclose(timed.age_days, [5.0, 3.0, 0.0, 0.5, 0.0])
    np.testing.assert_allclose(timed.value, [9.0, 4.0])
    np.testing.assert_allclose(timed.journey_age(), [5.0, 0.5])


def test_a_log_changed_before_the_second_read_is_refused(tmp_path) -> None:
    t0 = pd.Timestamp("2025-01-01")
    path = tmp_path / "events.csv"
    rows = [("u1", t0, "a", False, 0.0), ("u1", t0 + pd.Timedelta(days=1), "b", True, 3.0)]
    columns = ["user_id", "timestamp", "channel", "conversion", "value"]
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    data = paths_from_events(path)  # touch ages not kept: read again on first use
    rows.append(("u1", t0 + pd.Timedelta(days=2), "a", True, 1.0))  # one more journey
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    with pytest.raises(MmmError, match="the event log changed while it was being read"):
        data.event_touches()
