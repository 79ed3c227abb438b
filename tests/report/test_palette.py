"""One channel-to-colour mapping for every report: by name, distinct within a report."""

from __future__ import annotations

from mmm.report.palette import CHANNEL_COLORS, channel_colors, preferred_slot


def test_a_channel_keeps_its_colour_whatever_the_order_and_spelling():
    a = channel_colors(["tv", "Paid Social", "search"])
    b = channel_colors(["search", "tv", "Paid Social"])
    assert a == b
    assert (
        channel_colors(["paid_social"])["paid_social"]
        == channel_colors(["Paid Social"])["Paid Social"]
    )
    assert list(a) == ["tv", "Paid Social", "search"]  # the caller's order is kept


def test_a_channel_alone_gets_its_preferred_slot_and_others_do_not_move_it():
    for name in ("tv", "email", "Organic Search", "affiliates"):
        expected = CHANNEL_COLORS[preferred_slot(name)]
        assert channel_colors([name])[name] == expected
    # Adding channels that sort after 'aaa' never moves it.
    alone = channel_colors(["aaa"])["aaa"]
    assert channel_colors(["aaa", "zz1", "zz2", "zz3"])["aaa"] == alone


def test_colours_are_distinct_up_to_ten_channels():
    names = [f"channel {i}" for i in range(10)]
    assert len(set(channel_colors(names).values())) == 10
    assert len(set(channel_colors([*names, "one more"]).values())) == 10  # cycles past ten
