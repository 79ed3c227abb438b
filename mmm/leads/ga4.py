"""GA4 BigQuery event export -> the event log ``mmm attribute`` reads.

Input: the GA4 BigQuery export schema (``events_YYYYMMDD`` tables saved as Parquet, or as
newline-delimited JSON as BigQuery writes it, 64-bit integers as strings included). Columns used:
``user_pseudo_id``, ``event_timestamp`` (microseconds, UTC), ``event_name``, ``event_params``
(repeated ``{key, value: {string_value, int_value, float_value, double_value}}``),
``traffic_source.{source, medium, name}`` and, where present, ``collected_traffic_source``
and ``event_value_in_usd``.

Output (fixed format): ``user_id`` (str), ``timestamp`` (datetime64), ``channel`` (str),
``conversion`` (bool), ``value`` (float, 0 when none). One touch row per session, dated at the
session's first event, whose channel comes from, in order: the session's ``source`` /
``medium`` / ``campaign`` event parameters; ``collected_traffic_source`` manual fields; UTM tags
(or a ``gclid``) of the session's first ``page_location``; for a user's first session only,
the user-level ``traffic_source``; otherwise Direct. One conversion row per conversion event,
with an empty channel (``mmm attribute`` reads a conversion row that has a channel as one more
touch; ``conversion_channel=True`` gives it its session's channel instead) and the event's
``value`` parameter (``event_value_in_usd`` when there is none). Events without a
``user_pseudo_id`` (consent-mode pings) are dropped and counted. Everything runs in DuckDB;
only the distinct (source, medium, campaign) triples pass through Python to be classified
by :func:`mmm.leads.channels.classify`.
"""

from __future__ import annotations

import glob
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from mmm.errors import DataError
from mmm.leads.channels import Rule, classify

DEFAULT_CONVERSIONS: tuple[str, ...] = ("generate_lead", "purchase")
EVENT_LOG_COLUMNS: tuple[str, ...] = ("user_id", "timestamp", "channel", "conversion", "value")
REQUIRED = ("user_pseudo_id", "event_timestamp", "event_name", "event_params")
PARAM_TYPE = (
    "STRUCT(key VARCHAR, value STRUCT(string_value VARCHAR, int_value BIGINT, "
    "float_value DOUBLE, double_value DOUBLE))[]"
)
JSON_COLUMNS = {
    "user_pseudo_id": "VARCHAR",
    "event_timestamp": "BIGINT",
    "event_name": "VARCHAR",
    "event_params": PARAM_TYPE,
    "traffic_source": "STRUCT(name VARCHAR, medium VARCHAR, source VARCHAR)",
    "collected_traffic_source": (
        "STRUCT(manual_campaign_name VARCHAR, manual_source VARCHAR, manual_medium VARCHAR)"
    ),
    "event_value_in_usd": "DOUBLE",
}


def _files(path: str | Path) -> tuple[list[str], str]:
    """Input files and their format (``parquet`` or ``json``); a folder means all files in it."""
    p = Path(path)
    if p.is_dir():
        files = sorted(
            str(f)
            for f in p.iterdir()
            if f.suffix.lower() in (".parquet", ".json", ".ndjson", ".jsonl", ".gz")
        )
    elif any(ch in str(path) for ch in "*?["):
        files = sorted(glob.glob(str(path)))
    else:
        files = [str(p)] if p.exists() else []
    if not files:
        raise DataError("no GA4 export file found", source=str(path))
    kinds = {"parquet" if f.lower().endswith((".parquet", ".pq")) else "json" for f in files}
    if len(kinds) > 1:
        raise DataError("mixes Parquet and JSON files; convert one set", source=str(path))
    return files, kinds.pop()


def _source_view(con: duckdb.DuckDBPyConnection, path: str | Path) -> set[str]:
    """Create the view ``src`` over the export; return its column names."""
    files, kind = _files(path)
    listing = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
    if kind == "parquet":
        con.execute(
            f"CREATE TEMP VIEW src AS SELECT * FROM read_parquet({listing}, union_by_name=true)"
        )
    else:
        cols = "{" + ", ".join(f"'{k}': '{v}'" for k, v in JSON_COLUMNS.items()) + "}"
        con.execute(
            f"CREATE TEMP VIEW src AS SELECT * FROM read_json({listing}, "
            f"format='newline_delimited', columns={cols})"
        )
    try:
        described = con.execute("DESCRIBE src").fetchall()
    except duckdb.Error as exc:
        raise DataError(f"cannot read the GA4 export: {exc}", source=str(path)) from None
    names = {row[0] for row in described}
    types = {row[0]: row[1] for row in described}
    for col in REQUIRED:
        if col not in names:
            raise DataError(f"not a GA4 export: no '{col}' column", source=str(path), key=col)
    if "key" not in types["event_params"].lower():
        raise DataError(
            "event_params is not a list of {key, value}", source=str(path), key="event_params"
        )
    return names


def _param(key: str, field: str) -> str:
    """SQL for one event parameter's value field; ``_keys`` is the list of parameter keys.

    Looking the key up in a list of keys is about a third faster than ``list_filter``.
    """
    return f"event_params[list_position(_keys, '{key}')].value.{field}"


def _utm(key: str) -> str:
    found = f"regexp_extract(landing, '[?&]{key}=([^&#]*)', 1)"
    return f"nullif(url_decode(replace({found}, '+', ' ')), '')"


def _build(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    conversions: Sequence[str],
    rules,
    drop_direct: bool,
    conversion_channel: bool = False,
) -> dict:
    """Create the table ``event_log`` in ``con``; return counts."""
    names = _source_view(con, path)
    typed = [_param("value", "double_value"), _param("value", "float_value")]
    value = f"coalesce({typed[0]}, {typed[1]}, {_param('value', 'int_value')}::DOUBLE"
    value += ", event_value_in_usd)" if "event_value_in_usd" in names else ")"
    ts = "traffic_source" in names
    ctm = "collected_traffic_source.manual_campaign_name"
    cts = "collected_traffic_source" in names
    con.execute(
        f"""
        CREATE TEMP TABLE ev AS
        SELECT user_pseudo_id::VARCHAR AS user_id,
               make_timestamp(event_timestamp::BIGINT) AS ts,
               event_name,
               coalesce({_param("ga_session_id", "int_value")}, -1) AS sid,
               nullif(trim(coalesce({_param("source", "string_value")},
                      {"collected_traffic_source.manual_source" if cts else "NULL"})), '') AS src,
               coalesce({_param("medium", "string_value")},
                        {"collected_traffic_source.manual_medium" if cts else "NULL"}) AS med,
               coalesce({_param("campaign", "string_value")},
                        {ctm if cts else "NULL"}) AS camp,
               {_param("page_location", "string_value")} AS url,
               {value} AS value,
               {"traffic_source.source" if ts else "NULL"} AS ts_src,
               {"traffic_source.medium" if ts else "NULL"} AS ts_med,
               {"traffic_source.name" if ts else "NULL"} AS ts_camp
        FROM (SELECT *, list_transform(event_params, lambda p: p.key) AS _keys FROM src)
        WHERE user_pseudo_id IS NOT NULL AND event_timestamp IS NOT NULL
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE sess AS
        WITH s AS (
            SELECT user_id, sid, min(ts) AS start,
                   arg_min(src, ts) FILTER (WHERE src IS NOT NULL) AS src,
                   arg_min(med, ts) FILTER (WHERE src IS NOT NULL) AS med,
                   arg_min(camp, ts) FILTER (WHERE src IS NOT NULL) AS camp,
                   arg_min(url, ts) FILTER (WHERE url IS NOT NULL) AS landing,
                   any_value(ts_src) AS ts_src, any_value(ts_med) AS ts_med,
                   any_value(ts_camp) AS ts_camp
            FROM ev GROUP BY user_id, sid
        ), u AS (
            SELECT *, {_utm("utm_source")} AS u_src, {_utm("utm_medium")} AS u_med,
                   {_utm("utm_campaign")} AS u_camp,
                   regexp_matches(coalesce(landing, ''), '[?&]gclid=') AS gclid,
                   row_number() OVER (PARTITION BY user_id ORDER BY start, sid) = 1 AS first_session
            FROM s
        )
        SELECT user_id, sid, start,
            CASE WHEN src IS NOT NULL THEN src WHEN u_src IS NOT NULL THEN u_src
                 WHEN gclid THEN 'google' WHEN first_session THEN ts_src END AS source,
            CASE WHEN src IS NOT NULL THEN med WHEN u_src IS NOT NULL THEN u_med
                 WHEN gclid THEN 'cpc' WHEN first_session THEN ts_med END AS medium,
            CASE WHEN src IS NOT NULL THEN camp WHEN u_src IS NOT NULL THEN u_camp
                 WHEN gclid THEN NULL WHEN first_session THEN ts_camp END AS campaign
        FROM u
        """
    )
    triples = con.execute("SELECT DISTINCT source, medium, campaign FROM sess").df()
    triples["channel"] = classify(
        triples["source"], triples["medium"], triples["campaign"], rules
    ).astype(str)
    con.register("channel_map", triples)
    conv = ", ".join("'" + c.replace("'", "''") + "'" for c in conversions) or "NULL"
    direct = "WHERE c.channel <> 'Direct'" if drop_direct else ""
    con.execute(
        f"""
        CREATE TEMP TABLE event_log AS
        WITH sc AS (
            SELECT s.user_id, s.sid, s.start, c.channel FROM sess s JOIN channel_map c
            ON s.source IS NOT DISTINCT FROM c.source AND s.medium IS NOT DISTINCT FROM c.medium
               AND s.campaign IS NOT DISTINCT FROM c.campaign
        )
        SELECT user_id, timestamp, channel, conversion, value FROM (
            SELECT user_id, start AS timestamp, channel, false AS conversion, 0.0::DOUBLE AS value
            FROM sc c {direct}
            UNION ALL
            SELECT e.user_id, e.ts, {"sc.channel" if conversion_channel else "''"}, true,
                   coalesce(e.value, 0.0)::DOUBLE
            FROM ev e JOIN sc USING (user_id, sid) WHERE e.event_name IN ({conv})
        ) ORDER BY user_id, timestamp, conversion
        """
    )
    (n_src,) = con.execute("SELECT count(*) FROM src").fetchone()
    n_ev, users = con.execute("SELECT count(*), count(DISTINCT user_id) FROM ev").fetchone()
    sessions, convs, value_sum = con.execute(
        "SELECT count(*) FILTER (WHERE NOT conversion), count(*) FILTER (WHERE conversion), "
        "coalesce(sum(value), 0) FROM event_log"
    ).fetchone()
    return {
        "events": int(n_src),
        "dropped_no_user": int(n_src - n_ev),
        "users": int(users),
        "touches": int(sessions),
        "conversions": int(convs),
        "conversion_value": float(value_sum),
    }


def ga4_event_log(
    path: str | Path,
    *,
    conversions: Sequence[str] = DEFAULT_CONVERSIONS,
    rules: tuple[Rule, ...] | None = None,
    drop_direct: bool = False,
    conversion_channel: bool = False,
) -> pd.DataFrame:
    """Read a GA4 export and return the attribution event log.

    Parameters
    ----------
    path : str or Path
        A Parquet or newline-delimited JSON file, a glob, or a folder of them.
    conversions : sequence of str
        Event names that count as conversions.
    rules : tuple of Rule, optional
        Channel rules (default: the GA4-like grouping).
    drop_direct : bool
        Leave out Direct touch rows (conversions are kept).
    conversion_channel : bool
        Give conversion rows their session's channel (default: empty channel).

    Returns
    -------
    DataFrame
        Columns :data:`EVENT_LOG_COLUMNS`, sorted by user and time; ``attrs["stats"]`` holds
        counts (events read, dropped, users, touches, conversions, conversion value).
    """
    con = duckdb.connect()
    try:
        stats = _build(con, path, conversions, rules, drop_direct, conversion_channel)
        df = con.execute("SELECT * FROM event_log").df()
    finally:
        con.close()
    df = df.astype({"user_id": str, "channel": str, "conversion": bool, "value": "float64"})
    df["timestamp"] = df["timestamp"].astype("datetime64[us]")
    df.attrs["stats"] = stats
    return df


def write_event_log(
    path: str | Path,
    out: str | Path,
    *,
    conversions: Sequence[str] = DEFAULT_CONVERSIONS,
    rules: tuple[Rule, ...] | None = None,
    drop_direct: bool = False,
    conversion_channel: bool = False,
) -> dict:
    """Convert a GA4 export straight to an event-log file (Parquet, or CSV by extension).

    The file is written by DuckDB without a round trip through pandas, to a temporary name
    first and then renamed, so a failed run leaves an existing output untouched.

    Returns
    -------
    dict
        The counts of :func:`ga4_event_log` plus ``output``.
    """
    out = Path(out)
    if not out.parent.is_dir():
        raise DataError("the output folder does not exist", source=str(out))
    fmt = "csv" if out.suffix.lower() == ".csv" else "parquet"
    tmp = out.with_name(out.name + ".tmp")
    con = duckdb.connect()
    try:
        stats = _build(con, path, conversions, rules, drop_direct, conversion_channel)
        target = str(tmp).replace("'", "''")
        con.execute(
            f"COPY event_log TO '{target}' (FORMAT {fmt}{', HEADER' if fmt == 'csv' else ''})"
        )
    finally:
        con.close()
    tmp.replace(out)
    return {**stats, "output": str(out)}
