"""The ways leads can be grouped (``mmm funnel --by``)."""

#: ``--by`` choices: lead-table columns, plus ``channel`` (UTM source/medium grouping) and
#: ``self_reported_channel`` (the self-reported answer mapped to a channel by keyword).
GROUPINGS = (
    "first_touch",
    "last_touch",
    "channel",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "self_reported",
    "self_reported_channel",
    "account_id",
)
