"""Event logs -> journeys -> aggregated paths, in DuckDB SQL.

The fixed event-log columns are ``user_id``, ``timestamp``, ``channel``, ``conversion`` and
``value`` (the GA4 connector's output). Journeys are cut at conversions, trimmed to a lookback
window and aggregated to distinct paths with window functions and ``string_agg``: no Python
object is created per event or per journey.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from mmm.attribution.paths import EVENT_COLUMNS, SEP, PathData
from mmm.attribution.tables import read_table, reader_message, table_columns
from mmm.errors import DataError, MmmError

#: The longest lookback window accepted, in days (a hundred years).
MAX_LOOKBACK_DAYS = 36_525


def _journeys_sql(relation: str, lookback_days: float, collapse_repeats: bool) -> str:
    """SQL of journey touches: one row per kept touch, with journey id and end."""
    collapse = "AND (prev_channel IS NULL OR channel <> prev_channel)" if collapse_repeats else ""
    return f"""
    ev AS (
        SELECT CAST(user_id AS VARCHAR) AS user_id, CAST("timestamp" AS TIMESTAMP) AS ts,
               NULLIF(trim(CAST(channel AS VARCHAR)), '') AS channel,
               coalesce(CAST(conversion AS BOOLEAN), false) AS conv,
               coalesce(CAST(value AS DOUBLE), 0.0) AS value,
               row_number() OVER () AS rn
        FROM {relation}
    ),
    numbered AS (
        SELECT *, coalesce(sum(CAST(conv AS INTEGER)) OVER (
                   PARTITION BY user_id ORDER BY ts, conv, rn
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS jn
        FROM ev
    ),
    bounds AS (
        SELECT *, max(ts) OVER (PARTITION BY user_id, jn) AS end_ts,
               bool_or(conv) OVER (PARTITION BY user_id, jn) AS converted,
               sum(CASE WHEN conv THEN value ELSE 0 END) OVER (PARTITION BY user_id, jn) AS jvalue
        FROM numbered
    ),
    kept AS (
        SELECT *, lag(channel) OVER (PARTITION BY user_id, jn ORDER BY ts, conv, rn)
                  AS prev_channel
        FROM bounds
        WHERE channel IS NOT NULL
          AND ts >= end_ts - to_microseconds(CAST({lookback_days} * 86400e6 AS BIGINT))
    ),
    touches AS (
        SELECT user_id, jn, ts, channel, conv, rn, end_ts, converted, jvalue FROM kept
        WHERE true {collapse}
    )"""


def _check_events(con: duckdb.DuckDBPyConnection, relation: str, source: str) -> None:
    """Validate the event log's columns and values; raise on the first bad row."""
    cols = table_columns(con, relation, source)
    for column in EVENT_COLUMNS:
        if column == "value" and column not in cols:
            continue
        if column not in cols:
            raise DataError(
                f"missing column '{column}' (an event log needs {', '.join(EVENT_COLUMNS)}; "
                f"columns found: {', '.join(cols)})",
                source=source,
                key=column,
            )
    number = "TRY_CAST(value AS DOUBLE)"
    checks = [
        ("user_id", "user_id IS NULL", "missing user id"),
        (
            "timestamp",
            'NOT coalesce(isfinite(TRY_CAST("timestamp" AS TIMESTAMP)), false)',
            "not a valid timestamp",
        ),
        ("conversion", "TRY_CAST(conversion AS BOOLEAN) IS NULL", "expected true/false"),
        (
            "value",
            f"value IS NOT NULL AND NOT coalesce(isfinite({number}) AND {number} >= 0, false)",
            "expected a non-negative number",
        ),
        ("channel", "contains(CAST(channel AS VARCHAR), '>')", "channel name contains '>'"),
    ]
    for column, condition, message in checks:
        if column not in cols:
            continue
        try:
            hit = con.execute(
                f"SELECT rn FROM (SELECT *, row_number() OVER () AS rn FROM {relation}) "
                f"WHERE {condition} ORDER BY rn LIMIT 1"
            ).fetchall()
        except duckdb.Error as exc:  # a column type DuckDB cannot cast at all
            raise DataError(
                f"{message}: {reader_message(exc)}", source=source, key=column
            ) from None
        if hit:
            hit = hit[0]
            raise DataError(message, source=source, key=column, row=int(hit[0]) + 1)


def paths_from_events(
    source: str | Path | pd.DataFrame,
    *,
    lookback_days: float = 30.0,
    collapse_repeats: bool = False,
    touch_times: bool = False,
) -> PathData:
    """Build aggregated paths from an event log with DuckDB.

    Each row is a touch on its ``channel`` at ``timestamp``. A row with ``conversion`` true
    ends the user's current journey (the row itself is the journey's last touch when it has a
    channel) and its ``value`` is the conversion's value; the next row starts a new journey.
    Touches older than ``lookback_days`` before the journey's end (its conversion, or its last
    touch for a journey that never converted) are dropped. Journeys that never convert count as
    ``nulls`` of their path.

    Parameters
    ----------
    source : str, Path or pandas.DataFrame
        CSV or Parquet file (or a data frame) with the columns ``user_id``, ``timestamp``,
        ``channel``, ``conversion`` and ``value``.
    lookback_days : float, default 30
        Touches further back than this before the journey's end are ignored.
    collapse_repeats : bool, default False
        Merge consecutive touches on the same channel into one.
    touch_times : bool, default False
        Also keep the converting journeys' touch ages from this same pass over the log
        (:meth:`PathData.event_touches`), which time decay and the report's time to
        conversion read; without it they query the log again on first use.

    Returns
    -------
    PathData
        With ``touches_sql`` and ``journeys_sql`` set so that time decay can use the real
        touch times.
    """
    if not 0 < lookback_days <= MAX_LOOKBACK_DAYS:  # also refuses NaN
        raise MmmError(
            f"lookback_days must be positive and at most {MAX_LOOKBACK_DAYS}, got {lookback_days}",
            key="lookback",
        )
    con = duckdb.connect()
    if isinstance(source, pd.DataFrame):
        con.register("events_in", source)
        relation, name = "events_in", "<events>"
    else:
        relation, name = read_table(source), str(source)
    _check_events(con, relation, name)
    if "value" not in table_columns(con, relation, name):
        relation = f"(SELECT *, 0.0 AS value FROM {relation})"
    try:
        return _aggregate(con, relation, name, lookback_days, collapse_repeats, touch_times)
    except duckdb.Error as exc:  # the checks above should leave nothing DuckDB cannot read
        raise MmmError(f"cannot read the event log: {reader_message(exc)}", source=name) from None


def _aggregate(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    name: str,
    lookback_days: float,
    collapse_repeats: bool,
    touch_times: bool = False,
) -> PathData:
    """Aggregate the checked event log to distinct paths (see :func:`paths_from_events`)."""
    ctes = _journeys_sql(relation, lookback_days, collapse_repeats)
    result = con.sql(_paths_sql(ctes, touch_times)).to_arrow_table()
    table = result.select(["path", "conversions", "value", "nulls"]).to_pandas()
    if table.empty:
        raise DataError("no journeys with a channel touch in the event log", source=name)
    touches_sql = f"""
        WITH {ctes}
        SELECT user_id || '#' || CAST(jn AS VARCHAR) AS journey, channel,
               epoch(end_ts - ts) / 86400.0 AS age_days, jvalue AS value
        FROM touches WHERE converted"""
    total = con.execute(
        f"SELECT count(*) FROM {relation} WHERE coalesce(CAST(conversion AS BOOLEAN), false)"
    ).fetchall()[0][0]
    data = PathData(
        table=table,
        source=name,
        touches_sql=touches_sql,
        connection=con,
        unattributed_conversions=float(total) - float(table["conversions"].sum()),
        journeys_sql=_paths_sql(ctes, True),
    )
    if touch_times:
        data.keep_event_touches(result)
    return data


def _paths_sql(ctes: str, touch_times: bool) -> str:
    """SQL of the distinct paths; with ``touch_times``, also per path the list of its
    converting journeys (each the list of its touch ages in days, in no particular order: the
    path order is oldest first, see :func:`~mmm.attribution.event_touches.from_lists`) and
    the list of their values."""
    ages, lists = "", ""
    if touch_times:  # an unordered list: a second ordered aggregate would cost a sort
        ages = """, list(epoch(end_ts - ts) / 86400.0) FILTER (WHERE converted) AS ages"""
        lists = """, list(ages) FILTER (WHERE converted) AS ages,
               list(jvalue) FILTER (WHERE converted) AS journey_values"""
    return f"""
        WITH {ctes},
        journeys AS (
            SELECT string_agg(channel, '{SEP}' ORDER BY ts, conv, rn) AS path,
                   any_value(converted) AS converted, any_value(jvalue) AS jvalue{ages}
            FROM touches GROUP BY user_id, jn
        )
        SELECT path, sum(CAST(converted AS DOUBLE)) AS conversions,
               sum(CASE WHEN converted THEN jvalue ELSE 0 END) AS value,
               sum(CAST(NOT converted AS DOUBLE)) AS nulls{lists}
        FROM journeys GROUP BY path ORDER BY path
        """
