"""Small hand-made lead tables shared by the lead-tracking tests."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from mmm.leads.schema import validate_leads


@pytest.fixture
def small_raw() -> pd.DataFrame:
    """Six leads, two channels, export date 2025-03-31; every number in the tests by hand.

    L1 search: all the way to won (deal 1000), opportunity 02-01 -> won 03-03 (30 days).
    L2 search: opportunity 02-10, lost 03-01 (deal 500 not won).
    L3 search: MQL only.
    L4 social: won (deal 3000), opportunity 02-05 -> won 02-25 (20 days).
    L5 social: open opportunity since 03-01 (deal 2000).
    L6 social: lead only, created 03-30.
    """
    text = """\
lead_id,account_id,first_touch,created,mql,sql,opportunity,pipeline,won,lost,deal_value
L1,A1,search,2025-01-01,2025-01-05,2025-01-10,2025-02-01,2025-02-15,2025-03-03,,1000
L2,A1,search,2025-01-02,2025-01-06,2025-01-20,2025-02-10,,,2025-03-01,500
L3,A2,search,2025-01-03,2025-01-09,,,,,,
L4,A2,social,2025-01-04,2025-01-08,2025-01-15,2025-02-05,2025-02-10,2025-02-25,,3000
L5,A2,social,2025-02-01,2025-02-03,2025-02-20,2025-03-01,,,,2000
L6,A3,social,2025-03-30,,,,,,,
"""
    return pd.read_csv(io.StringIO(text), dtype=str)


@pytest.fixture
def small_leads(small_raw: pd.DataFrame) -> pd.DataFrame:
    """The validated small table."""
    return validate_leads(small_raw, source="small.csv")
