"""CRM export -> validated lead table: column mapping (YAML or flags) and named checks.

Every lead table the rest of :mod:`mmm.leads` works with has the canonical column names below,
whatever the CRM called them. Each check is a small named function raising
:class:`~mmm.errors.DataError` with the file, column and 1-based spreadsheet row.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from mmm.errors import ConfigError, DataError

#: Funnel stages in order; ``lead`` is the created date. ``lost`` is a terminal outcome.
STAGES: tuple[str, ...] = ("mql", "sql", "opportunity", "pipeline", "won")
FUNNEL: tuple[str, ...] = ("lead", *STAGES)
LOST = "lost"
DATE_FIELDS: tuple[str, ...] = ("created", *STAGES, LOST)
TEXT_FIELDS: tuple[str, ...] = (
    "lead_id",
    "account_id",
    "contact_id",
    "first_touch",
    "last_touch",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "landing_page",
    "self_reported",
    "stage",
)
FIELDS: tuple[str, ...] = (*TEXT_FIELDS, *DATE_FIELDS, "deal_value")
REQUIRED: tuple[str, ...] = ("lead_id", "created")
#: Dates outside this range are typos (a year -5 would also break date arithmetic).
DATE_RANGE = (pd.Timestamp("1900-01-01"), pd.Timestamp("2199-12-31"))
#: Values accepted in the optional current-``stage`` column.
STAGE_VALUES: tuple[str, ...] = (*FUNNEL, LOST)


def _suggest(word: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(choices)}"


def load_mapping(path: str | Path | None = None, overrides: Mapping[str, str] | None = None):
    """Read a column mapping from YAML and/or flags.

    The YAML has a ``columns:`` section (canonical field -> CRM column) and an optional
    ``stages:`` section (stage name -> CRM date column)::

        columns: {lead_id: Lead ID, created: Created Date, first_touch: Original Source}
        stages: {mql: MQL Date, sql: SQL Date, won: Closed Won Date}

    Parameters
    ----------
    path : str or Path, optional
        The mapping YAML.
    overrides : mapping, optional
        ``field -> column`` pairs from the command line; they win over the YAML.

    Returns
    -------
    dict
        Canonical field -> source column name.

    Raises
    ------
    ConfigError
        On an unknown field or stage (with a close-match hint) or a malformed file.
    """
    mapping: dict[str, str] = {}
    source = str(path) if path else None
    if path is not None:
        raw = _read_mapping_yaml(Path(path))
        for key in raw:
            if key not in ("columns", "stages"):
                raise ConfigError(
                    f"unknown section '{key}'{_suggest(str(key), ('columns', 'stages'))}",
                    source=source,
                    key=str(key),
                )
        for section in ("stages", "columns"):
            if not isinstance(raw.get(section) or {}, dict):
                msg = f"expected '{section}:' to map field names to column names"
                raise ConfigError(msg, source=source, key=section)
        for name, col in (raw.get("stages") or {}).items():
            if name not in (*STAGES, LOST):
                msg = f"unknown stage '{name}'{_suggest(str(name), (*STAGES, LOST))}"
                raise ConfigError(msg, source=source, key=f"stages.{name}")
            mapping[name] = _column_name(col, source, f"stages.{name}")
        for name, col in (raw.get("columns") or {}).items():
            field = _check_field(name, source)
            mapping[field] = _column_name(col, source, f"columns.{name}")
    for name, col in (overrides or {}).items():
        mapping[_check_field(name, "--column")] = col
    return mapping


def _read_mapping_yaml(path: Path) -> dict:
    """The mapping file's top-level mapping (empty for an empty file)."""
    source = str(path)
    try:  # bytes: PyYAML reads UTF-8 and UTF-16 (by its BOM) and reports undecodable bytes
        raw = yaml.safe_load(path.read_bytes()) or {}
    except FileNotFoundError:
        raise ConfigError("mapping file not found", source=source) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the mapping file: {exc}", source=source) from None
    except yaml.reader.ReaderError as exc:
        msg = f"not valid YAML text: unreadable character at byte {exc.position} ({exc.reason})"
        raise ConfigError(msg + "; save the file as UTF-8", source=source) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", source=source) from None
    if not isinstance(raw, dict):
        raise ConfigError("expected a mapping with 'columns' and/or 'stages'", source=source)
    return raw


def _column_name(value: object, source: str | None, key: str) -> str:
    """A mapped column name: text or a number, not empty, not a list or mapping."""
    if (
        isinstance(value, bool)
        or not isinstance(value, str | int | float)
        or not str(value).strip()
    ):
        raise ConfigError(f"expected a column name, got {value!r}", source=source, key=key)
    return str(value)


def _check_field(name: object, source: str | None) -> str:
    if name not in FIELDS:
        raise ConfigError(
            f"unknown field '{name}'{_suggest(str(name), FIELDS)}", source=source, key=str(name)
        )
    return str(name)


def parse_overrides(pairs: list[str] | None) -> dict[str, str]:
    """Turn ``["field=Column Name", ...]`` flags into a mapping."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        field, sep, col = pair.partition("=")
        if not sep or not field.strip() or not col.strip():
            raise ConfigError(f"expected FIELD=COLUMN, got '{pair}'", source="--column")
        out[field.strip()] = col.strip()
    return out


def _resolve_columns(columns: pd.Index, mapping: Mapping[str, str], source: str) -> dict[str, str]:
    """Canonical field -> source column, auto-detecting canonical names not mapped."""
    lower = {str(c).strip().lower(): c for c in columns}
    resolved: dict[str, str] = {}
    for field in FIELDS:
        if field in mapping:
            if mapping[field] not in columns:
                hint = _suggest(mapping[field], tuple(str(c) for c in columns))
                msg = f"mapped column '{mapping[field]}' for '{field}' not in file{hint}"
                raise DataError(msg, source=source, key=mapping[field])
            resolved[field] = mapping[field]
            continue
        for cand in (field, f"{field}_date", f"{field}_at", f"date_{field}"):
            if cand in lower:
                resolved[field] = lower[cand]
                break
    for field in REQUIRED:
        if field not in resolved:
            msg = f"required column '{field}' not found (map it with --column {field}=NAME)"
            raise DataError(msg, source=source, key=field)
    return resolved


def _first_bad(mask: np.ndarray) -> tuple[int, int]:
    """Return (first offending 1-based spreadsheet row, number of offending rows)."""
    idx = np.flatnonzero(mask)
    return int(idx[0]) + 2, len(idx)


def _more(n: int) -> str:
    return f" (and {n - 1} more rows)" if n > 1 else ""


def check_duplicate_ids(df: pd.DataFrame, cols: Mapping[str, str], source: str) -> None:
    """Refuse a lead id that appears twice."""
    dup = df["lead_id"].duplicated(keep="first").to_numpy()
    if dup.any():
        row, n = _first_bad(dup)
        first = int(np.flatnonzero((df["lead_id"] == df["lead_id"].iloc[row - 2]).to_numpy())[0])
        msg = f"duplicate lead id '{df['lead_id'].iloc[row - 2]}' (first seen on row {first + 2})"
        raise DataError(msg + _more(n), source=source, key=cols["lead_id"], row=row)


def check_missing_ids(df: pd.DataFrame, cols: Mapping[str, str], source: str) -> None:
    """Refuse empty lead ids and created dates."""
    for field in REQUIRED:
        bad = df[field].isna().to_numpy()
        if bad.any():
            row, n = _first_bad(bad)
            raise DataError(f"empty {field}" + _more(n), source=source, key=cols[field], row=row)


def _to_datetime(raw: pd.Series) -> pd.Series:
    """Parse dates: the fast ISO-8601 path first, then per-value parsing for what is left.

    Only text and date objects are dates: a number or a boolean becomes NaT (pandas would read
    a number as nanoseconds after 1970). Zoned times are converted to UTC, then made naive.
    """
    if raw.dtype.kind == "M":
        parsed = raw
    else:
        if raw.dtype.kind in "biufc":
            raw = pd.Series(None, index=raw.index, dtype=object)
        elif raw.dtype == object:
            is_date = raw.map(lambda v: isinstance(v, str | date | np.datetime64)).astype(bool)
            raw = raw.where(is_date, None)
        parsed = _parse(raw, "ISO8601")
        left = parsed.isna() & raw.notna()
        if left.any():
            parsed = parsed.fillna(_parse(raw[left], "mixed"))
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert(None)
    return parsed


def _parse(raw: pd.Series, format: str) -> pd.Series:
    """``pd.to_datetime`` in UTC; value by value when the vectorised call raises."""
    try:
        return pd.to_datetime(raw, errors="coerce", format=format, utc=True)
    except (ValueError, TypeError, OverflowError):
        return pd.to_datetime(raw.map(_one_date), errors="coerce", utc=True)


def _one_date(value: object) -> pd.Timestamp:
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return pd.NaT


def parse_dates(df: pd.DataFrame, cols: Mapping[str, str], source: str) -> None:
    """Parse every date column in place; refuse values that are not dates."""
    for field in DATE_FIELDS:
        if field not in df:
            df[field] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[us]")
            continue
        raw = df[field]
        parsed = _to_datetime(raw)
        bad = (parsed.isna() & raw.notna() & (raw.astype(str).str.strip() != "")).to_numpy()
        if bad.any():
            row, n = _first_bad(bad)
            msg = f"'{raw.iloc[row - 2]}' is not a date" + _more(n)
            raise DataError(msg, source=source, key=cols[field], row=row)
        outside = (parsed.notna() & ~parsed.between(*DATE_RANGE)).to_numpy()
        if outside.any():
            row, n = _first_bad(outside)
            years = f"{DATE_RANGE[0].year} and {DATE_RANGE[1].year}"
            msg = f"date '{raw.iloc[row - 2]}' is not between {years}" + _more(n)
            raise DataError(msg, source=source, key=cols[field], row=row)
        df[field] = parsed.dt.floor("us").astype("datetime64[us]")


def _as_float(col: pd.Series) -> np.ndarray:
    """Datetime column -> float microseconds with NaN for missing."""
    arr = col.to_numpy("datetime64[us]")
    out = arr.astype("int64").astype("float64")
    out[np.isnat(arr)] = np.nan
    return out


def check_stage_order(df: pd.DataFrame, cols: Mapping[str, str], source: str) -> None:
    """Refuse stage dates out of order, a lost date before a reached stage, and won + lost."""
    order = ("created", *STAGES)
    days = np.column_stack([_as_float(df[f]) for f in order])
    prev = np.fmax.accumulate(np.where(np.isnan(days), -np.inf, days), axis=1)
    for j in range(1, len(order)):
        bad = days[:, j] < prev[:, j - 1]
        if bad.any():
            row, n = _first_bad(bad)
            i = row - 2
            earlier = next(order[k] for k in range(j) if days[i, k] == prev[i, j - 1])
            msg = (
                f"stage dates out of order: {order[j]} ({df[order[j]].iloc[i].date()}) is before "
                f"{earlier} ({df[earlier].iloc[i].date()})" + _more(n)
            )
            raise DataError(msg, source=source, key=cols.get(order[j]), row=row)
    bad = _as_float(df[LOST]) < prev[:, -2]
    if bad.any():
        row, n = _first_bad(bad)
        msg = "lost date is before a stage the lead reached" + _more(n)
        raise DataError(msg, source=source, key=cols.get(LOST), row=row)
    both = (df["won"].notna() & df[LOST].notna()).to_numpy()
    if both.any():
        row, n = _first_bad(both)
        msg = "lead has both a won and a lost date" + _more(n)
        raise DataError(msg, source=source, key=cols.get("won"), row=row)


def check_stage_values(df: pd.DataFrame, cols: Mapping[str, str], source: str) -> None:
    """Refuse unknown values in the optional current-stage column."""
    if "stage" not in df:
        return
    norm = df["stage"].astype("string").str.strip().str.lower()
    bad = (norm.notna() & ~norm.isin(STAGE_VALUES)).to_numpy()
    if bad.any():
        row, n = _first_bad(bad)
        value = str(df["stage"].iloc[row - 2])
        msg = f"unknown stage '{value}'{_suggest(value.lower(), STAGE_VALUES)}" + _more(n)
        raise DataError(msg, source=source, key=cols["stage"], row=row)
    df["stage"] = norm


def check_deal_value(df: pd.DataFrame, cols: Mapping[str, str], source: str) -> None:
    """Parse deal values; refuse text, negative and infinite amounts. Missing means 0."""
    if "deal_value" not in df:
        df["deal_value"] = 0.0
        return
    raw = df["deal_value"]
    value = pd.to_numeric(raw, errors="coerce")
    number = value.to_numpy(dtype="float64", na_value=np.nan)
    bad = raw.notna().to_numpy() & ~(np.isfinite(number) & (number >= 0))
    if bad.any():
        row, n = _first_bad(bad)
        msg = f"deal value '{raw.iloc[row - 2]}' is not a non-negative number" + _more(n)
        raise DataError(msg, source=source, key=cols["deal_value"], row=row)
    df["deal_value"] = value.fillna(0.0).astype("float64")


def fill_utm_from_landing_page(df: pd.DataFrame) -> None:
    """Fill missing ``utm_source`` / ``utm_medium`` / ``utm_campaign`` from the landing URL."""
    from mmm.leads.channels import parse_utm

    parsed = parse_utm(df["landing_page"])
    for col in parsed.columns:
        df[col] = df[col].fillna(parsed[col]) if col in df else parsed[col]


def imply_skipped_stages(df: pd.DataFrame) -> int:
    """Give a skipped stage the date of the next stage reached (SQL without MQL -> MQL then).

    Returns the number of dates filled in.
    """
    filled = 0
    for j in range(len(STAGES) - 2, -1, -1):
        stage, nxt = STAGES[j], STAGES[j + 1]
        gap = df[stage].isna() & df[nxt].notna()
        filled += int(gap.sum())
        df.loc[gap, stage] = df.loc[gap, nxt]
    return filled


def validate_leads(
    raw: pd.DataFrame, mapping: Mapping[str, str] | None = None, source: str = "<data>"
) -> pd.DataFrame:
    """Map, type and check a raw CRM table; return the canonical lead table.

    Parameters
    ----------
    raw : DataFrame
        The CRM export as read, one row per lead.
    mapping : mapping, optional
        Canonical field -> source column (see :func:`load_mapping`).
    source : str
        Name used in error messages (the file path).

    Returns
    -------
    DataFrame
        Columns named as in :data:`FIELDS` (absent optional text fields are left out), date
        columns as ``datetime64``, ``deal_value`` float, skipped stages implied
        (``attrs["implied_stage_dates"]`` counts them); missing UTM fields are read from
        ``landing_page`` when there is one.
    """
    if raw.empty:
        raise DataError("the file has no rows", source=source)
    cols = _resolve_columns(raw.columns, mapping or {}, source)
    df = pd.DataFrame({field: raw[col] for field, col in cols.items()})
    df = df.reset_index(drop=True)
    check_missing_ids(df, cols, source)
    df["lead_id"] = df["lead_id"].astype(str)
    check_duplicate_ids(df, cols, source)
    parse_dates(df, cols, source)
    check_stage_order(df, cols, source)
    check_stage_values(df, cols, source)
    check_deal_value(df, cols, source)
    for field in TEXT_FIELDS:
        if field in df and field not in ("lead_id", "stage"):
            df[field] = df[field].astype("string").str.strip().replace("", pd.NA)
    if "contact_id" not in df:
        df["contact_id"] = df["lead_id"]
    if "landing_page" in df:
        fill_utm_from_landing_page(df)
    df.attrs["implied_stage_dates"] = imply_skipped_stages(df)
    df.attrs["source"] = source
    return df


def read_leads(path: str | Path, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Read a CRM export (CSV or Parquet) and validate it with :func:`validate_leads`.

    Parameters
    ----------
    path : str or Path
        ``.csv`` (optionally compressed) or ``.parquet`` file, one row per lead.
    mapping : mapping, optional
        Canonical field -> source column.

    Returns
    -------
    DataFrame
        The canonical lead table.
    """
    path = Path(path)
    if not path.exists():
        raise DataError("file not found", source=str(path))
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            raw = pd.read_parquet(path)
        else:
            try:  # the pyarrow reader is several times faster on millions of rows
                raw = pd.read_csv(path, dtype=str, engine="pyarrow")
            except (ValueError, OSError, ImportError):
                raw = pd.read_csv(path, dtype=str)
    except (ValueError, OSError) as exc:
        raise DataError(f"cannot read the file: {exc}", source=str(path)) from None
    return validate_leads(raw, mapping, source=str(path))


def latest_date(leads: pd.DataFrame) -> pd.Timestamp:
    """The latest date anywhere in the lead table (the export date when none is given)."""
    maxima = [leads[c].max() for c in DATE_FIELDS if c in leads and leads[c].notna().any()]
    return pd.Timestamp(max(maxima))
