"""Run the planner app with uvicorn: in the foreground (``mmm serve``) or a background thread."""

from __future__ import annotations

import errno
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from mmm.errors import MmmError

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
#: Addresses that bind every interface: the page can be reached under names we cannot list.
ANY_HOST = ("0.0.0.0", "::", "")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def allowed_hosts(host: str) -> list[str]:
    """The ``Host`` header names the app answers when bound to ``host``.

    A page on another site can make a browser send requests to this machine under its own
    name (DNS rebinding); refusing every ``Host`` but the loopback names (and the address the
    server was bound to) stops that. Bound to every interface (``0.0.0.0``), any name is
    accepted, since the names the machine is reached by cannot be known here.

    Parameters
    ----------
    host : str
        The address given to ``mmm serve --host``.

    Returns
    -------
    list of str
        Names for :class:`starlette.middleware.trustedhost.TrustedHostMiddleware` (IPv6
        addresses in brackets, as they appear in a ``Host`` header); ``["*"]`` for any.
    """
    if host in ANY_HOST:
        return ["*"]
    names = ["localhost", "127.0.0.1", "[::1]"]
    given = f"[{host}]" if ":" in host else host.lower()
    return names if given in names else [*names, given]


def bind_sockets(host: str, port: int) -> list[socket.socket]:
    """Listening-ready TCP sockets on every address ``host`` resolves to (as uvicorn binds).

    Binding before announcing the URL means a busy port is one clear message, not a URL that
    answers nothing followed by uvicorn's log line.

    Parameters
    ----------
    host : str
    port : int

    Returns
    -------
    list of socket.socket
        Bound, not yet listening; uvicorn listens on them.

    Raises
    ------
    MmmError
        When the port is in use, or the address is not one of this machine's.
    """
    try:
        infos = socket.getaddrinfo(
            host or None, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise MmmError(f"cannot resolve {host!r} ({exc.strerror})", key="--host") from None
    addresses = list(dict.fromkeys((info[0], info[1], info[4]) for info in infos))
    sockets: list[socket.socket] = []
    try:
        for family, kind, address in addresses:
            sock = socket.socket(family, kind)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio and uvicorn
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise MmmError(f"port {port} on {host} is in use; pick another with --port") from None
        advice = "; give an address of this machine with --host"
        raise MmmError(
            f"cannot listen on {host} port {port} ({exc.strerror or exc})"
            + (advice if exc.errno == errno.EADDRNOTAVAIL else "")
        ) from None
    return sockets


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
