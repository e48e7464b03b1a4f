"""The request body, read once before any route: its size limit and text PostgreSQL can store.

The whole body is read here (it is at most ``max_bytes``), so an oversized body is refused with
413 however it is framed: by ``Content-Length`` or chunked. Reading inside the route instead let
the framework turn the limit into a generic 400.

PostgreSQL ``text`` cannot hold the NUL character. A ``\\u0000`` in any string of a JSON body,
a form field, a query parameter or the path is refused with 422 naming the field, for every
endpoint at once, rather than surfacing as a database error from whichever column it reached.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from industry_credit.errors import error_body

NUL = "\x00"
ESCAPED_NUL = "\\u0000"
NUL_PROBLEM = "contains a NUL character (\\u0000), which cannot be stored"


def nul_paths(value: Any, path: str = "$") -> Iterator[str]:
    """JSON paths of every string (key or value) holding a NUL, in document order."""
    if isinstance(value, str):
        if NUL in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key.replace(NUL, ESCAPED_NUL)}"
            if NUL in key:
                yield child
            yield from nul_paths(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from nul_paths(item, f"{path}[{index}]")


def _content_type(scope: Scope) -> bytes:
    raw: bytes = dict(scope["headers"]).get(b"content-type", b"")
    return raw.split(b";")[0].strip().lower()


def request_nul_paths(scope: Scope, body: bytes) -> list[str]:
    found: list[str] = []
    if NUL in scope.get("path", ""):
        found.append("path")
    query = scope.get("query_string", b"").decode("latin-1")
    if "%00" in query or NUL in query:
        found += [f"query:{k}" for k, v in parse_qsl(query, keep_blank_values=True) if NUL in k + v]
    kind = _content_type(scope)
    if kind == b"application/x-www-form-urlencoded" and (b"%00" in body or b"\x00" in body):
        pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
        found += [f"form:{k}" for k, v in pairs if NUL in k + v]
    elif (b"\\u0000" in body or b"\x00" in body) and kind.endswith(b"json"):
        # Not JSON after all: the route's own parsing answers it.
        with contextlib.suppress(ValueError):
            found += list(nul_paths(json.loads(body)))
    return found


async def _answer(send: Send, status: int, body: dict[str, Any]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


class RequestBodyMiddleware:
    """413 above ``max_bytes`` (declared or streamed); 422 for a NUL in any text of the request."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        bad = request_nul_paths(scope, body)
        if bad:
            summary = "; ".join(f"{p}: {NUL_PROBLEM}" for p in bad[:5])
            fields = [{"path": p, "problem": NUL_PROBLEM} for p in bad]
            await _answer(send, 422, error_body("validation_failed", summary, fields))
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        await _answer(
            send,
            413,
            error_body("payload_too_large", f"request body exceeds {self.max_bytes} bytes"),
        )
