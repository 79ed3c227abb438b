"""``mmm ga4``: GA4 BigQuery export -> the event log ``mmm attribute`` reads."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mmm.cli._common import console, user_errors
from mmm.cli.funnel import print_json


@user_errors
def ga4_command(
    export: Annotated[
        Path,
        typer.Argument(help="GA4 export: Parquet or newline-delimited JSON file, glob or folder."),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Event log to write (.parquet or .csv).")
    ],
    conversion: Annotated[
        list[str] | None,
        typer.Option("--conversion", help="Event name counted as a conversion (repeatable)."),
    ] = None,
    channel_rules: Annotated[Path | None, typer.Option(help="Channel rules YAML.")] = None,
    drop_direct: Annotated[bool, typer.Option(help="Leave out Direct touches.")] = False,
    conversion_channel: Annotated[
        bool, typer.Option(help="Give conversion rows their session's channel (default: empty).")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print machine-readable JSON.")
    ] = False,
) -> None:
    """Convert a GA4 event export into the attribution event log (one touch per session)."""
    from mmm.leads.channels import load_channel_rules
    from mmm.leads.ga4 import DEFAULT_CONVERSIONS, write_event_log

    rules = load_channel_rules(channel_rules) if channel_rules else None
    start = time.perf_counter()
    stats = write_event_log(
        export,
        output,
        conversions=tuple(conversion or DEFAULT_CONVERSIONS),
        rules=rules,
        drop_direct=drop_direct,
    )
    stats["seconds"] = round(time.perf_counter() - start, 2)
    if json_output:
        print_json(stats)
        return
    table = Table(title=f"GA4 export -> {output}")
    table.add_column("")
    table.add_column("", justify="right")
    for key, value in stats.items():
        if key != "output":
            table.add_row(
                key.replace("_", " "), f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
            )
    console.print(table)
