"""Lead tracking: CRM funnel analytics by source channel and journey connectors.

- :func:`read_leads` / :func:`validate_leads`: CRM export -> canonical lead table.
- :func:`funnel_report`: stage counts, cohort-correct rates, velocity, revenue ranking.
- :func:`account_view`: marketing-qualified accounts and the account funnel.
- :func:`weekly_aggregates`: weekly MQLs / SQLs / won revenue per channel for an MMM target.
- :func:`campaign_influence`: first / last / linear touch credit of won revenue.
- :func:`ga4_event_log`: GA4 BigQuery export -> attribution event log.
- :func:`simulate_crm`: CRM exports with known true rates and delays.
"""

from mmm.leads.accounts import account_view
from mmm.leads.channels import classify, parse_utm, self_reported_channel
from mmm.leads.funnel import funnel_report
from mmm.leads.ga4 import ga4_event_log, write_event_log
from mmm.leads.influence import campaign_influence
from mmm.leads.schema import load_mapping, read_leads, validate_leads
from mmm.leads.simulate import simulate_crm
from mmm.leads.weekly import weekly_aggregates

__all__ = [
    "account_view",
    "campaign_influence",
    "classify",
    "funnel_report",
    "ga4_event_log",
    "load_mapping",
    "parse_utm",
    "read_leads",
    "self_reported_channel",
    "simulate_crm",
    "validate_leads",
    "weekly_aggregates",
    "write_event_log",
]
