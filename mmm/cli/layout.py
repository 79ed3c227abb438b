"""Tables that stay readable in a narrow terminal: no cell ever wraps.

A :class:`StackedTable` is a key column (channel names, row labels) and value columns. When
printed it measures the columns and puts as many value columns beside the key column as the
console's width allows, in order; the rest go into further tables below, each repeating the key
column. So a wide terminal gets one table and an 80-column one gets two or three, every row on
one line. Cells never wrap (a terminal too narrow even for the key and one column cuts them
with an ellipsis instead). A legend line under the tables says what the numbers are.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from rich import box
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text


@dataclass(frozen=True)
class Column:
    """One column: a header and one plain-text cell per row (no rich markup)."""

    header: str
    cells: Sequence[str]
    justify: str = "right"


@dataclass(frozen=True)
class StackedTable:
    """A table that splits into several, side columns below, to fit the console's width.

    Attributes
    ----------
    title : str
        Printed above the first table.
    continued : str
        The title of the tables after the first.
    key : Column
        The row labels, repeated at the left of every table.
    columns : sequence of Column
        Value columns, in order of importance (packed greedily from the left).
    legend : str
        A line under the tables saying what the numbers are ('' for none).
    row_styles : sequence of str or None
        A rich style per row (e.g. 'bold' for a total), or empty.
    sections : frozenset of int
        Rows followed by a horizontal rule.
    """

    title: str
    key: Column
    columns: Sequence[Column]
    legend: str = ""
    row_styles: Sequence[str | None] = ()
    sections: frozenset[int] = field(default_factory=frozenset)
    continued: str = "(continued)"

    def _table(self, columns: Sequence[Column], title: str) -> Table:
        table = Table(
            title=title,
            title_justify="left",
            title_style="bold",
            box=box.MINIMAL,
            show_edge=False,
            pad_edge=False,
        )
        for column in (self.key, *columns):
            table.add_column(column.header, justify=column.justify, no_wrap=True,
                             overflow="ellipsis")  # fmt: skip
        n_rows = len(self.key.cells)
        styles = list(self.row_styles) or [None] * n_rows
        for i in range(n_rows):
            cells = [Text(str(column.cells[i])) for column in (self.key, *columns)]
            table.add_row(*cells, style=styles[i], end_section=i in self.sections)
        return table

    def groups(self, width: int, console: Console | None = None) -> list[list[Column]]:
        """The value columns of each table, packed so that each table fits ``width``."""
        console = console or Console(width=max(width, 1000))
        options = console.options.update_width(max(width, 1000))

        def needed(columns: list[Column]) -> int:
            return Measurement.get(console, options, self._table(columns, "")).maximum

        out: list[list[Column]] = []
        for column in self.columns:
            if out and needed([*out[-1], column]) <= width:
                out[-1].append(column)
            else:
                out.append([column])
        return out or [[]]

    def tables(self, width: int, console: Console | None = None) -> Iterator[Table]:
        """The tables for a console ``width`` columns wide."""
        for i, columns in enumerate(self.groups(width, console)):
            yield self._table(columns, self.continued if i else self.title)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        tables = list(self.tables(options.max_width, console))
        for i, table in enumerate(tables):
            if i:
                yield Text("")
            yield table
        if self.legend:
            yield Text(self.legend, style="dim")
