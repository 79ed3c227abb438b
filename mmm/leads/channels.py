"""UTM parameters -> marketing channel, with a default grouping modelled on GA4's.

Rules are evaluated in order; the first that matches names the channel. Each rule holds
case-insensitive full-match regular expressions on source, medium and campaign, combined with
``all`` (every given pattern must match) or ``any``. Classification runs once per distinct
(source, medium, campaign) triple and is mapped back, so millions of rows cost little.

A YAML file can put its own rules before the defaults (or replace them)::

    default_rules: true          # keep the GA4-like rules after yours (default true)
    rules:
      - {channel: Partners, source: "partner\\\\.com|reseller.*"}
      - {channel: Events, medium: "event|booth", campaign: ".*summit.*", match: any}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_plus

import numpy as np
import pandas as pd
import yaml

from mmm.errors import ConfigError

SEARCH = r"google|bing|yahoo|duckduckgo|baidu|yandex|ecosia|naver|ask|aol|search\..*|.*\.google\..*"
SOCIAL = (
    r"facebook|fb|m\.facebook\.com|l\.facebook\.com|instagram|ig|linkedin|lnkd\.in|twitter|t\.co|x"
    r"|reddit|pinterest|tiktok|snapchat|quora|threads|mastodon|.*social.*"
)
VIDEO = r"youtube|vimeo|twitch|dailymotion|wistia"
SHOPPING = r"amazon|ebay|etsy|shopify|walmart|google shopping|shopping"
PAID = r".*cp.*|ppc|retargeting|paid.*"


@dataclass(frozen=True)
class Rule:
    """One channel rule (patterns are case-insensitive full matches; None = not used)."""

    channel: str
    source: str | None = None
    medium: str | None = None
    campaign: str | None = None
    match: str = "all"


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("Direct", source=r"\(direct\)|direct", medium=r"\(none\)|\(not set\)|none"),
    Rule("Paid Shopping", source=SHOPPING, medium=PAID),
    Rule("Paid Search", source=SEARCH, medium=PAID),
    Rule("Paid Social", source=SOCIAL, medium=PAID),
    Rule("Paid Video", source=VIDEO, medium=PAID),
    Rule("Display", medium=r"display|banner|expandable|interstitial|cpm"),
    Rule("Paid Other", medium=PAID),
    Rule("Organic Shopping", source=SHOPPING),
    Rule(
        "Organic Social",
        source=SOCIAL,
        medium=r"social|social-network|social-media|sm|social network|social media",
        match="any",
    ),
    Rule("Organic Video", source=VIDEO, medium=r".*video.*", match="any"),
    Rule("Organic Search", source=SEARCH, medium="organic", match="any"),
    Rule("Referral", medium=r"referral|app|link"),
    Rule(
        "Email",
        source=r"email|e-mail|e_mail|e mail|newsletter",
        medium=r"email|e-mail|e_mail|e mail",
        match="any",
    ),
    Rule("Affiliates", medium=r"affiliates?"),
    Rule("Audio", medium="audio|podcast"),
    Rule("SMS", source="sms", medium="sms", match="any"),
    Rule("Mobile Push Notifications", medium=r".*push$|.*mobile.*|.*notification.*"),
)
UNASSIGNED = "Unassigned"

#: Self-reported "how did you hear about us" keywords -> channel (first match wins).
DEFAULT_SELF_REPORTED: dict[str, str] = {
    r"podcast|radio|spotify": "Audio",
    r"linkedin|facebook|twitter|instagram|tiktok|reddit|social|youtube": "Organic Social",
    r"google|bing|search|chatgpt|ai assistant": "Organic Search",
    r"friend|colleague|word of mouth|recommend|referr|partner": "Word of Mouth",
    r"event|conference|webinar|trade ?show|meetup|summit": "Events",
    r"newsletter|e-?mail": "Email",
    r"\bads?\b|advert|banner|billboard|\btv\b": "Advertising",
}


def load_channel_rules(path: str | Path) -> tuple[Rule, ...]:
    """Read channel rules from YAML (see the module docstring).

    Raises
    ------
    ConfigError
        On a missing file, unknown key, bad ``match`` or a regex that does not compile.
    """
    source = str(path)
    try:
        raw = yaml.safe_load(Path(path).read_text()) or {}
    except FileNotFoundError:
        raise ConfigError("channel rules file not found", source=source) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", source=source) from None
    if not isinstance(raw, dict) or set(raw) - {"rules", "default_rules"}:
        extra = set(raw) - {"rules", "default_rules"} if isinstance(raw, dict) else set()
        raise ConfigError(
            f"expected keys 'rules' and 'default_rules', got {sorted(extra)}", source=source
        )
    rules = []
    for i, item in enumerate(raw.get("rules") or []):
        key = f"rules[{i}]"
        if not isinstance(item, dict) or "channel" not in item:
            raise ConfigError("each rule needs a 'channel'", source=source, key=key)
        unknown = set(item) - {"channel", "source", "medium", "campaign", "match"}
        if unknown:
            raise ConfigError(f"unknown rule key(s) {sorted(unknown)}", source=source, key=key)
        if item.get("match", "all") not in ("all", "any"):
            raise ConfigError("'match' must be 'all' or 'any'", source=source, key=f"{key}.match")
        for part in ("source", "medium", "campaign"):
            if item.get(part) is not None:
                try:
                    re.compile(str(item[part]))
                except re.error as exc:
                    raise ConfigError(
                        f"bad regex: {exc}", source=source, key=f"{key}.{part}"
                    ) from None
        rules.append(
            Rule(
                str(item["channel"]),
                *(
                    None if item.get(p) is None else str(item[p])
                    for p in ("source", "medium", "campaign")
                ),
                match=item.get("match", "all"),
            )
        )
    if raw.get("default_rules", True):
        rules.extend(DEFAULT_RULES)
    return tuple(rules)


def _norm(values: pd.Series, missing: str) -> pd.Series:
    return values.astype("string").str.strip().str.lower().fillna(missing).replace("", missing)


def classify(
    source: pd.Series,
    medium: pd.Series,
    campaign: pd.Series | None = None,
    rules: tuple[Rule, ...] | None = None,
) -> pd.Series:
    """Channel of each (source, medium, campaign); missing source/medium count as direct.

    Parameters
    ----------
    source, medium : Series
        UTM source and medium (or GA4 session source / medium).
    campaign : Series, optional
        Campaign names (used by rules with a campaign pattern).
    rules : tuple of Rule, optional
        Ordered rules; :data:`DEFAULT_RULES` when not given.

    Returns
    -------
    Series of str
        Channel names, ``"Unassigned"`` where no rule matched, same index as ``source``.
    """
    rules = DEFAULT_RULES if rules is None else rules
    if campaign is None:
        campaign = pd.Series(pd.NA, index=source.index, dtype="string")
    # factorize each column, classify each distinct triple once, map back by integer code
    key = np.zeros(len(source), dtype=np.int64)
    parts = {}
    for name, col, missing in (
        ("source", source, "(direct)"),
        ("medium", medium, "(none)"),
        ("campaign", campaign, "(not set)"),
    ):
        codes, values = pd.factorize(col.to_numpy(), use_na_sentinel=True)
        key = key * (len(values) + 1) + (codes + 1)
        normed = _norm(pd.Series(values, dtype="string"), missing).to_numpy(dtype=object)
        parts[name] = (codes, normed if len(normed) else np.array([missing], dtype=object))
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    frame = pd.DataFrame(
        {
            name: np.where(codes[first] >= 0, values[np.maximum(codes[first], 0)], missing)
            for (name, (codes, values)), missing in zip(
                parts.items(), ("(direct)", "(none)", "(not set)"), strict=True
            )
        }
    )
    uniq = frame.astype("string")
    channel = np.full(len(uniq), None, dtype=object)
    for rule in rules:
        tests = [
            uniq[part].str.fullmatch(pattern, case=False).to_numpy(bool)
            for part, pattern in (
                ("source", rule.source),
                ("medium", rule.medium),
                ("campaign", rule.campaign),
            )
            if pattern is not None
        ]
        if not tests:
            continue
        hit = np.logical_and.reduce(tests) if rule.match == "all" else np.logical_or.reduce(tests)
        channel[hit & (channel == None)] = rule.channel  # noqa: E711
    labels = np.where(channel == None, UNASSIGNED, channel)  # noqa: E711
    return pd.Series(labels[inverse], index=source.index, name="channel", dtype="string")


def parse_utm(urls: pd.Series) -> pd.DataFrame:
    """UTM parameters of landing-page URLs (vectorized).

    A ``gclid`` without ``utm_source`` is read as google / cpc (auto-tagged Google Ads);
    ``fbclid`` / ``li_fat_id`` without UTM tags as facebook / linkedin with medium ``paid``.

    Returns
    -------
    DataFrame
        ``utm_source``, ``utm_medium``, ``utm_campaign`` (missing where absent), same index.
    """
    s = urls.astype("string")
    out = pd.DataFrame(index=urls.index)
    for key in ("utm_source", "utm_medium", "utm_campaign"):
        raw = s.str.extract(rf"[?&]{key}=([^&#]*)", expand=False)
        uniq = raw.dropna().unique()
        decoded = {v: unquote_plus(v) for v in uniq}
        out[key] = raw.map(decoded).astype("string")
    for click, src, med in (
        ("gclid", "google", "cpc"),
        ("fbclid", "facebook", "paid"),
        ("li_fat_id", "linkedin", "paid"),
    ):
        has = s.str.contains(rf"[?&]{click}=", regex=True).fillna(False).to_numpy(bool)
        fill = has & out["utm_source"].isna().to_numpy()
        out.loc[fill, "utm_source"] = src
        out.loc[fill, "utm_medium"] = med
    return out


def self_reported_channel(
    answers: pd.Series, mapping: Mapping[str, str] | None = None, other: str = "Other"
) -> pd.Series:
    """Map free-text "how did you hear about us" answers to channels by keyword.

    Parameters
    ----------
    answers : Series of str
        The self-reported field.
    mapping : mapping, optional
        Regex (searched, case-insensitive) -> channel; :data:`DEFAULT_SELF_REPORTED` if None.
    other : str
        Channel for answers no pattern matches. Missing answers stay missing.

    Returns
    -------
    Series of str
    """
    mapping = DEFAULT_SELF_REPORTED if mapping is None else mapping
    text = answers.astype("string")
    uniq = pd.Series(text.dropna().unique(), dtype="string")
    result = pd.Series(pd.NA, index=uniq.index, dtype="string")
    for pattern, channel in mapping.items():
        hit = (
            uniq.str.contains(pattern, case=False, regex=True).to_numpy(bool)
            & result.isna().to_numpy()
        )
        result[hit] = channel
    result = result.fillna(other)
    lookup = dict(zip(uniq.tolist(), result.tolist(), strict=True))
    return text.map(lookup).astype("string")
