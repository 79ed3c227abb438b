"""``mmm serve MODEL_DIR...``: the scenario planner in the browser."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mmm.cli._common import console, user_errors


@user_errors
def serve_command(
    model_dirs: Annotated[
        list[Path], typer.Argument(help="Fitted model folder(s), e.g. one per market.")
    ],
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8050,
    host: Annotated[
        str, typer.Option(help="Address to bind (default: this machine only).")
    ] = "127.0.0.1",
) -> None:
    """Open a local web page to try budgets, run the optimizer and compare scenarios."""
    # FastAPI and uvicorn load here only, so `mmm --help` stays fast.
    from mmm.serve.app import create_app
    from mmm.serve.planner import Planner
    from mmm.serve.server import LOCAL_HOSTS, bind_sockets, make_server

    planner = Planner(model_dirs)
    if host not in LOCAL_HOSTS:
        console.print(
            f"[bold yellow]note:[/] binding to {host}: other machines that reach this address "
            "can use the planner and read the model's figures (there is no login)."
        )
    sockets = bind_sockets(host, port)  # before the URL is shown: a busy port is one message
    shown = f"[{host}]" if ":" in host else host
    console.print(f"mmm planner on http://{shown}:{port}/  (models: {', '.join(planner.models)})")
    console.print("Press Ctrl-C to stop.")
    server = make_server(create_app(planner, host), host, port, log_level="warning")
    server.run(sockets=sockets)
