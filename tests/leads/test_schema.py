"""Column mapping and the named checks of the CRM export."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mmm.errors import ConfigError, DataError
from mmm.leads.schema import load_mapping, parse_overrides, read_leads, validate_leads


def test_valid_table_types_and_defaults(small_leads: pd.DataFrame) -> None:
    assert small_leads["created"].dtype.kind == "M"
    assert small_leads["deal_value"].tolist() == [1000.0, 500.0, 0.0, 3000.0, 2000.0, 0.0]
    assert small_leads["contact_id"].tolist() == small_leads["lead_id"].tolist()
    assert small_leads.attrs["implied_stage_dates"] == 0


def test_mapping_yaml_and_flags(tmp_path: Path, small_raw: pd.DataFrame) -> None:
    raw = small_raw.rename(columns={"lead_id": "Lead ID", "mql": "MQL Date", "won": "Closed Won"})
    cfg = tmp_path / "map.yaml"
    cfg.write_text("columns:\n  lead_id: Lead ID\nstages:\n  mql: MQL Date\n")
    mapping = load_mapping(cfg, parse_overrides(["won=Closed Won"]))
    assert mapping == {"lead_id": "Lead ID", "mql": "MQL Date", "won": "Closed Won"}
    leads = validate_leads(raw, mapping)
    assert leads["won"].notna().sum() == 2
    assert leads["mql"].notna().sum() == 5


def test_auto_detects_date_suffix(small_raw: pd.DataFrame) -> None:
    leads = validate_leads(small_raw.rename(columns={"mql": "MQL_Date"}))
    assert leads["mql"].notna().sum() == 5


def test_unknown_stage_in_mapping_names_it(tmp_path: Path) -> None:
    cfg = tmp_path / "map.yaml"
    cfg.write_text("stages:\n  sqll: SQL Date\n")
    with pytest.raises(ConfigError, match=r"unknown stage 'sqll'; did you mean 'sql'\?") as exc:
        load_mapping(cfg)
    assert exc.value.key == "stages.sqll"


def test_unknown_field_flag_and_bad_pair() -> None:
    with pytest.raises(ConfigError, match="unknown field 'lead_idd'; did you mean 'lead_id'"):
        load_mapping(None, {"lead_idd": "x"})
    with pytest.raises(ConfigError, match="expected FIELD=COLUMN"):
        parse_overrides(["lead_id"])


def test_duplicate_ids_name_both_rows(small_raw: pd.DataFrame) -> None:
    raw = small_raw.copy()
    raw.loc[4, "lead_id"] = "L2"
    with pytest.raises(DataError, match=r"duplicate lead id 'L2' \(first seen on row 3\)") as exc:
        validate_leads(raw, source="crm.csv")
    assert exc.value.row == 6
    assert exc.value.source == "crm.csv"
    assert exc.value.key == "lead_id"


def test_stage_dates_out_of_order(small_raw: pd.DataFrame) -> None:
    raw = small_raw.copy()
    raw.loc[3, "sql"] = "2025-01-06"  # L4: SQL before its MQL (01-08)
    with pytest.raises(DataError, match=r"sql \(2025-01-06\) is before mql \(2025-01-08\)") as exc:
        validate_leads(raw, source="crm.csv")
    assert exc.value.row == 5
    assert exc.value.key == "sql"


def test_out_of_order_against_earlier_non_adjacent_stage(small_raw: pd.DataFrame) -> None:
    raw = small_raw.copy()
    raw.loc[0, "sql"] = None
    raw.loc[0, "opportunity"] = "2025-01-04"  # before MQL 01-05, SQL skipped
    with pytest.raises(DataError, match=r"opportunity \(2025-01-04\) is before mql"):
        validate_leads(raw)


def test_won_and_lost_and_lost_before_stage(small_raw: pd.DataFrame) -> None:
    raw = small_raw.copy()
    raw.loc[0, "lost"] = "2025-03-10"
    with pytest.raises(DataError, match="both a won and a lost date") as exc:
        validate_leads(raw)
    assert exc.value.row == 2
    raw = small_raw.copy()
    raw.loc[1, "lost"] = "2025-02-01"  # before its opportunity date 02-10
    with pytest.raises(DataError, match="lost date is before a stage the lead reached"):
        validate_leads(raw)


def test_bad_date_negative_deal_empty_id(small_raw: pd.DataFrame) -> None:
    raw = small_raw.copy()
    raw["mql"] = raw["mql"].astype(object)
    raw.loc[2, "mql"] = "soon"
    with pytest.raises(DataError, match="'soon' is not a date") as exc:
        validate_leads(raw)
    assert (exc.value.row, exc.value.key) == (4, "mql")
    raw = small_raw.copy()
    raw.loc[1, "deal_value"] = "-5"
    with pytest.raises(DataError, match="not a non-negative number"):
        validate_leads(raw)
    raw = small_raw.copy()
    raw.loc[5, "lead_id"] = None
    with pytest.raises(DataError, match="empty lead_id") as exc:
        validate_leads(raw)
    assert exc.value.row == 7


def test_unknown_current_stage_value(small_raw: pd.DataFrame) -> None:
    raw = small_raw.assign(stage=["won", "lost", "mql", "won", "opportunity", "prospect"])
    with pytest.raises(DataError, match="unknown stage 'prospect'") as exc:
        validate_leads(raw)
    assert exc.value.row == 7


def test_missing_required_and_mapped_column(small_raw: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="required column 'created' not found"):
        validate_leads(small_raw.drop(columns="created"))
    with pytest.raises(DataError, match="mapped column 'Lead' for 'lead_id' not in file"):
        validate_leads(small_raw, {"lead_id": "Lead"})


def test_skipped_stage_gets_next_date(small_raw: pd.DataFrame) -> None:
    raw = small_raw.copy()
    raw.loc[3, ["mql", "pipeline"]] = None  # L4 skipped MQL and pipeline
    leads = validate_leads(raw)
    assert leads.loc[3, "mql"] == pd.Timestamp("2025-01-15")
    assert leads.loc[3, "pipeline"] == pd.Timestamp("2025-02-25")
    assert leads.attrs["implied_stage_dates"] == 2


def test_read_csv_and_parquet(tmp_path: Path, small_raw: pd.DataFrame) -> None:
    small_raw.to_csv(tmp_path / "crm.csv", index=False)
    small_raw.to_parquet(tmp_path / "crm.parquet")
    a = read_leads(tmp_path / "crm.csv")
    b = read_leads(tmp_path / "crm.parquet")
    pd.testing.assert_series_equal(a["won"], b["won"])
    with pytest.raises(DataError, match="file not found"):
        read_leads(tmp_path / "nope.csv")


def test_example_mapping_file_loads() -> None:
    mapping = load_mapping(Path(__file__).parents[2] / "configs" / "leads" / "hubspot_mapping.yaml")
    assert mapping["lead_id"] == "Record ID"
    assert mapping["won"] == "Became a Customer Date"


def test_utm_from_landing_page(small_raw: pd.DataFrame) -> None:
    raw = small_raw.assign(
        landing_page=["https://x.com/?utm_source=google&utm_medium=cpc&utm_campaign=brand"]
        + [None] * 5,
        utm_source=[None, "bing", None, None, None, None],
    )
    leads = validate_leads(raw)
    assert leads.loc[0, ["utm_source", "utm_medium", "utm_campaign"]].tolist() == [
        "google",
        "cpc",
        "brand",
    ]
    assert leads.loc[1, "utm_source"] == "bing"
