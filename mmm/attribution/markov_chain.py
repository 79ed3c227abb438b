"""Markov-chain attribution of order 1 to 4 with exact removal effects.

The journeys define an absorbing Markov chain: a ``(start)`` state, one transient state per
history of the last ``k`` channels (shorter at the start of a path), and two absorbing states,
``(conversion)`` and ``(null)``. Every path contributes its ``conversions + nulls`` journeys to
each of its transitions; its last state moves to ``(conversion)`` with weight ``conversions``
and to ``(null)`` with weight ``nulls``.

The probability of conversion from ``(start)`` solves the linear system ``(I - Q) a = r`` where
``Q`` holds the transient-to-transient probabilities and ``r`` the probabilities of moving to
``(conversion)``. Removing a channel turns every state whose history contains it into
``(null)``; the removal effect is ``1 - a_removed / a``. Both are sparse linear solves (SciPy:
LU up to ``DIRECT_MAX_STATES`` states, GMRES to a relative residual of 1e-13 beyond), so the
result is exact to double precision, with no simulation noise. The value chain replaces ``r``
by the expected conversion value collected on leaving each state, which gives value removal
effects.
Attributed conversions (value) are the total split in proportion to the removal effects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.linalg import gmres, splu

from mmm.attribution.heuristics import Attribution, channel_table
from mmm.attribution.paths import PathData
from mmm.errors import MmmError

MAX_ORDER = 4
DIRECT_MAX_STATES = 3000  # above this, sparse LU fills in badly: use GMRES to 1e-13


def _solve(system: sp.csc_matrix, rhs: np.ndarray) -> np.ndarray:
    """Solve ``system @ x = rhs`` (2-D rhs): sparse LU for small chains, GMRES for large ones.

    Higher-order chains have thousands of states and LU fill-in makes the factorisation nearly
    dense; restarted GMRES to a relative residual of 1e-13 is exact to double precision for
    these well-conditioned absorbing chains, and falls back to LU if it does not converge.
    """
    if system.shape[0] <= DIRECT_MAX_STATES:
        return splu(system).solve(rhs)
    out = np.empty_like(rhs)
    for j in range(rhs.shape[1]):
        if not rhs[:, j].any():
            out[:, j] = 0.0
            continue
        x, info = gmres(system, rhs[:, j], rtol=1e-13, atol=0.0, restart=60, maxiter=2000)
        if info != 0:
            return splu(system).solve(rhs)
        out[:, j] = x
    return out


def _state_codes(channel: np.ndarray, position: np.ndarray, order: int, n: int) -> np.ndarray:
    """Integer code of each touch's history of the last ``order`` channels."""
    base = np.int64(n + 1)
    if order * np.log(float(base)) >= np.log(2.0**62):
        raise MmmError(
            f"too many channels ({n}) for a Markov chain of order {order}; lower the order",
            key="order",
        )
    code = np.zeros(len(channel), dtype=np.int64)
    for j in range(order):
        shifted = np.zeros(len(channel), dtype=np.int64)
        if j:
            shifted[j:] = channel[:-j] + 1
        else:
            shifted = channel + 1
        code += np.where(position >= j, shifted, 0) * base**j
    return code


def _decode(code: int, order: int, n: int, channels: list[str]) -> tuple[str, ...]:
    parts = []
    for _ in range(order):
        digit = code % (n + 1)
        code //= n + 1
        if digit:
            parts.append(channels[digit - 1])
    return tuple(reversed(parts))


def markov(data: PathData, order: int = 1, transition_matrix: bool = False) -> Attribution:
    """Markov-chain attribution with removal effects from the absorbing chain.

    Parameters
    ----------
    data : PathData
        Aggregated paths; ``nulls`` (non-converting journeys) matter here.
    order : int, default 1
        Memory of the chain, 1 to 4: a state is the sequence of the last ``order`` channels.
    transition_matrix : bool, default False
        Also return the transition probabilities between states.

    Returns
    -------
    Attribution
        ``removal_effects`` holds the conversion and value removal effects;
        ``details["conversion_probability"]`` the chain's probability of conversion.
    """
    if not isinstance(order, int | np.integer) or not 1 <= order <= MAX_ORDER:
        raise MmmError(f"Markov order must be 1, 2, 3 or 4, got {order}", key="order")
    t = data.touches()
    n = len(t.channels)
    conv = data.table["conversions"].to_numpy(dtype=float)
    nulls = data.table["nulls"].to_numpy(dtype=float)
    value = data.table["value"].to_numpy(dtype=float)
    weight = conv + nulls

    code = _state_codes(t.channel, t.position, order, n)
    state_codes, state = np.unique(code, return_inverse=True)
    state = state.astype(np.int64) + 1  # 0 is (start)
    n_states = len(state_codes) + 1
    prev = np.empty_like(state)
    prev[0] = 0
    prev[1:] = state[:-1]
    prev = np.where(t.position == 0, 0, prev)
    w = weight[t.path_id]
    last = t.position == t.length[t.path_id] - 1
    last_state = state[last]  # touches are sorted by path, so this is path order

    # drop self-loops: they do not change absorption probabilities, only slow nothing down
    keep = prev != state
    counts = sp.coo_matrix((w[keep], (prev[keep], state[keep])), shape=(n_states, n_states)).tocsr()
    to_conv = np.bincount(last_state, weights=conv, minlength=n_states)
    to_null = np.bincount(last_state, weights=nulls, minlength=n_states)
    conv_value = np.bincount(last_state, weights=value, minlength=n_states)
    out = np.asarray(counts.sum(axis=1)).ravel() + to_conv + to_null
    out_safe = np.where(out > 0, out, 1.0)
    q = sp.diags(1.0 / out_safe) @ counts
    rhs = np.column_stack([to_conv / out_safe, conv_value / out_safe])

    system = (sp.identity(n_states, format="csc") - q.tocsc()).tocsc()
    base = _solve(system, rhs)[0]
    p_conv, v_start = float(base[0]), float(base[1])

    # which states' histories contain which channel
    rows, cols = [], []
    for j in range(order):
        idx = np.flatnonzero(t.position >= j)
        rows.append(state[idx])
        cols.append(t.channel[idx - j])
    member = sp.coo_matrix(
        (np.ones(sum(len(r) for r in rows)), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_states, n),
    ).tocsc()
    removal = np.zeros((n, 2))
    for c in range(n):
        contains = np.zeros(n_states, dtype=bool)
        contains[member[:, c].indices] = True
        kept = np.flatnonzero(~contains)
        sub = system[kept][:, kept].tocsc()
        solved = _solve(sub, rhs[kept])[0]
        removal[c] = [
            1.0 - solved[0] / p_conv if p_conv > 0 else 0.0,
            1.0 - solved[1] / v_start if v_start > 0 else 0.0,
        ]

    re_conv, re_value = removal[:, 0], removal[:, 1]
    conv_share = re_conv / re_conv.sum() if re_conv.sum() > 0 else np.zeros(n)
    value_share = re_value / re_value.sum() if re_value.sum() > 0 else np.zeros(n)
    table = channel_table(
        t.channels,
        conv_share * data.total_conversions,
        value_share * data.total_value,
        data.total_conversions,
    )
    effects = pd.DataFrame(
        {"channel": t.channels, "removal_effect": re_conv, "removal_effect_value": re_value}
    )
    matrix = None
    if transition_matrix:
        matrix = _transition_frame(q, to_conv, to_null, out_safe, state_codes, order, n, t)
    return Attribution(
        model="markov",
        table=table,
        removal_effects=effects,
        transition_matrix=matrix,
        details={"order": order, "conversion_probability": p_conv, "states": n_states - 1},
    )


def _transition_frame(q, to_conv, to_null, out, state_codes, order, n, t) -> pd.DataFrame:
    labels = ["(start)"] + [",".join(_decode(int(c), order, n, t.channels)) for c in state_codes]
    coo = q.tocoo()
    frames = [
        pd.DataFrame(
            {
                "from": np.asarray(labels, dtype=object)[coo.row],
                "to": np.asarray(labels, dtype=object)[coo.col],
                "probability": coo.data,
            }
        )
    ]
    for target, mass in (("(conversion)", to_conv), ("(null)", to_null)):
        idx = np.flatnonzero(mass > 0)
        frames.append(
            pd.DataFrame(
                {
                    "from": np.asarray(labels, dtype=object)[idx],
                    "to": target,
                    "probability": mass[idx] / out[idx],
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    return frame.sort_values(["from", "to"], ignore_index=True)
