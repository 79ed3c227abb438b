"""UTM -> channel grouping, custom rules, landing-page parsing, self-reported answers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mmm.errors import ConfigError
from mmm.leads.channels import (
    DEFAULT_RULES,
    classify,
    load_channel_rules,
    parse_utm,
    self_reported_channel,
)

CASES = [
    ("google", "cpc", "Paid Search"),
    ("Google", "CPC", "Paid Search"),
    ("bing", "ppc", "Paid Search"),
    ("google", "organic", "Organic Search"),
    ("linkedin", "paid", "Paid Social"),
    ("facebook", "cpc", "Paid Social"),
    ("facebook", "referral", "Organic Social"),
    ("youtube", "cpc", "Paid Video"),
    ("criteo", "display", "Display"),
    ("adnetwork", "cpm", "Display"),
    ("newsletter", "email", "Email"),
    ("partner.com", "referral", "Referral"),
    ("partnerstack", "affiliate", "Affiliates"),
    ("(direct)", "(none)", "Direct"),
    (None, None, "Direct"),
    ("spotify", "audio", "Audio"),
    ("something", "weird", "Unassigned"),
]


def test_default_grouping() -> None:
    src = pd.Series([c[0] for c in CASES])
    med = pd.Series([c[1] for c in CASES])
    assert classify(src, med).tolist() == [c[2] for c in CASES]


def test_custom_rules_come_first(tmp_path: Path) -> None:
    cfg = tmp_path / "channels.yaml"
    cfg.write_text(
        "rules:\n"
        "  - {channel: Partners, source: 'partner\\.com|reseller.*'}\n"
        "  - {channel: Events, medium: booth, campaign: '.*summit.*', match: any}\n"
    )
    rules = load_channel_rules(cfg)
    assert len(rules) == 2 + len(DEFAULT_RULES)
    out = classify(
        pd.Series(["partner.com", "x", "google"]),
        pd.Series(["referral", "email", "cpc"]),
        pd.Series([None, "Q3_summit_2025", None]),
        rules,
    )
    assert out.tolist() == ["Partners", "Events", "Paid Search"]


def test_rules_without_defaults(tmp_path: Path) -> None:
    cfg = tmp_path / "channels.yaml"
    cfg.write_text("default_rules: false\nrules:\n  - {channel: Search, medium: cpc|organic}\n")
    out = classify(
        pd.Series(["google", "x"]), pd.Series(["cpc", "email"]), rules=load_channel_rules(cfg)
    )
    assert out.tolist() == ["Search", "Unassigned"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules:\n  - {medium: cpc}\n", "each rule needs a 'channel'"),
        ("rules:\n  - {channel: X, medum: cpc}\n", "unknown rule key"),
        ("rules:\n  - {channel: X, medium: '(cpc'}\n", "bad regex"),
        ("rules:\n  - {channel: X, medium: cpc, match: some}\n", "'match' must be 'all' or 'any'"),
        ("rulez: []\n", "expected keys 'rules' and 'default_rules'"),
    ],
)
def test_bad_rules(tmp_path: Path, text: str, message: str) -> None:
    cfg = tmp_path / "channels.yaml"
    cfg.write_text(text)
    with pytest.raises(ConfigError, match=message) as exc:
        load_channel_rules(cfg)
    assert exc.value.source == str(cfg)


def test_parse_utm() -> None:
    urls = pd.Series(
        [
            "https://a.com/p?utm_source=google&utm_medium=cpc&utm_campaign=spring%20sale",
            "https://a.com/?x=1&utm_source=news+letter&utm_medium=email#top",
            "https://a.com/?gclid=abc",
            "https://a.com/",
            None,
        ]
    )
    out = parse_utm(urls)
    assert out["utm_source"].tolist()[:3] == ["google", "news letter", "google"]
    assert out["utm_medium"].tolist()[:3] == ["cpc", "email", "cpc"]
    assert out.loc[0, "utm_campaign"] == "spring sale"
    assert out.iloc[3:].isna().all().all()


def test_self_reported() -> None:
    answers = pd.Series(
        [
            "Heard it on a podcast",
            "My colleague told me",
            "Googled it",
            "LinkedIn post",
            None,
            "???",
        ]
    )
    out = self_reported_channel(answers)
    assert out.tolist()[:4] == ["Audio", "Word of Mouth", "Organic Search", "Organic Social"]
    assert pd.isna(out.iloc[4])
    assert out.iloc[5] == "Other"
    assert self_reported_channel(answers, {"podcast": "Pod"}, other="?").tolist()[0] == "Pod"


def test_example_rules_file_loads() -> None:
    rules = load_channel_rules(Path(__file__).parents[2] / "configs" / "leads" / "channels.yaml")
    out = classify(
        pd.Series(["partner.com", "x", "bing"]),
        pd.Series(["referral", "booth", "sem"]),
        rules=rules,
    )
    assert out.tolist() == ["Partners", "Events", "Paid Search"]
