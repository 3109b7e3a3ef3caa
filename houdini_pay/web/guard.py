"""What stands between the open internet and the public endpoints.

* **CSRF**: a page sets a random token in a ``SameSite=Strict``, ``HttpOnly`` cookie and
  writes the same token into the page; every public ``POST`` must send it back in the
  ``X-CSRF-Token`` header (another site can read neither), and a request whose ``Origin``
  is another site is refused outright.
* **Size**: a public body may be at most ``HOUDINI_PAY_PUBLIC_MAX_BODY_BYTES`` (16 KiB): a
  donation needs a few hundred bytes.
* **Rate**: each client address may send ``HOUDINI_PAY_PUBLIC_REQUESTS_PER_MINUTE`` public
  ``POST`` requests a minute (30 by default: a donation takes four), counted in one place
  that every server process shares (:mod:`houdini_pay.web.rate_limits`).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request, Response

from houdini_pay.errors import ConfigurationError, Forbidden, RequestTooLarge

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "MAX_BODY_ENV",
    "RATE_ENV",
    "PublicSettings",
    "check_csrf",
    "check_size",
    "csrf_token_for",
    "same_origin",
    "set_csrf_cookie",
]

CSRF_COOKIE = "houdini_pay_csrf"
CSRF_HEADER = "X-CSRF-Token"
RATE_ENV = "HOUDINI_PAY_PUBLIC_REQUESTS_PER_MINUTE"
MAX_BODY_ENV = "HOUDINI_PAY_PUBLIC_MAX_BODY_BYTES"
_TOKEN_BYTES = 32


def _positive(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name) or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigurationError(f"{name} must be a positive whole number, not {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class PublicSettings:
    """Limits of the public endpoints; see the module docstring."""

    requests_per_minute: int = 30
    max_body_bytes: int = 16_384

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> PublicSettings:
        """Read the limits from ``environ``."""
        return cls(
            requests_per_minute=_positive(environ, RATE_ENV, 30),
            max_body_bytes=_positive(environ, MAX_BODY_ENV, 16_384),
        )


def csrf_token_for(request: Request) -> str:
    """The page's CSRF token: the browser's cookie if it has a sound one, else a new one."""
    token = request.cookies.get(CSRF_COOKIE, "")
    if len(token) < 40 or not token.replace("-", "").replace("_", "").isalnum():
        token = secrets.token_urlsafe(_TOKEN_BYTES)
    return token


def set_csrf_cookie(request: Request, response: Response, token: str) -> None:
    """Give the browser the token in a cookie no script and no other site can read."""
    response.set_cookie(
        CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def check_csrf(request: Request, sent: str | None = None) -> None:
    """``Forbidden`` unless the request comes from a page of this server, with its token.

    The token is read from the ``X-CSRF-Token`` header, or is ``sent`` (a plain HTML form's
    hidden field, as the staff dashboard's forms send it).
    """
    origin = request.headers.get("origin")
    if origin is not None and not same_origin(origin, request):
        raise Forbidden("requests from other sites are refused", code="cross_origin")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if sent is None:
        sent = request.headers.get(CSRF_HEADER, "")
    if not cookie or not sent or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise Forbidden(
            "the page's security token is missing or stale; reload the page and try again",
            code="csrf_failed",
        )


def same_origin(origin: str, request: Request) -> bool:
    """Whether ``origin`` (an ``Origin`` header) is this server as the request reached it."""
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc == request.headers.get("host")


async def check_size(request: Request, limit: int) -> None:
    """``RequestTooLarge`` if the body is over ``limit`` bytes (declared or actual)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestTooLarge(f"the request body is larger than {limit} bytes")
    if len(await request.body()) > limit:
        raise RequestTooLarge(f"the request body is larger than {limit} bytes")
