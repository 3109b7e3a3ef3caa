"""Dashboard sessions: kept on the server, named by a random secret in an HttpOnly cookie.

The cookie holds ``<nonprofit id>.<secret>``; the ``staff_sessions`` row is found by the
nonprofit and the SHA-256 of the secret (a stolen database leaks no usable cookie). Server-side
rows, rather than signed cookies, make signing out and a lock take effect at once and need no
signing key. A session ends when idle for ``HOUDINI_PAY_ADMIN_IDLE_MINUTES`` (30) or
``HOUDINI_PAY_ADMIN_SESSION_HOURS`` (12) after sign-in, whichever comes first; ended rows
are deleted when their cookie comes back, when their member signs in again, and by
:func:`sweep_sessions` for all nonprofits at once.

The cookie is ``HttpOnly``, ``SameSite=Lax`` (a link from an e-mail still opens the
dashboard signed in; every change is a POST with a CSRF token besides) and ``Secure`` unless
the page is served to the machine itself (``localhost``, ``127.0.0.1``, ``::1``), so outside
loopback the dashboard works only over HTTPS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request, Response
from sqlalchemy import delete, select

from houdini_pay.admin.accounts import StaffRecord
from houdini_pay.admin.models import StaffMember, StaffSession
from houdini_pay.db.sharding import CROSS_TENANT
from houdini_pay.errors import ConfigurationError

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = [
    "COOKIE",
    "IDLE_ENV",
    "LIFETIME_ENV",
    "SessionSettings",
    "clear_cookie",
    "end_session",
    "find_session",
    "set_cookie",
    "start_session",
    "sweep_sessions",
]

COOKIE = "houdini_pay_admin"
IDLE_ENV = "HOUDINI_PAY_ADMIN_IDLE_MINUTES"
LIFETIME_ENV = "HOUDINI_PAY_ADMIN_SESSION_HOURS"
_LOOPBACK = ("localhost", "127.0.0.1", "[::1]", "::1", "testserver")


@dataclass(frozen=True)
class SessionSettings:
    """How long a session lasts: idle, and at most."""

    idle: dt.timedelta = dt.timedelta(minutes=30)
    lifetime: dt.timedelta = dt.timedelta(hours=12)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SessionSettings:
        """Read the limits from ``environ``; ``ConfigurationError`` if one is not a number."""
        values = []
        for name, default in ((IDLE_ENV, 30), (LIFETIME_ENV, 12)):
            raw = environ.get(name) or str(default)
            if not raw.isdigit() or int(raw) < 1:
                raise ConfigurationError(f"{name} must be a positive whole number, not {raw!r}")
            values.append(int(raw))
        return cls(dt.timedelta(minutes=values[0]), dt.timedelta(hours=values[1]))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(app: HoudiniPay, staff: StaffRecord, settings: SessionSettings) -> str:
    """Open a session for ``staff``; returns the cookie's value (shown to no one else).

    The member's sessions that have ended meanwhile are deleted (a browser that never came
    back leaves its row until then).
    """
    secret = secrets.token_urlsafe(32)
    now = app.clock()
    with app.unit_of_work() as uow:
        uow.session.execute(
            delete(StaffSession).where(
                StaffSession.nonprofit_id == staff.nonprofit_id,
                StaffSession.staff_id == staff.id,
                (StaffSession.expires_at <= now)
                | (StaffSession.last_seen_at <= now - settings.idle),
            )
        )
        uow.session.add(
            StaffSession(
                id=_digest(secret),
                nonprofit_id=staff.nonprofit_id,
                staff_id=staff.id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + settings.lifetime,
            )
        )
    return f"{staff.nonprofit_id}.{secret}"


def find_session(app: HoudiniPay, cookie: str, settings: SessionSettings) -> StaffRecord | None:
    """The member signed in with ``cookie``, or None (unknown, expired or locked out).

    A live session's idle clock restarts; an expired one is deleted.
    """
    nonprofit_id, _, secret = cookie.partition(".")
    if not nonprofit_id or not secret:
        return None
    now = app.clock()
    with app.unit_of_work() as uow:
        found = uow.session.execute(
            select(StaffSession, StaffMember)
            .join(
                StaffMember,
                (StaffMember.nonprofit_id == StaffSession.nonprofit_id)
                & (StaffMember.id == StaffSession.staff_id),
            )
            .where(
                StaffSession.nonprofit_id == nonprofit_id,
                StaffSession.id == _digest(secret),
            )
        ).first()
        if found is None:
            return None
        session, member = found
        if (
            session.expires_at <= now
            or session.last_seen_at + settings.idle <= now
            or member.disabled_at is not None
        ):
            uow.session.delete(session)
            return None
        session.last_seen_at = now
        return StaffRecord.from_model(member)


def end_session(app: HoudiniPay, cookie: str) -> None:
    """Sign out: the session named by ``cookie`` is deleted (nothing happens if unknown)."""
    nonprofit_id, _, secret = cookie.partition(".")
    if not nonprofit_id or not secret:
        return
    with app.unit_of_work() as uow:
        uow.session.execute(
            delete(StaffSession).where(
                StaffSession.nonprofit_id == nonprofit_id, StaffSession.id == _digest(secret)
            )
        )


def sweep_sessions(app: HoudiniPay, settings: SessionSettings) -> int:
    """Delete every nonprofit's sessions that have ended; returns how many.

    A session ends ``settings.lifetime`` after sign-in or when idle for ``settings.idle``;
    :func:`find_session` deletes one only when its cookie comes back, and
    :func:`start_session` its member's, so a browser that never returns leaves its row
    until this runs (``houdini-pay staff sweep-sessions``, from cron).
    """
    now = app.clock()
    with app.unit_of_work() as uow:
        result = uow.session.execute(
            delete(StaffSession)
            .where(
                (StaffSession.expires_at <= now)
                | (StaffSession.last_seen_at <= now - settings.idle)
            )
            .execution_options(**{CROSS_TENANT: True})
        )
    return int(getattr(result, "rowcount", 0) or 0)


def _secure(request: Request) -> bool:
    host = (request.url.hostname or "").lower()
    return request.url.scheme == "https" or host not in _LOOPBACK


def set_cookie(request: Request, response: Response, value: str) -> None:
    """Give the browser the session cookie (see the module docstring for its attributes)."""
    response.set_cookie(
        COOKIE,
        value,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/admin",
    )


def clear_cookie(request: Request, response: Response) -> None:
    """Make the browser forget the session cookie."""
    response.delete_cookie(
        COOKIE, httponly=True, samesite="lax", secure=_secure(request), path="/admin"
    )
