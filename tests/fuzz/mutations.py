"""Hypothesis strategies that break valid input files, and the one property every loader keeps.

Each strategy starts from a valid example (a YAML tree, a CSV table, a file's text) and applies
a few of the mistakes people make: deleted, renamed or duplicated keys and columns, values of
the wrong type, typos, out-of-range numbers, shuffled or duplicated rows, truncated files,
binary garbage and wrong encodings.

The property (:func:`user_error_or_result`): a loader either returns or raises
:class:`~mmm.errors.MmmError` whose message names the file; any other exception is a bug.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from mmm.errors import DataError, MmmError

# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------
SPECIAL_NUMBERS = [0, -1, 1, 0.0, -0.0, 1e-308, 1e308, -1e308, math.nan, math.inf, -math.inf]
SPECIAL_TEXT = ["", " ", "nan", "inf", "-inf", "null", "~", "auto", "1e308", "-5", "yes", "é✓"]

scalars = st.one_of(
    st.sampled_from([None, True, False, *SPECIAL_NUMBERS, *SPECIAL_TEXT]),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=10),
)
#: A value of any YAML type: scalar, list or mapping.
any_value = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.text(max_size=8), scalars, max_size=3),
)

#: What a broken spreadsheet cell may hold instead of its number or date.
BAD_CELLS = [
    "", " ", "abc", "nan", "NaN", "NA", "N/A", "null", "None", "-", "inf", "-inf", "Infinity",
    "1e308", "-1e308", "1e309", "-5", "-0", "0", "-0.0001", "1,000", "$12", "12%", "0x1A",
    "True", "٣", "1e-400", "2022-01-02", " 7 ", '"', "a,b", "\t",
]  # fmt: skip
#: Date spellings, good and bad, for a date cell.
DATE_CELLS = [
    "2022/01/02", "02/01/2022", "2022-01-02T00:00:00Z", "2022-01-02 00:00:00+05:00",
    "20220102", "1641081600", "Jan 2 2022", "2022-W01", "2022-02-30", "0001-01-01",
    "9999-12-31", "99999-01-01", "1e308", "", "not a date", "2022-01-02T25:00",
]  # fmt: skip


@st.composite
def typo(draw: st.DrawFn, word: str) -> str:
    """``word`` with one character inserted, deleted, replaced or case-flipped."""
    if not word:
        return draw(st.text(min_size=1, max_size=3))
    i = draw(st.integers(0, len(word) - 1))
    op = draw(st.sampled_from(["insert", "delete", "replace", "swap", "case"]))
    char = draw(st.characters(codec="utf-8", exclude_categories=["Cs"]))
    if op == "insert":
        return word[:i] + char + word[i:]
    if op == "delete" and len(word) > 1:
        return word[:i] + word[i + 1 :]
    if op == "swap" and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == "case":
        return word.swapcase()
    return word[:i] + char + word[i + 1 :]


# --------------------------------------------------------------------------------------------
# YAML trees
# --------------------------------------------------------------------------------------------
def _paths(tree: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into a tree of dicts and lists (the root is ``()``)."""
    out = [prefix]
    if isinstance(tree, dict):
        for key, value in tree.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            out += _paths(value, (*prefix, i))
    return out


def _get(tree: Any, path: tuple) -> Any:
    for part in path:
        tree = tree[part]
    return tree


def _copy(tree: Any) -> Any:
    if isinstance(tree, dict):
        return {k: _copy(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_copy(v) for v in tree]
    return tree


@st.composite
def mutated_tree(draw: st.DrawFn, tree: dict, max_mutations: int = 3) -> dict:
    """A deep copy of ``tree`` with 1 to ``max_mutations`` edits at random places.

    Edits: delete a key or item, rename a key (typo or new word), replace a value by one of
    another type, make a typo in a string value, duplicate a list item, wrap a value in a list,
    swap a value with another key's value.
    """
    tree = _copy(tree)
    for _ in range(draw(st.integers(1, max_mutations))):
        paths = [p for p in _paths(tree) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, last = _get(tree, path[:-1]), path[-1]
        value = parent[last]
        op = draw(
            st.sampled_from(["delete", "rename", "replace", "typo", "duplicate", "wrap", "swap"])
        )
        if op == "delete":
            del parent[last]
        elif op == "rename" and isinstance(parent, dict):
            new = draw(st.one_of(typo(str(last)), st.text(max_size=8), st.sampled_from([1, None])))
            parent.pop(last)
            parent[new] = value
        elif op == "typo" and isinstance(value, str):
            parent[last] = draw(typo(value))
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(last, _copy(value))
        elif op == "wrap":
            parent[last] = [value]
        elif op == "swap":
            other = draw(st.sampled_from(paths))
            parent[last] = _copy(_get(tree, other)) if other[: len(path)] != path else None
        else:
            parent[last] = draw(any_value)
    return tree


# --------------------------------------------------------------------------------------------
# Tables (as lists of string cells, so every mistake a spreadsheet allows can be made)
# --------------------------------------------------------------------------------------------
def read_rows(text: str) -> list[list[str]]:
    """Parse CSV text into rows of cells; the first row is the header."""
    return [list(row) for row in csv.reader(io.StringIO(text))]


def write_rows(rows: list[list[str]]) -> str:
    """Rows of cells back to CSV text."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@st.composite
def mutated_rows(
    draw: st.DrawFn, rows: list[list[str]], max_mutations: int = 3, cells: list[str] = BAD_CELLS
) -> list[list[str]]:
    """``rows`` (header first) with 1 to ``max_mutations`` spreadsheet mistakes.

    Edits: a cell replaced (text, empty, nan, negative, huge, another date format), a column
    set to one value, rows duplicated, dropped, swapped or shuffled, a column dropped, renamed,
    duplicated or added, a row with a cell too many or too few.
    """
    rows = [list(r) for r in rows]
    ops = [
        "cell", "cell", "cell", "column_constant", "duplicate_row", "drop_row", "swap_rows",
        "shuffle", "drop_column", "rename_column", "duplicate_column", "extra_column",
        "ragged_row", "header_only",
    ]  # fmt: skip
    for _ in range(draw(st.integers(1, max_mutations))):
        header, body = rows[0], rows[1:]
        width = len(header)
        op = draw(st.sampled_from(ops))
        if op in ("cell", "column_constant") and body and width:
            col = draw(st.integers(0, width - 1))
            value = draw(st.one_of(st.sampled_from(cells + DATE_CELLS), st.text(max_size=6)))
            targets = [draw(st.integers(0, len(body) - 1))] if op == "cell" else range(len(body))
            for r in targets:
                if col < len(body[r]):
                    body[r][col] = value
        elif op == "duplicate_row" and body:
            r = draw(st.integers(0, len(body) - 1))
            body.insert(draw(st.integers(0, len(body))), list(body[r]))
        elif op == "drop_row" and body:
            body.pop(draw(st.integers(0, len(body) - 1)))
        elif op == "swap_rows" and len(body) > 1:
            i, j = draw(st.integers(0, len(body) - 1)), draw(st.integers(0, len(body) - 1))
            body[i], body[j] = body[j], body[i]
        elif op == "shuffle" and body:
            body = draw(st.permutations(body))
        elif op == "drop_column" and width:
            col = draw(st.integers(0, width - 1))
            header = header[:col] + header[col + 1 :]
            body = [r[:col] + r[col + 1 :] for r in body]
        elif op == "rename_column" and width:
            col = draw(st.integers(0, width - 1))
            header = list(header)
            header[col] = draw(
                st.one_of(typo(header[col]), st.sampled_from(header), st.text(max_size=6))
            )
        elif op == "duplicate_column" and width:
            col = draw(st.integers(0, width - 1))
            header = [*header, header[col]]
            body = [[*r, r[col] if col < len(r) else ""] for r in body]
        elif op == "extra_column":
            name = draw(st.text(max_size=6))
            header = [*header, name]
            body = [[*r, draw(st.sampled_from(cells))] for r in body]
        elif op == "ragged_row" and body:
            r = draw(st.integers(0, len(body) - 1))
            body[r] = body[r][:-1] if draw(st.booleans()) else [*body[r], "1"]
        elif op == "header_only":
            body = []
        rows = [header, *body]
    return rows


# --------------------------------------------------------------------------------------------
# Bytes of a file
# --------------------------------------------------------------------------------------------
ENCODINGS = ["utf-16", "utf-32", "cp1252", "utf-8-sig", "latin-1"]


@st.composite
def mutated_bytes(draw: st.DrawFn, text: str) -> bytes:
    """The file's bytes broken as a disk, an editor or an export can break them.

    Edits: truncated at a random byte, binary garbage inserted or instead of the file, saved in
    another encoding, emptied, a NUL byte, Windows line ends, a line deleted or repeated.
    """
    data = text.encode("utf-8")
    op = draw(
        st.sampled_from(
            ["truncate", "garbage", "binary", "encoding", "empty", "nul", "crlf", "lines"]
        )
    )
    if op == "truncate":
        return data[: draw(st.integers(0, max(len(data) - 1, 0)))]
    if op == "garbage":
        i = draw(st.integers(0, len(data)))
        return data[:i] + draw(st.binary(min_size=1, max_size=16)) + data[i:]
    if op == "binary":
        return draw(st.binary(max_size=64))
    if op == "encoding":
        encoding = draw(st.sampled_from(ENCODINGS))
        return (text.replace("a", "é", 1) if encoding != "utf-8-sig" else text).encode(
            encoding, errors="replace"
        )
    if op == "empty":
        return draw(st.sampled_from([b"", b"\n", b"   \n\n", b"\xef\xbb\xbf"]))
    if op == "nul":
        i = draw(st.integers(0, len(data)))
        return data[:i] + b"\x00" + data[i:]
    if op == "crlf":
        return text.replace("\n", "\r\n").encode("utf-8")
    lines = text.splitlines(keepends=True)
    if not lines:
        return data
    i = draw(st.integers(0, len(lines) - 1))
    if draw(st.booleans()):
        lines.insert(i, lines[i])
    else:
        lines.pop(i)
    return "".join(lines).encode("utf-8")


# --------------------------------------------------------------------------------------------
# The property
# --------------------------------------------------------------------------------------------
#: Messages about a whole file, where no key, column or row applies.
WHOLE_FILE = (
    "not found",
    "could not read",
    "cannot read",
    "not valid YAML",
    "not valid UTF-8",
    "expected a mapping",
    "no rows",
    "file is empty",
    "rows but the model has",
    "no journeys",
    "expected a .csv or .parquet",
)


#: A config key as the messages quote it: 'channels[0].adstock.type'.
QUOTED_KEY = re.compile(r"'[^']*'")


def user_error_or_result(call: Callable[[], Any], source: str | Path) -> Any:
    """Run a loader: return its result, or the :class:`MmmError` it raised.

    Any other exception propagates (and fails the test). An ``MmmError`` must name ``source``
    and, unless it is about the whole file (:data:`WHOLE_FILE`), a key or column: a
    :class:`~mmm.errors.DataError` in its ``key``, a config error as a quoted key in the text.
    """
    try:
        return call()
    except MmmError as exc:
        message = str(exc)
        assert str(source) in message, f"message does not name the file {source}: {message}"
        if not any(phrase in exc.message for phrase in WHOLE_FILE):
            if isinstance(exc, DataError):
                assert exc.key is not None, f"no column in: {message}"
            else:
                assert exc.key is not None or QUOTED_KEY.search(message), f"no key in: {message}"
        return exc
