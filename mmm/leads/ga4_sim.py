"""Synthetic GA4 BigQuery exports (nested ``event_params``) built column-wise with pyarrow.

Used by the tests and by ``benchmarks/ga4_connector.py``; millions of events take seconds.
Sessions start with a ``session_start`` event that carries the session's ``source`` /
``medium`` / ``campaign`` parameters (absent for direct sessions) and a landing
``page_location``; later events are page views, with ``generate_lead`` and ``purchase``
conversions that carry a ``value`` parameter.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

#: (source, medium, campaign, share of sessions); ``None`` source = direct (no parameters).
SESSION_SOURCES: tuple[tuple[str | None, str | None, str | None, float], ...] = (
    ("google", "cpc", "brand_search", 0.20),
    ("google", "organic", None, 0.25),
    ("facebook", "paid", "retargeting", 0.10),
    ("linkedin", "social", None, 0.05),
    ("newsletter", "email", "weekly_digest", 0.08),
    ("partner.com", "referral", None, 0.07),
    ("criteo", "display", "prospecting", 0.05),
    (None, None, None, 0.20),
)
PAGES = ("/", "/pricing", "/blog/post-1", "/blog/post-2", "/product", "/demo", "/contact")


def _strings(
    values: list[str | None], codes: np.ndarray, mask: np.ndarray | None = None
) -> pa.Array:
    """String array from a vocabulary (dictionary-encoded, then decoded); ``mask`` = null."""
    dictionary = pa.array(values, type=pa.string())
    idx = pa.array(codes, type=pa.int32(), mask=mask)
    return pa.DictionaryArray.from_arrays(idx, dictionary).cast(pa.string())


def simulate_ga4(
    rng: np.random.Generator,
    n_events: int = 100_000,
    *,
    events_per_session: float = 5.0,
    sessions_per_user: float = 2.5,
    start: str = "2025-01-01",
    days: int = 90,
    lead_rate: float = 0.02,
    purchase_rate: float = 0.005,
    anonymous_share: float = 0.0,
) -> pa.Table:
    """Simulate a GA4 event export table.

    Parameters
    ----------
    rng : numpy Generator
        Source of randomness.
    n_events : int
        Number of events (rows).
    events_per_session, sessions_per_user : float
        Mean sizes.
    start : str
        First day.
    days : int
        Days covered.
    lead_rate, purchase_rate : float
        Share of non-first events that are ``generate_lead`` / ``purchase``.
    anonymous_share : float
        Share of events with a null ``user_pseudo_id`` (consent-mode pings).

    Returns
    -------
    pyarrow.Table
        Columns ``event_date``, ``event_timestamp``, ``event_name``, ``event_params``,
        ``user_pseudo_id``, ``traffic_source``, ``event_value_in_usd``, in the BigQuery schema.
    """
    n_sessions = max(1, int(n_events / events_per_session))
    n_users = max(1, int(n_sessions / sessions_per_user))
    n_sessions = min(n_sessions, n_events)
    extra = rng.integers(0, n_sessions, n_events - n_sessions)
    sess = np.sort(np.concatenate([np.arange(n_sessions), extra]))  # every session >= 1 event
    first = np.r_[True, sess[1:] != sess[:-1]]
    user_of_sess = rng.integers(0, n_users, n_sessions)
    shares = np.array([s[3] for s in SESSION_SOURCES])
    src_of_sess = rng.choice(len(SESSION_SOURCES), n_sessions, p=shares / shares.sum())
    t0 = np.datetime64(start, "us").astype("int64")
    start_of_sess = t0 + rng.integers(0, days * 86_400_000_000, n_sessions)
    step = rng.integers(5_000_000, 120_000_000, n_events)
    step[first] = 0
    csum = np.cumsum(step)
    ts = start_of_sess[sess] + csum - np.maximum.accumulate(np.where(first, csum, 0))

    u = rng.random(n_events)
    kind = np.where(
        first, 0, np.where(u < lead_rate, 2, np.where(u < lead_rate + purchase_rate, 3, 1))
    )
    names = ["session_start", "page_view", "generate_lead", "purchase"]
    value = np.where(
        kind == 3, np.round(rng.lognormal(4, 0.6, n_events), 2), np.where(kind == 2, 50.0, np.nan)
    )
    src = src_of_sess[sess]
    has_src = first & np.array([s[0] is not None for s in SESSION_SOURCES])[src]
    has_camp = has_src & np.array([s[2] is not None for s in SESSION_SOURCES])[src]
    has_value = kind >= 2
    # rows in time order, as a daily export holds them (not grouped by session)
    order = np.argsort(ts, kind="stable")
    sess, first, ts, kind, value, src = (a[order] for a in (sess, first, ts, kind, value, src))
    has_src, has_camp, has_value = has_src[order], has_camp[order], has_value[order]

    # parameters: 0 ga_session_id, 1 page_location, 2 source, 3 medium, 4 campaign, 5 value
    counts = np.stack(
        [np.ones(n_events, int), np.ones(n_events, int), has_src, has_src, has_camp, has_value],
        axis=1,
    )
    n_par = counts.sum(axis=1)
    offsets = np.r_[0, np.cumsum(n_par)].astype(np.int32)
    ev_idx, slot = np.nonzero(counts)  # row-major: per event, slots in order
    keys = _strings(
        ["ga_session_id", "page_location", "source", "medium", "campaign", "value"], slot
    )
    sources = [s[0] for s in SESSION_SOURCES]
    mediums = [s[1] for s in SESSION_SOURCES]
    camps = [s[2] for s in SESSION_SOURCES]
    page = rng.integers(0, len(PAGES), n_events)
    vocab = [f"https://example.com{p}" for p in PAGES]
    str_vocab: list[str | None] = [
        None,
        *vocab,
        *[v for v in sources if v],
        *[v for v in mediums if v],
        *[v for v in camps if v],
    ]
    index = {v: i for i, v in enumerate(str_vocab) if v is not None}
    # string code of every parameter: a (session source, slot) lookup, landing pages apart
    lut = np.zeros((len(SESSION_SOURCES), 6), np.int64)
    for j, (s_, m_, c_, _) in enumerate(SESSION_SOURCES):
        lut[j, 2:5] = [index.get(s_, 0), index.get(m_, 0), index.get(c_, 0)]
    str_codes = np.where(slot == 1, 1 + page[ev_idx], lut[src[ev_idx], slot])
    string_value = _strings(str_vocab, str_codes)
    int_value = pa.array(
        np.where(slot == 0, (start_of_sess // 1_000_000)[sess][ev_idx], 0),
        type=pa.int64(),
        mask=slot != 0,
    )
    double_value = pa.array(np.nan_to_num(value[ev_idx]), type=pa.float64(), mask=slot != 5)
    float_value = pa.nulls(len(slot), pa.float64())
    value_struct = pa.StructArray.from_arrays(
        [string_value, int_value, float_value, double_value],
        names=["string_value", "int_value", "float_value", "double_value"],
    )
    params = pa.ListArray.from_arrays(
        pa.array(offsets), pa.StructArray.from_arrays([keys, value_struct], names=["key", "value"])
    )
    user = user_of_sess[sess]
    anon = rng.random(n_events) < anonymous_share
    users = _strings([f"u{i:07d}" for i in range(n_users)], user, mask=anon)
    # traffic_source: the user's first acquisition (source of an arbitrary session of theirs)
    user_src = np.full(n_users, len(SESSION_SOURCES) - 1)
    user_src[user_of_sess[::-1]] = src_of_sess[::-1]
    us = user_src[user]
    traffic = pa.StructArray.from_arrays(
        [
            _strings(
                [c or ("(direct)" if s is None else "(not set)") for s, _, c, _ in SESSION_SOURCES],
                us,
            ),
            _strings([m or "(none)" for m in mediums], us),
            _strings([s or "(direct)" for s in sources], us),
        ],
        names=["name", "medium", "source"],
    )
    day = ts // 86_400_000_000
    day_codes, day_vocab = (
        day - day.min(),
        np.arange(day.min(), day.max() + 1).astype("datetime64[D]"),
    )
    return pa.table(
        {
            "event_date": _strings([str(d).replace("-", "") for d in day_vocab], day_codes),
            "event_timestamp": pa.array(ts, type=pa.int64()),
            "event_name": _strings(names, kind),
            "event_params": params,
            "user_pseudo_id": users,
            "traffic_source": traffic,
            "event_value_in_usd": pa.array(np.nan_to_num(value), mask=~has_value),
        }
    )
