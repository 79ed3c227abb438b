"""Side by side: mmm's attribution against the ``channelattribution`` package.

Simulates an event log of at least one million journeys (a first-order channel chain with
channel-dependent conversion), builds the paths with ``mmm.attribution.paths_from_events``
(DuckDB) and runs, on the same aggregated path table:

* heuristics (first touch, last touch, linear): results must be equal;
* Markov (order 1, and order 2): ours is exact (a sparse linear solve), channelattribution
  simulates. Its noise is measured from runs with several seeds and, for order 1, from runs
  with 1e6 and 1e7 simulations: as its simulation count grows its results converge to ours.
  (Its ``seed`` argument barely changes order-1 results, so the seed-to-seed spread understates
  its noise; the distance between its 1e5 and 1e7 runs shows the real size.)

Needs the ``bench`` extra: ``.venv/bin/pip install channelattribution``.

Usage::

    .venv/bin/python benchmarks/mta_vs_channelattribution.py [--journeys 1000000] [--seeds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from mmm.attribution import first_touch, last_touch, linear, markov, paths_from_events, read_paths

CHANNELS = ["search", "social", "display", "email", "video", "affiliate", "direct", "tv", "radio"]


def simulate_events(n_journeys: int, seed: int) -> pa.Table:
    """Event log (arrow, no Python objects per event) of ``n_journeys`` journeys."""
    rng = np.random.default_rng(seed)
    k = len(CHANNELS)
    start_p = rng.dirichlet(np.ones(k))
    trans = rng.dirichlet(np.ones(k) * 0.7, size=k)
    stop = rng.uniform(0.25, 0.45, k)  # chance the journey ends after a touch on the channel
    conv_p = rng.uniform(0.02, 0.12, k)  # chance that the end is a conversion, by last channel
    state = rng.choice(k, size=n_journeys, p=start_p)
    alive = np.ones(n_journeys, dtype=bool)
    journey_ids, channels, steps = [], [], []
    step = 0
    cum = np.cumsum(trans, axis=1)
    converted = np.zeros(n_journeys, dtype=bool)
    while alive.any() and step < 20:
        idx = np.flatnonzero(alive)
        journey_ids.append(idx)
        channels.append(state[idx])
        steps.append(np.full(len(idx), step))
        ends = rng.random(len(idx)) < stop[state[idx]]
        converted[idx[ends]] = rng.random(int(ends.sum())) < conv_p[state[idx[ends]]]
        alive[idx[ends]] = False
        nxt = idx[~ends]
        u = rng.random(len(nxt))[:, None]
        state[nxt] = np.minimum((u > cum[state[nxt]]).sum(axis=1), k - 1)
        step += 1
    jid = np.concatenate(journey_ids)
    ch = np.concatenate(channels)
    st = np.concatenate(steps)
    order = np.lexsort((st, jid))
    jid, ch, st = jid[order], ch[order], st[order]
    last = np.r_[jid[1:] != jid[:-1], True]
    conversion = last & converted[jid]
    value = np.where(conversion, rng.gamma(2.0, 40.0, len(jid)), 0.0)
    # one journey per user; touches one hour apart
    ts = np.datetime64("2025-01-01T00:00:00") + (jid % 1000).astype("timedelta64[D]")
    ts = ts + st.astype("timedelta64[h]")
    return pa.table(
        {
            "user_id": pa.compute.cast(pa.array(jid), pa.string()),
            "timestamp": pa.array(ts),
            "channel": pa.DictionaryArray.from_arrays(
                pa.array(ch.astype(np.int32)), pa.array(CHANNELS)
            ).cast(pa.string()),
            "conversion": pa.array(conversion),
            "value": pa.array(value),
        }
    )


def timed(func, *args, **kwargs):
    start = time.perf_counter()
    out = func(*args, **kwargs)
    return out, time.perf_counter() - start


def quiet(func, *args, **kwargs):
    """Call a channelattribution function without its banners and progress lines."""
    with contextlib.redirect_stdout(io.StringIO()):
        return func(*args, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--journeys", type=int, default=1_000_000)
    parser.add_argument("--seeds", type=int, default=3, help="channelattribution Markov runs")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument(
        "--no-big-sims",
        dest="big_sims",
        action="store_false",
        help="skip the channelattribution runs with 1e6 and 1e7 simulations",
    )
    args = parser.parse_args()

    import ChannelAttribution as ca  # the bench extra; never imported by mmm itself

    events, t_sim = timed(simulate_events, args.journeys, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "events.parquet")
        pq.write_table(events, log)
        n_events = events.num_rows
        del events
        data, t_paths = timed(paths_from_events, log, lookback_days=3650)
    table = data.table
    n_journeys = int(table["conversions"].sum() + table["nulls"].sum())
    print(f"simulated {n_events:,} events in {n_journeys:,} journeys ({t_sim:.1f} s)")
    print(f"paths_from_events (DuckDB, Parquet -> {len(table):,} distinct paths): {t_paths:.2f} s")
    print(f"conversions {table['conversions'].sum():,.0f}, value {table['value'].sum():,.0f}\n")

    frame = pd.DataFrame(
        {
            "path": table["path"].astype(str),
            "conv": table["conversions"],
            "value": table["value"],
            "null": table["nulls"],
        }
    )
    ours_in = table.copy()

    # --- heuristics -----------------------------------------------------------------------
    def ours_heuristics():
        d = read_paths(ours_in)
        return {"first": first_touch(d), "last": last_touch(d), "linear": linear(d)}

    ours_h, t_ours_h = timed(ours_heuristics)
    theirs_h, t_theirs_h = timed(
        quiet, ca.heuristic_models, frame, "path", "conv", var_value="value", flg_pro=False
    )
    theirs_h = theirs_h.set_index("channel_name")
    print("heuristics (first, last, linear; conversions and value)")
    worst = 0.0
    for ours_key, theirs_key in (
        ("first", "first_touch"),
        ("last", "last_touch"),
        ("linear", "linear_touch"),
    ):
        mine = ours_h[ours_key].table.set_index("channel")
        for col, tcol in (("conversions", "_conversions"), ("value", "_value")):
            diff = (mine[col] - theirs_h[theirs_key + tcol].reindex(mine.index)).abs().max()
            worst = max(worst, float(diff))
    print(f"  max |ours - channelattribution| over channels: {worst:.3g}")
    print(
        f"  time: ours {t_ours_h:.2f} s  (incl. validation and path split)   "
        f"channelattribution {t_theirs_h:.2f} s\n"
    )

    # --- Markov -----------------------------------------------------------------------------
    def ca_markov(order: int, seed: int, nsim: float) -> tuple[pd.DataFrame, float]:
        out, t = timed(
            quiet,
            ca.markov_model,
            frame,
            "path",
            "conv",
            var_value="value",
            var_null="null",
            order=order,
            seed=seed,
            nsim_start=nsim,
            out_more=True,
            verbose=False,
            flg_pro=False,
        )
        res = out["result"].set_index("channel_name")
        effects = out["removal_effects"].set_index("channel_name")
        return pd.DataFrame(
            {"conversions": res["total_conversions"], "removal": effects.iloc[:, 0]}
        ), t

    def rel_diff(a: pd.Series, b: pd.Series) -> float:
        return float(((a - b).abs() / b).max())

    for order in (1, 2):
        result, t_ours_m = timed(lambda o=order: markov(read_paths(ours_in), order=o))
        mine = result.table.set_index("channel")["conversions"]
        mine_re = result.removal_effects.set_index("channel")["removal_effect"]
        runs = [ca_markov(order, s, 1e5) for s in range(args.seeds)]
        theirs = pd.concat([r[0]["conversions"].reindex(mine.index) for r in runs], axis=1)
        mean, sd = theirs.mean(axis=1), theirs.std(axis=1, ddof=1)
        print(f"Markov order {order} ({result.details['states']:,} states), conversions by channel")
        print(
            f"  {'channel':<10}{'ours':>12}{'CA mean':>12}{'CA sd':>10}   (CA: {args.seeds} seeds)"
        )
        for ch in mine.index:
            print(f"  {ch:<10}{mine[ch]:>12,.1f}{mean[ch]:>12,.1f}{sd[ch]:>10,.1f}")
        print(
            f"  time: ours {t_ours_m:.2f} s (exact, incl. validation and path split)   "
            f"channelattribution {np.mean([r[1] for r in runs]):.2f} s per run "
            "(simulation, default nsim_start=1e5)"
        )
        print(
            f"  max relative difference, ours vs CA runs: {rel_diff(mine, mean):.2%} (mean), "
            + ", ".join(f"{rel_diff(mine, theirs.iloc[:, i]):.2%}" for i in range(args.seeds))
        )
        print(
            f"  max relative difference between CA's own runs: "
            f"{float(((theirs.max(axis=1) - theirs.min(axis=1)) / mean).max()):.2%}"
        )
        if order == 1 and args.big_sims:
            print("  CA with more simulations (it should converge to the exact answer):")
            base = runs[0][0]["conversions"].reindex(mine.index)
            for nsim in (1e6, 1e7):
                big, t = ca_markov(order, 0, nsim)
                conv = big["conversions"].reindex(mine.index)
                re_diff = float((big["removal"].reindex(mine.index) - mine_re).abs().max())
                print(
                    f"    nsim_start={nsim:.0e}: {t:.2f} s; max rel. diff ours vs CA "
                    f"{rel_diff(mine, conv):.2%}, CA(1e5) vs CA({nsim:.0e}) "
                    f"{rel_diff(base, conv):.2%}; max |removal effect diff| {re_diff:.4f}"
                )
        print()


if __name__ == "__main__":
    main()
