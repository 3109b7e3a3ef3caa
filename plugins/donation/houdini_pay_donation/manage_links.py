"""Signed, expiring links with which a donor manages a recurring gift, without an account.

A link names the nonprofit and the gift in its path and ends with a token
``EXPIRES.SIGNATURE``: ``EXPIRES`` is a Unix time, ``SIGNATURE`` the HMAC-SHA256 (base64url,
unpadded) of ``nonprofit_id|gift_id|EXPIRES`` keyed with ``HOUDINI_PAY_MANAGE_LINK_SECRET``.
Nothing is stored: a link is good for whatever gift it names until it expires, and rotating
the secret ends every link given out.

Settings (environment):

``HOUDINI_PAY_MANAGE_LINK_SECRET``
    The signing key (at least 32 characters). Unset, no manage link is made or accepted.
``HOUDINI_PAY_MANAGE_LINK_DAYS``
    How many days a link is good for; default 90 (a receipt's link outlives one month).
``HOUDINI_PAY_PUBLIC_URL``
    Where donors reach the pages (``https://give.example.org``): the receipt e-mail's links
    are absolute. Unset, the receipt carries no manage link.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping

from houdini_pay.errors import ConfigurationError, Forbidden, NotFound

__all__ = [
    "DAYS_ENV",
    "PUBLIC_URL_ENV",
    "SECRET_ENV",
    "check_token",
    "link_secret",
    "make_token",
    "manage_path",
    "manage_url",
]

SECRET_ENV = "HOUDINI_PAY_MANAGE_LINK_SECRET"
DAYS_ENV = "HOUDINI_PAY_MANAGE_LINK_DAYS"
PUBLIC_URL_ENV = "HOUDINI_PAY_PUBLIC_URL"
ROUTE = "donate"
_MIN_SECRET = 32
_DEFAULT_DAYS = 90


def link_secret(environ: Mapping[str, str]) -> bytes | None:
    """The signing key, or None when manage links are off."""
    raw = environ.get(SECRET_ENV, "")
    if not raw:
        return None
    if len(raw) < _MIN_SECRET:
        raise ConfigurationError(f"{SECRET_ENV} must be at least {_MIN_SECRET} characters")
    return raw.encode()


def _days(environ: Mapping[str, str]) -> int:
    raw = environ.get(DAYS_ENV, "").strip() or str(_DEFAULT_DAYS)
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigurationError(f"{DAYS_ENV} must be a positive whole number, not {raw!r}")
    return int(raw)


def _signature(secret: bytes, nonprofit_id: str, gift_id: str, expires: int) -> str:
    message = f"{nonprofit_id}|{gift_id}|{expires}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_token(secret: bytes, nonprofit_id: str, gift_id: str, expires: int) -> str:
    """The token of a link to ``gift_id`` good until ``expires`` (Unix time)."""
    return f"{expires}.{_signature(secret, nonprofit_id, gift_id, expires)}"


def check_token(
    environ: Mapping[str, str], nonprofit_id: str, gift_id: str, token: str, now: dt.datetime
) -> None:
    """Accept a link's token, or refuse it.

    Raises:
        NotFound: links are off, or the token was not made for this gift of this nonprofit
            (changed, cut short, or another gift's): the same answer as for no such gift.
        Forbidden: (code ``link_expired``) a sound token whose time has passed.
    """
    secret = link_secret(environ)
    expires_text, _, signature = token.partition(".")
    if secret is None or not expires_text.isdigit() or len(expires_text) > 12:
        raise NotFound("no such link", code="link_not_found")
    expected = _signature(secret, nonprofit_id, gift_id, int(expires_text))
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise NotFound("no such link", code="link_not_found")
    if int(expires_text) <= now.timestamp():
        raise Forbidden("this link has expired", code="link_expired")


def manage_path(
    environ: Mapping[str, str], nonprofit_id: str, gift_id: str, now: dt.datetime
) -> str | None:
    """The path of a new link to manage ``gift_id``; None when links are off."""
    secret = link_secret(environ)
    if secret is None:
        return None
    expires = int((now + dt.timedelta(days=_days(environ))).timestamp())
    token = make_token(secret, nonprofit_id, gift_id, expires)
    return f"/{ROUTE}/{nonprofit_id}/manage/{gift_id}/{token}"


def manage_url(
    environ: Mapping[str, str], nonprofit_id: str, gift_id: str, now: dt.datetime
) -> str | None:
    """The absolute address of a new link (for e-mail); None without a public URL."""
    base = environ.get(PUBLIC_URL_ENV, "").rstrip("/")
    path = manage_path(environ, nonprofit_id, gift_id, now)
    if not base or path is None:
        return None
    return base + path
