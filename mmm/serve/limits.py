"""A cap on request bodies: one request must not hold the planner's memory or CPU.

:class:`BodyLimit` is plain ASGI middleware in front of the app. It reads the body first (the
app reads every body whole anyway): one larger than the cap, declared by ``Content-Length`` or
sent chunked, is answered 413 with the API's JSON error, and nothing past the cap is kept.
"""

from __future__ import annotations

import json

#: Largest request body the planner reads (1 MiB: a scenario YAML import is capped at 1e6
#: characters, and every JSON body the page sends is a few KB).
MAX_BODY = 1 << 20
#: An oversized body is read (and dropped) up to this many times the cap before answering.
DRAIN = 16


class BodyLimit:
    """ASGI middleware answering 413 to an HTTP request whose body exceeds ``max_bytes``.

    Parameters
    ----------
    app : ASGI app
    max_bytes : int
        The cap, in bytes.
    """

    def __init__(self, app, max_bytes: int = MAX_BODY) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _message(self) -> bytes:
        error = f"request body too large: at most {self.max_bytes:,} bytes"
        return json.dumps({"error": error, "field": "body", "detail": f"'body': {error}"}).encode()

    async def _refuse(self, send) -> None:
        body = self._message()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        too_large = any(
            name == b"content-length" and value.isdigit() and int(value) > self.max_bytes
            for name, value in scope.get("headers", ())
        )
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            too_large = too_large or size > self.max_bytes
            if not too_large:
                chunks.append(chunk)
            # an oversized body is read and dropped, so the client gets the answer (closing
            # on an unread body resets the connection), up to DRAIN times the cap
            if not message.get("more_body", False) or size > DRAIN * self.max_bytes:
                break
        if too_large:
            await self._refuse(send)
            return
        body = b"".join(chunks)
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
