"""Lead tracking: CRM funnel analytics by source channel and journey connectors.

- :func:`read_leads` / :func:`validate_leads`: CRM export -> canonical lead table.
- :func:`funnel_report`: stage counts, cohort-correct rates, velocity, revenue ranking.
- :func:`account_view`: marketing-qualified accounts and the account funnel.
- :func:`weekly_aggregates`: weekly MQLs / SQLs / won revenue per channel for an MMM target.
- :func:`campaign_influence`: first / last / linear touch credit of won revenue.
- :func:`ga4_event_log`: GA4 BigQuery export -> attribution event log.
- :func:`simulate_crm`: CRM exports with known true rates and delays.
"""

from __future__ import annotations

from mmm._lazy import lazy_exports

# Exports load on first use, so importing one submodule (or the CLI) stays cheap.
_EXPORTS = {
    "account_view": "accounts",
    "classify": "channels",
    "parse_utm": "channels",
    "self_reported_channel": "channels",
    "funnel_report": "funnel",
    "ga4_event_log": "ga4",
    "write_event_log": "ga4",
    "campaign_influence": "influence",
    "load_mapping": "schema",
    "read_leads": "schema",
    "validate_leads": "schema",
    "simulate_crm": "simulate",
    "weekly_aggregates": "weekly",
}

__all__ = list(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
