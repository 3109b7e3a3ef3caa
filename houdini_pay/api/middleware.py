"""ASGI middleware: the request log, the guard at the door (body size, unstorable text), and
the answer to ``OPTIONS``.

Both are plain ASGI callables rather than ``BaseHTTPMiddleware``: they add nothing to the
cost of a request but a function call.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from houdini_pay.api.error_handling import allowed_methods, error_response

__all__ = ["AccessLog", "MethodsAllowed", "RequestGuard"]

access_log = logging.getLogger("houdini_pay.api.access")


class AccessLog:
    """Log one line per request: method, path, status, time and the key's id.

    Never the query string, headers or body: they may hold keys, card data or webhook
    signatures. Paths hold only ids, and are escaped so a crafted one cannot forge lines.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            caller = scope.get("state", {}).get("caller")
            who = "-" if caller is None else "admin" if caller.is_admin else caller.key_id
            access_log.info(
                "%s %s %d %.1fms key=%s",
                scope["method"],
                repr(scope["path"])[1:-1],
                status,
                (time.perf_counter() - started) * 1000,
                who,
            )


class RequestGuard:
    """Refuse, before any route runs, what no route could handle.

    * a body over ``max_body_bytes``: 413 at once when ``Content-Length`` says so, or as
      soon as a streamed body passes the limit (it is never read to the end);
    * a NUL character in the path or the query string: 422 ``invalid_text`` (PostgreSQL
      cannot even compare text holding one).

    FastAPI's own body limit answers a declared-too-large body in plain text; this one
    answers the API's error body like every other failure.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"\x00" in unquote_to_bytes(scope["query_string"]):
            response = error_response(
                422, "invalid_text", "the path and query must not contain NUL characters"
            )
            await response(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._too_large()(scope, receive, send)
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                # FastAPI lets an HTTPException raised while reading the body through to
                # the error handlers, which answer it as request_too_large.
                raise HTTPException(413, self._message())
            return message

        await self.app(scope, receive_within_limit, send)

    def _message(self) -> str:
        return f"the request body is larger than {self.max_body_bytes} bytes"

    def _too_large(self) -> ASGIApp:
        return error_response(413, "request_too_large", self._message())


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class MethodsAllowed:
    """Answer ``OPTIONS`` on any path a route serves: 204 with ``Allow`` naming its methods.

    The same methods the OpenAPI schema lists for the path (and OPTIONS itself). No key is
    needed: the schema at /openapi.json is public too. A path no route serves answers 404.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            methods = allowed_methods(scope)
            if methods:
                response = Response(status_code=204, headers={"Allow": ", ".join(methods)})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
