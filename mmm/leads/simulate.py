"""Synthetic CRM exports with known true stage rates and delays (the recovery tests' truth)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mmm.leads.schema import STAGES

TRANSITIONS: tuple[tuple[str, str], ...] = tuple(
    zip(("created", *STAGES[:-1]), STAGES, strict=True)
)


@dataclass(frozen=True)
class ChannelTruth:
    """True behaviour of the leads of one source channel.

    Attributes
    ----------
    share : float
        Share of all leads.
    rates : tuple of float
        Probability of each transition in :data:`TRANSITIONS` (lead->MQL ... pipeline->won).
    deal_mean : float
        Mean deal value (lognormal, coefficient of variation 0.5).
    utm : tuple of str
        (utm_source, utm_medium) the channel's leads arrive with.
    """

    share: float
    rates: tuple[float, float, float, float, float]
    deal_mean: float
    utm: tuple[str, str]


DEFAULT_CHANNELS: dict[str, ChannelTruth] = {
    "Paid Search": ChannelTruth(0.30, (0.50, 0.40, 0.50, 0.70, 0.35), 20_000, ("google", "cpc")),
    "Paid Social": ChannelTruth(0.35, (0.60, 0.20, 0.35, 0.60, 0.25), 12_000, ("linkedin", "paid")),
    "Organic Search": ChannelTruth(
        0.15, (0.40, 0.45, 0.55, 0.70, 0.40), 25_000, ("google", "organic")
    ),
    "Email": ChannelTruth(0.10, (0.55, 0.30, 0.40, 0.60, 0.30), 15_000, ("newsletter", "email")),
    "Referral": ChannelTruth(
        0.10, (0.35, 0.60, 0.60, 0.75, 0.50), 40_000, ("partner.com", "referral")
    ),
}
#: Mean days of each transition (gamma, shape 2).
DEFAULT_DELAYS: tuple[float, float, float, float, float] = (5.0, 10.0, 14.0, 20.0, 40.0)
SELF_REPORTED = ("Google search", "LinkedIn", "A colleague", "Podcast", "Newsletter")


@dataclass(frozen=True)
class CrmTruth:
    """What the simulator used: per-channel rates, delays and the export date."""

    channels: dict[str, ChannelTruth]
    delays: tuple[float, ...]
    as_of: pd.Timestamp
    lost_share: float = 0.6
    notes: list[str] = field(default_factory=list)

    def rates(self) -> pd.DataFrame:
        """True transition rates: one row per channel plus ``overall`` (share-weighted)."""
        names = [f"{a if a != 'created' else 'lead'}->{b}" for a, b in TRANSITIONS]
        rows = {c: dict(zip(names, t.rates, strict=True)) for c, t in self.channels.items()}
        shares = np.array([t.share for t in self.channels.values()])
        rates = np.array([t.rates for t in self.channels.values()])
        reach = np.cumprod(np.column_stack([np.ones(len(shares)), rates]), axis=1)
        entered = shares[:, None] * reach[:, :-1]
        overall = (entered * rates).sum(0) / entered.sum(0)
        rows["overall"] = dict(zip(names, overall, strict=True))
        return pd.DataFrame(rows).T


def simulate_crm(
    rng: np.random.Generator,
    n_leads: int = 20_000,
    *,
    start: str = "2025-01-06",
    days: int = 365,
    channels: dict[str, ChannelTruth] | None = None,
    delays: tuple[float, ...] = DEFAULT_DELAYS,
    lost_share: float = 0.6,
    leads_per_account: float = 4.0,
) -> tuple[pd.DataFrame, CrmTruth]:
    """Simulate a CRM export, one row per lead, cut off at ``start + days``.

    Leads arrive uniformly over the period. Each moves to the next stage with its channel's
    probability after a gamma(shape 2) delay; a lead that stops is marked lost with probability
    ``lost_share`` some weeks later. Dates after the export date are blank, so recent cohorts
    are right-censored exactly as in a real export.

    Parameters
    ----------
    rng : numpy Generator
        Source of randomness.
    n_leads : int
        Number of leads.
    start : str
        First created date.
    days : int
        Length of the period; the export date is ``start + days``.
    channels : dict, optional
        Channel name -> :class:`ChannelTruth` (default :data:`DEFAULT_CHANNELS`).
    delays : tuple of float
        Mean days of each transition.
    lost_share : float
        Share of stopped leads that get a lost date.
    leads_per_account : float
        Mean contacts per account.

    Returns
    -------
    (DataFrame, CrmTruth)
        The export with canonical column names, and the truth.
    """
    channels = channels or DEFAULT_CHANNELS
    names = list(channels)
    shares = np.array([channels[c].share for c in names], float)
    ch = rng.choice(len(names), size=n_leads, p=shares / shares.sum())
    rates = np.array([channels[c].rates for c in names])[ch]
    t0 = np.datetime64(start, "D")
    as_of = t0 + np.timedelta64(days, "D")
    t = rng.uniform(0, days, n_leads)
    dates = {"created": t.copy()}
    alive = np.ones(n_leads, bool)
    last = t.copy()
    for j, (_, stage) in enumerate(TRANSITIONS):
        alive &= rng.random(n_leads) < rates[:, j]
        step = rng.gamma(2.0, delays[j] / 2.0, n_leads)
        t = np.where(alive, t + step, np.nan)
        dates[stage] = t
        last = np.where(alive, t, last)
    stopped = np.isnan(dates["won"])
    lost = stopped & (rng.random(n_leads) < lost_share)
    dates["lost"] = np.where(lost, last + rng.gamma(2.0, 15.0, n_leads), np.nan)

    def to_date(x: np.ndarray) -> np.ndarray:
        d = t0 + np.floor(np.nan_to_num(x, nan=0)).astype("timedelta64[D]")
        return np.where(np.isnan(x) | (d > as_of), np.datetime64("NaT"), d)

    cv = 0.5
    sigma = np.sqrt(np.log1p(cv**2))
    deal_mean = np.array([channels[c].deal_mean for c in names])[ch]
    deal = np.round(deal_mean * np.exp(rng.normal(-(sigma**2) / 2, sigma, n_leads)), -1)
    opp = ~np.isnan(dates["opportunity"]) & (to_date(dates["opportunity"]) <= as_of)
    n_acc = max(1, int(n_leads / leads_per_account))
    size = rng.lognormal(0.0, 1.0, n_acc)
    account = rng.choice(n_acc, size=n_leads, p=size / size.sum())
    camp = rng.integers(1, 4, n_leads)
    ch_names = np.array(names, dtype=object)[ch]
    last_touch = np.where(
        rng.random(n_leads) < 0.3,
        np.array(names, object)[rng.integers(0, len(names), n_leads)],
        ch_names,
    )
    utm = np.array([channels[c].utm for c in names], dtype=object)[ch]
    slug = pd.Series(ch_names).str.lower().str.replace(" ", "_", regex=False)
    self_rep = np.array([*SELF_REPORTED, None], dtype=object)[rng.integers(0, 6, n_leads)]
    df = pd.DataFrame(
        {
            "lead_id": [f"L{i:07d}" for i in range(n_leads)],
            "account_id": [f"A{a:06d}" for a in account],
            "first_touch": ch_names,
            "last_touch": last_touch,
            "utm_source": utm[:, 0],
            "utm_medium": utm[:, 1],
            "utm_campaign": slug + "_" + pd.Series(camp).astype(str),
            "self_reported": self_rep,
        }
    )
    for name in ("created", *STAGES, "lost"):
        df[name] = pd.to_datetime(to_date(dates[name]))
    df["deal_value"] = np.where(opp, deal, np.nan)
    df = df.sort_values("created", kind="stable").reset_index(drop=True)
    truth = CrmTruth(dict(channels), tuple(delays), pd.Timestamp(as_of), lost_share)
    return df, truth
