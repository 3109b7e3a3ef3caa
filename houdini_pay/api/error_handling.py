"""Every failure answers ``{"error": {"code", "message"}}``; none answers a stack trace.

* A :class:`~houdini_pay.HoudiniPayError` answers its ``http_status`` and ``code``.
* A request the models refuse answers 422 with a code saying what was wrong
  (``invalid_amount``, ``invalid_json``, ``invalid_text``, ...) and each field's problem in
  ``details.errors``, never echoing the values sent (they may be card data).
* Routing answers (unknown route, wrong method) and a too-large body keep their status; a
  wrong method's ``Allow`` names every method of the path (:func:`allowed_methods`), as
  ``OPTIONS`` does.
* Anything unexpected answers 500 ``internal_error``; the traceback goes to the server's
  log only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Scope

from houdini_pay.api.schemas import ErrorResponse
from houdini_pay.api.validation import MAX_NESTING
from houdini_pay.errors import HoudiniPayError

__all__ = ["allowed_methods", "error_response", "error_responses", "install_error_handlers"]

log = logging.getLogger("houdini_pay.api")

_DESCRIPTIONS = {
    400: "The webhook does not verify.",
    401: "No API key, or an unknown or revoked one.",
    402: "The processor declined.",
    403: "The request lacks the page's CSRF token or comes from another site.",
    404: "No such record, or one of another nonprofit.",
    409: "The request clashes with the records (idempotency key, state, sold out).",
    413: "The body is larger than the server accepts.",
    422: "The request is invalid; nothing was written.",
    429: "Too many requests from this client; retry after Retry-After seconds.",
    500: "The server is misconfigured; its log says why.",
    502: "The processor could not be reached; retrying is safe.",
    503: "The database cannot be reached.",
}

_FIELD_CODES = {
    "amount": "invalid_amount",
    "currency": "invalid_currency",
    "idempotency-key": "invalid_idempotency_key",
    "country": "invalid_country",
    "cursor": "invalid_cursor",
    "format": "invalid_format",
    "year": "invalid_period",
    "timezone": "invalid_timezone",
    "locale": "invalid_locale",
}
"""The code of a validation error on these fields, as the core would name it."""

_LOCATION_CODES: dict[tuple[str, ...], str] = {("path", "key"): "invalid_submission_key"}
"""Codes of parameters whose name alone is too common to name the error."""

_OWN_CODES = {"invalid_text", "too_deeply_nested"}

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")

_ROUTING_CODES = {
    404: "route_not_found",
    405: "method_not_allowed",
    413: "request_too_large",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` documenting error statuses with the error body's schema."""
    return {
        status: {"model": ErrorResponse, "description": _DESCRIPTIONS.get(status, "An error.")}
        for status in statuses
    }


def error_response(
    status: int,
    code: str,
    message: str,
    details: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A JSON error answer."""
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = dict(details)
    return JSONResponse({"error": body}, status_code=status, headers=headers)


async def _houdini_pay_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HoudiniPayError)
    status = exc.http_status
    if status == 500:
        # Configuration and plugin errors are for the operator, not the caller.
        log.error("%s on %s %s: %s", exc.code, request.method, request.url.path, exc.message)
        return error_response(status, exc.code, "the server cannot do this; its log says why")
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 429 and "retry_after" in exc.details:
        headers = {"Retry-After": str(exc.details["retry_after"])}
    return error_response(status, exc.code, exc.message, exc.details, headers)


def _field(location: Sequence[Any]) -> str:
    names = [str(part) for part in location if not isinstance(part, int)]
    return ".".join(names[1:] if len(names) > 1 else names) or "body"


def _code_of(error: Mapping[str, Any]) -> str | None:
    if error["type"] in _OWN_CODES:
        return str(error["type"])
    if error["type"] == "json_invalid":
        return "invalid_json"
    names = [str(part).lower() for part in error["loc"] if isinstance(part, str)]
    location = tuple(names)
    if location in _LOCATION_CODES:
        return _LOCATION_CODES[location]
    return _FIELD_CODES.get(names[-1]) if names else None


def _validation_code(errors: Iterable[Mapping[str, Any]]) -> str:
    """The most specific code among the errors (a bad amount beats a missing name)."""
    codes = (_code_of(error) for error in errors)
    return next((code for code in codes if code is not None), "invalid_request")


def _sent_as_json(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    described = [{"field": _field(e["loc"]), "message": str(e["msg"])} for e in errors]
    body_refused = any(e["loc"][:1] == ("body",) for e in errors)
    if body_refused and request.headers.get("content-length") and not _sent_as_json(request):
        # FastAPI reads a body as JSON only when it says so (curl -d sends a form).
        return error_response(
            422,
            "invalid_json",
            "send the body as JSON, with the header Content-Type: application/json",
            {"errors": described},
        )
    message = "; ".join(f"{d['field']}: {d['message']}" for d in described[:3])
    return error_response(
        422, _validation_code(errors), message or "invalid request", {"errors": described}
    )


def allowed_methods(scope: Scope) -> list[str]:
    """Every method some route serves at the scope's path, and OPTIONS; [] for no route.

    Starlette's own ``Allow`` names only the first route that matches the path, while a path
    may have one route per method (``GET`` and ``POST .../supporters``).
    """
    # Asked method by method through the routes' public matching, which also sees into
    # included routers however they are nested.
    routes = scope["app"].router.routes
    methods = {
        method
        for method in _METHODS
        if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in routes)
    }
    return sorted({*methods, "OPTIONS"}) if methods else []


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        allow = ", ".join(allowed_methods(request.scope))
        message = f"{request.method} is not allowed here; allowed: {allow}"
        return error_response(405, "method_not_allowed", message, headers={"Allow": allow})
    if exc.status_code == 400 and isinstance(exc.__cause__, RecursionError):
        # Nested deeper than Python's parser goes: what the body check would have refused.
        return error_response(
            422,
            "too_deeply_nested",
            f"objects and arrays may nest at most {MAX_NESTING} levels deep",
            {"limit": MAX_NESTING},
        )
    if exc.status_code == 400:
        # FastAPI's answer to a body it could not parse at all.
        return error_response(422, "invalid_json", "the body is not valid JSON")
    code = _ROUTING_CODES.get(exc.status_code, "http_error")
    if exc.status_code == 404:
        message = f"no route {request.method} {request.url.path}"
    else:
        message = str(exc.detail)
    return error_response(exc.status_code, code, message, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The server logs the traceback itself (uvicorn's "Exception in ASGI application").
    log.error("%s on %s %s", type(exc).__name__, request.method, request.url.path)
    return error_response(
        500, "internal_error", "the server failed to handle the request; its log says why"
    )


def install_error_handlers(api: FastAPI) -> None:
    """Make every failure of ``api`` answer the error body."""
    api.add_exception_handler(HoudiniPayError, _houdini_pay_error)
    api.add_exception_handler(RequestValidationError, _validation_error)
    api.add_exception_handler(StarletteHTTPException, _http_error)
    api.add_exception_handler(Exception, _unexpected)
