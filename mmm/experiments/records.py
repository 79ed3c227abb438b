"""Lift-test records: the schema and CSV format the MMM's calibration reads.

One record per test and channel, in the model's units (original KPI and spend units, per model
period)::

    channel,start,end,x,delta_x,delta_y,sigma

* ``channel``: the model's channel name;
* ``start``, ``end``: first and last date of the test window (ISO dates, inclusive);
* ``x``: the channel's spend per model period in the test window before the change;
* ``delta_x``: the change of spend per period caused by the test (``-x`` for a go-dark test);
* ``delta_y``: the total incremental KPI over the window caused by ``delta_x`` (negative when
  spend went down);
* ``sigma``: the standard deviation of ``delta_y`` (> 0);
* ``geo`` (optional column): the geo of a geo panel the test ran in (``x``, ``delta_x`` and
  ``delta_y`` are then that geo's); empty for a national test.

The model adds ``delta_y ~ Normal(response(x + delta_x) - response(x), sigma)`` over the window.
"""

from __future__ import annotations

import csv
import math
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from mmm.errors import DataError, MmmError

COLUMNS = ("channel", "start", "end", "x", "delta_x", "delta_y", "sigma")


@dataclass(frozen=True)
class LiftRecord:
    """One lift-test result in model units (see the module docstring for the fields)."""

    channel: str
    start: date
    end: date
    x: float
    delta_x: float
    delta_y: float
    sigma: float
    geo: str | None = None

    def __post_init__(self) -> None:
        if not self.channel:
            raise MmmError("a lift record needs a channel name", key="channel")
        if self.end < self.start:
            raise MmmError(f"end {self.end} is before start {self.start}", key="end")
        for name in ("x", "delta_x", "delta_y", "sigma"):
            if not math.isfinite(getattr(self, name)):
                raise MmmError(f"{name} must be a finite number", key=name)
        if not math.isfinite(self.x + self.delta_x):
            raise MmmError("x + delta_x is too large to be a spend level", key="delta_x")
        if self.x < 0 or self.x + self.delta_x < 0:
            raise MmmError(
                f"spend cannot be negative (x={self.x}, x + delta_x={self.x + self.delta_x})",
                key="delta_x",
            )
        if self.sigma <= 0:
            raise MmmError(f"sigma must be positive, got {self.sigma}", key="sigma")

    def to_row(self) -> dict[str, object]:
        """Return the record as a CSV row (dates in ISO format)."""
        row = asdict(self)
        row["start"], row["end"] = self.start.isoformat(), self.end.isoformat()
        if self.geo is None:
            del row["geo"]
        return row


def records_frame(records: list[LiftRecord]) -> pd.DataFrame:
    """Return records as a data frame with exactly the CSV columns (``geo`` when any has one)."""
    columns = list(COLUMNS) + (["geo"] if any(r.geo is not None for r in records) else [])
    return pd.DataFrame([r.to_row() for r in records], columns=columns)


def write_records(records: list[LiftRecord], path: str | Path, append: bool = False) -> Path:
    """Write lift records as CSV (``channel,start,end,x,delta_x,delta_y,sigma``).

    Parameters
    ----------
    records : list of LiftRecord
    path : str or Path
    append : bool, default False
        Add to an existing records file (its rows are validated first) instead of replacing it.

    Returns
    -------
    Path
        The file written. It is written to a temporary name and renamed, so a failure never
        leaves a half-written file.
    """
    path = Path(path)
    if append and path.exists():
        records = read_records(path) + list(records)
    frame = records_frame(records)
    tmp = path.with_name(path.name + ".tmp-write")
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(tmp, index=False, float_format="%.10g")
    tmp.replace(path)
    return path


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and each non-blank row as ``(line number, {column: text})``.

    Strict where pandas guesses: a row with more or fewer cells than the header is an error
    (pandas would take a longer first row's first cell as an index and shift every column).
    """
    source = str(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            reader = csv.reader(file)
            lines = [(reader.line_num, row) for row in reader if row]
    except UnicodeDecodeError as exc:
        msg = f"cannot read the file: not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV"
        raise DataError(msg, source=source) from None
    except (csv.Error, OSError) as exc:
        raise DataError(f"cannot read the file: {exc}", source=source) from None
    if not lines:
        raise DataError("the file is empty (expected a header row)", source=source)
    header = [name.strip() for name in lines[0][1]]
    for name in COLUMNS:
        if header.count(name) > 1:
            raise DataError(f"more than one column named '{name}'", source=source, key=name)
    rows = []
    for line, cells in lines[1:]:
        if len(cells) != len(header):
            raise DataError(
                f"cannot read the file: the row has {len(cells)} cells, the header has "
                f"{len(header)}",
                source=source,
                row=line,
            )
        rows.append((line, dict(zip(header, cells, strict=True))))
    return header, rows


def read_records(path: str | Path) -> list[LiftRecord]:
    """Read and validate a lift-record CSV.

    Raises
    ------
    DataError
        Naming the file, column and row of the first problem (missing column, bad date,
        non-numeric value, non-positive sigma, negative spend).
    """
    path = Path(path)
    if not path.exists():
        raise DataError("lift-record file not found", source=str(path))
    header, rows = _read_rows(path)
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise DataError(
            f"missing column(s) {', '.join(missing)}; a lift-record file has the columns "
            f"{','.join(COLUMNS)}",
            source=str(path),
            key=missing[0],
        )
    records = []
    for i, values in rows:
        parsed: dict[str, object] = {"channel": values["channel"].strip()}
        if values.get("geo", "").strip():
            parsed["geo"] = values["geo"].strip()
        for name in ("start", "end"):
            try:
                parsed[name] = date.fromisoformat(values[name].strip()[:10])
            except ValueError:
                raise DataError(
                    f"expected an ISO date (YYYY-MM-DD), got {values[name]!r}",
                    source=str(path),
                    key=name,
                    row=i,
                ) from None
        for name in ("x", "delta_x", "delta_y", "sigma"):
            try:
                parsed[name] = float(values[name])
            except ValueError:
                raise DataError(
                    f"expected a number, got {values[name]!r}", source=str(path), key=name, row=i
                ) from None
        try:
            records.append(LiftRecord(**parsed))  # type: ignore[arg-type]
        except MmmError as exc:
            raise DataError(exc.message, source=str(path), key=exc.key, row=i) from None
    return records
