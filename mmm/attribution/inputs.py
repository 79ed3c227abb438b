"""One entry point for attribution input: an aggregated path table or an event log."""

from __future__ import annotations

from pathlib import Path

from mmm.attribution.events import paths_from_events
from mmm.attribution.paths import PathData, read_paths
from mmm.attribution.tables import is_event_log


def read_input(source: str | Path, **event_options: object) -> PathData:
    """Read either an aggregated path table or an event log, telling them apart by columns.

    Parameters
    ----------
    source : str or Path
        CSV or Parquet file.
    **event_options
        Passed to :func:`~mmm.attribution.events.paths_from_events` when the file is an event
        log.

    Returns
    -------
    PathData
    """
    if is_event_log(source):
        return paths_from_events(source, **event_options)  # type: ignore[arg-type]
    return read_paths(source)
