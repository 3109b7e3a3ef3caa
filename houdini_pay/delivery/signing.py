"""Signatures of outbound webhooks, made the way Stripe makes its own.

The header ``HoudiniPay-Signature: t=TIMESTAMP,v1=HEX`` carries the Unix time of sending
and the HMAC-SHA256, keyed with the endpoint secret's UTF-8 bytes, of ``TIMESTAMP.BODY``.
A receiver recomputes it over the raw body and refuses a timestamp older than its tolerance,
which stops an intercepted request from being replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from houdini_pay.errors import WebhookVerificationError

__all__ = ["SECRET_PREFIX", "SIGNATURE_HEADER", "new_secret", "sign", "verify"]

SIGNATURE_HEADER = "HoudiniPay-Signature"
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A new endpoint secret: ``whsec_`` and 32 random bytes in URL-safe base64."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _mac(payload: bytes, secret: str, timestamp: int) -> str:
    signed = str(timestamp).encode() + b"." + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``HoudiniPay-Signature`` header value for ``payload`` sent at ``timestamp``."""
    when = int(time.time()) if timestamp is None else timestamp
    return f"t={when},v1={_mac(payload, secret, when)}"


def _refuse(message: str) -> WebhookVerificationError:
    return WebhookVerificationError(message, code="invalid_signature")


def verify(
    payload: bytes, header: str, secret: str, tolerance: int = 300, *, now: float | None = None
) -> dict[str, Any]:
    """Check ``header`` against the raw ``payload``; return the parsed event.

    Args:
        payload: the request body exactly as received (bytes, not re-encoded JSON).
        header: the ``HoudiniPay-Signature`` header.
        secret: the endpoint's secret (``whsec_...``).
        tolerance: the oldest (and the most in the future) a timestamp may be, in seconds.
        now: the current Unix time (tests); default the clock.

    Raises:
        HoudiniPayError: code ``invalid_signature`` when the header is missing or
            malformed, no ``v1`` signature matches, or the timestamp is out of tolerance.
    """
    timestamp: int | None = None
    candidates: list[str] = []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise _refuse(f"the {SIGNATURE_HEADER} header must read t=TIMESTAMP,v1=SIGNATURE")
    expected = _mac(payload, secret, timestamp)
    # Several v1 values may be present; compare each in constant time.
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise _refuse("no signature matches the payload and the secret")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise _refuse(f"the timestamp is more than {tolerance} seconds away from now")
    try:
        event = json.loads(payload)
    except ValueError:
        raise _refuse("the payload is not JSON") from None
    if not isinstance(event, dict):
        raise _refuse("the payload is not a JSON object")
    return event
