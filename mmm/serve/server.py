"""Run the planner app with uvicorn: in the foreground (``mmm serve``) or a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def make_server(app, host: str, port: int, log_level: str = "warning") -> uvicorn.Server:
    """A uvicorn server for ``app`` (not started)."""
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False)
    return uvicorn.Server(config)


@contextmanager
def background_server(app, host: str = "127.0.0.1", port: int | None = None) -> Iterator[str]:
    """Serve ``app`` in a daemon thread; yields the base URL and stops the server on exit.

    Parameters
    ----------
    app : ASGI app
    host : str
    port : int, optional
        A free port is chosen when omitted.
    """
    port = port or free_port(host)
    server = make_server(app, host, port)
    thread = threading.Thread(target=server.run, name="mmm-serve", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the planner server did not start on {host}:{port}")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
