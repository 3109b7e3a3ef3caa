"""Errors a browser sees are styled pages in its language; API clients keep the JSON body."""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from houdini_pay.api.error_handling import allowed_methods
from houdini_pay.web.endpoints import PUBLIC_PREFIX
from houdini_pay.web.pages import error_page, page_locale

__all__ = ["install_browser_errors", "wants_html"]

_MACHINE_PATHS = ("/api/", PUBLIC_PREFIX + "/", "/webhooks/", "/openapi.json", "/healthz")


def wants_html(request: Request) -> bool:
    """True for a browser opening a page: it asks for HTML, and not on a machine's path."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and not request.url.path.startswith(_MACHINE_PATHS)


async def _answer(handler: Any, request: Request, exc: Exception) -> Response:
    """What an installed exception handler (sync or async) answers."""
    answer = handler(request, exc)
    if inspect.isawaitable(answer):
        answer = await answer
    assert isinstance(answer, Response)
    return answer


def install_browser_errors(api: FastAPI) -> None:
    """Answer browsers' errors (404, 405, 500) with styled pages; API clients keep JSON.

    Wraps the handlers the HTTP API installed (``install_error_handlers``), so every other
    request is answered exactly as before.
    """
    json_http = api.exception_handlers[StarletteHTTPException]
    json_unexpected = api.exception_handlers[Exception]

    async def http_error(request: Request, exc: Exception) -> Response:
        if wants_html(request) and isinstance(exc, StarletteHTTPException):
            response = error_page(page_locale(request), exc.status_code)
            if exc.status_code == 405:
                response.headers["Allow"] = ", ".join(allowed_methods(request.scope))
            return response
        return await _answer(json_http, request, exc)

    async def unexpected(request: Request, exc: Exception) -> Response:
        answer = await _answer(json_unexpected, request, exc)
        if wants_html(request):
            return error_page(page_locale(request), 500)
        return answer

    api.add_exception_handler(StarletteHTTPException, http_error)
    api.add_exception_handler(Exception, unexpected)
