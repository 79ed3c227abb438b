"""The page machinery every report shares: templates, inline figures, atomic writing.

The MMM report (:mod:`mmm.report.html`), the funnel report (:mod:`mmm.report.funnel_report`)
and the attribution report (:mod:`mmm.report.attribution_report`) all render a template that
extends ``templates/_page.html.j2`` (head, inlined stylesheet, header, numbered contents,
footer) with the macros of ``templates/_macros.html.j2``, and inline their figures as PNG
through :func:`figure_uri`. Nothing here imports the model stack, so the lead and attribution
reports start fast.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from matplotlib.figure import Figure

from mmm import __version__
from mmm.errors import MmmError
from mmm.report import palette
from mmm.report.fmt import FILTERS

#: rcParams of every report figure (the house style).
STYLE: dict[str, object] = {
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": palette.GRID,
    "grid.linewidth": 0.8,
    "axes.axisbelow": True,
    "legend.frameon": False,
    "legend.fontsize": 8.5,
    "figure.dpi": 100,
    "savefig.dpi": 110,
}


def environment() -> jinja2.Environment:
    """The jinja2 environment: package templates, autoescaping, the report's number filters."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mmm.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters.update(FILTERS)
    return env


def figure_uri(fig: Figure) -> dict[str, Any]:
    """Encode a figure as an inline PNG: ``{"uri", "width", "height"}`` (CSS pixels)."""
    buffer = io.BytesIO()
    dpi = float(STYLE["savefig.dpi"])
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    width, height = (fig.get_size_inches() * dpi).round().astype(int)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return {"uri": f"data:image/png;base64,{encoded}", "width": int(width), "height": int(height)}


def page_figure(fig_id: str, fig: Figure, alt: str, caption: str) -> dict[str, Any]:
    """A figure as the ``figure`` macro of ``_macros.html.j2`` reads it."""
    return {"id": fig_id, "alt": alt, "caption": caption, **figure_uri(fig)}


@contextlib.contextmanager
def without_lazy_jax() -> Iterator[None]:
    """Hide a not-yet-loaded lazy ``jax`` module from matplotlib while plotting.

    ArviZ registers ``jax`` lazily in ``sys.modules``; matplotlib probes
    ``sys.modules["jax"].Array`` on every plotted value, which imports JAX (seconds) although
    no JAX array can exist before JAX is loaded. The entry is restored afterwards.
    """
    lazy = sys.modules.get("jax")
    hidden = lazy is not None and type(lazy).__name__ == "_LazyModule"
    if hidden:
        del sys.modules["jax"]
    try:
        yield
    finally:
        if hidden and "jax" not in sys.modules:
            sys.modules["jax"] = lazy


def page_meta(name: str, source: str | Path | None = None) -> dict[str, str]:
    """The header facts of a page: name, mmm version, generation time, source file."""
    return {
        "name": name,
        "version": __version__,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "source": str(source) if source else "",
    }


def cannot_write(output: str | Path, exc: OSError) -> MmmError:
    """The one-line error for a report file the system refused to write."""
    return MmmError(f"cannot write the report: {exc.strerror or exc}", source=str(output))


@contextlib.contextmanager
def atomic_output(output: str | Path) -> Iterator[Path]:
    """Yield a partial file beside ``output`` that replaces ``output`` once the block succeeds.

    A symbolic link is followed (the link stays, the file it names is replaced). The partial
    file is removed whatever happens, so a failed write leaves nothing behind and nothing
    already there is touched.

    Parameters
    ----------
    output : str or Path
        The file to write; missing parent folders are created.

    Yields
    ------
    Path
        The partial file the block writes.

    Raises
    ------
    MmmError
        When ``output`` is a folder or another non-regular file (a device, pipe or socket), or
        when the system refuses to create the folder or the file (naming ``output``).
    """
    try:
        target = Path(output).resolve()
        if target.is_dir():
            raise MmmError("is a folder; give the report's file name", source=str(output))
        if target.exists() and not target.is_file():
            raise MmmError(
                "is not a regular file (a device, pipe or socket); give the report's file name",
                source=str(output),
            )
        partial = target.with_name(f".{target.name}.partial")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)  # a stale partial, whatever it is, is never written into
    except OSError as exc:
        raise cannot_write(output, exc) from None
    try:
        yield partial
        try:
            os.replace(partial, target)
        except OSError as exc:
            raise cannot_write(output, exc) from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def write_page(page: str, output: str | Path) -> Path:
    """Write ``page`` (UTF-8) to ``output`` atomically through :func:`atomic_output`.

    Parameters
    ----------
    page : str
        The rendered page.
    output : str or Path
        The report file.

    Returns
    -------
    Path
        ``output``.

    Raises
    ------
    MmmError
        When ``output`` is a folder or not a regular file, or cannot be written.
    """
    with atomic_output(output) as partial:
        try:
            partial.write_text(page, encoding="utf-8")
        except OSError as exc:
            raise cannot_write(output, exc) from None
    return Path(output)
