"""Staff accounts: roles, one-time set-password links, argon2 passwords, sign-in and lockout.

Roles, each able to do what the one after it can:

- ``owner``: everything, including the staff list and the API keys;
- ``staff``: payments, refunds, approvals and recurring gifts;
- ``viewer``: reads every page and changes nothing.

A new member gets a link holding a random secret (only its SHA-256 is stored) that sets a
password once, within :data:`SETUP_HOURS`. Passwords are hashed with argon2id
(``argon2-cffi``'s defaults, RFC 9106's low-memory profile). :data:`MAX_FAILED_LOGINS` wrong
passwords in a row lock the account for :data:`LOCK_MINUTES`; the sign-in form is also rate
limited per client address (:mod:`houdini_pay.admin.routes`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from houdini_pay.admin.models import StaffMember
from houdini_pay.contract._admin_pages import AdminText
from houdini_pay.errors import Conflict, Forbidden, InvalidRequest, Unauthenticated
from houdini_pay.store._directory import load_scoped
from houdini_pay.store._ids import new_id
from houdini_pay.store._models import Nonprofit
from houdini_pay.store._records import _Record
from houdini_pay.tenancy import ALL_NONPROFITS

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = [
    "LOCK_MINUTES",
    "MAX_FAILED_LOGINS",
    "MIN_PASSWORD_LENGTH",
    "ROLES",
    "SETUP_HOURS",
    "NewStaff",
    "StaffRecord",
    "check_role",
    "create_staff",
    "list_staff",
    "set_password",
    "sign_in",
    "sign_in_dummy",
]

ROLES = ("owner", "staff", "viewer")
"""The roles, most powerful first."""
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
SETUP_HOURS = 72
MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()
# Verified against when no account matches, so a wrong e-mail takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True, slots=True)
class StaffRecord(_Record):
    """A staff member as the dashboard shows them (never the password hash)."""

    id: str
    nonprofit_id: str
    email: str
    role: str
    created_at: dt.datetime
    locked_until: dt.datetime | None

    def may(self, role: str) -> bool:
        """Whether this member's role is ``role`` or more powerful."""
        return ROLES.index(self.role) <= ROLES.index(role)


@dataclass(frozen=True, slots=True)
class NewStaff:
    """A member just made, and the one-time secret of their set-password link."""

    record: StaffRecord
    token: str

    def link(self, base_url: str) -> str:
        """The set-password link under ``base_url`` (the server's public address)."""
        return f"{base_url.rstrip('/')}/admin/set-password?token={self.token}"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_role(staff: StaffRecord, role: str) -> None:
    """``Forbidden`` unless ``staff`` may act as ``role``."""
    if not staff.may(role):
        raise Forbidden(f"this needs the {role} role", code="role_required")


def _normal_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 320 or any(c.isspace() for c in email):
        raise InvalidRequest(
            AdminText("email must be an e-mail address"), details={"field": "email"}
        )
    return email


def create_staff(app: HoudiniPay, nonprofit_id: str, email: str, role: str) -> NewStaff:
    """Make a member of ``nonprofit_id`` with ``role``; the link's secret is returned once.

    Raises ``InvalidRequest`` (unknown role, not an e-mail), ``NotFound`` (no such
    nonprofit), ``Conflict`` (the address is already staff of this nonprofit).
    """
    if role not in ROLES:
        raise InvalidRequest(
            AdminText("role must be one of {roles}", roles=", ".join(ROLES)),
            details={"field": "role"},
        )
    email = _normal_email(email)
    secret = secrets.token_urlsafe(32)
    now = app.clock()
    with app.unit_of_work() as uow:
        load_scoped(uow.session, Nonprofit, nonprofit_id, ALL_NONPROFITS)
        taken = uow.session.scalar(
            select(func.count())
            .select_from(StaffMember)
            .where(StaffMember.nonprofit_id == nonprofit_id, StaffMember.email == email)
        )
        if taken:
            raise Conflict(f"{email} is already staff of this nonprofit", code="staff_exists")
        row = StaffMember(
            id=new_id("stf"),
            nonprofit_id=nonprofit_id,
            email=email,
            role=role,
            setup_token_hash=_digest(secret),
            setup_expires_at=now + dt.timedelta(hours=SETUP_HOURS),
            failed_logins=0,
            created_at=now,
        )
        uow.session.add(row)
        uow.session.flush()
        return NewStaff(StaffRecord.from_model(row), f"{nonprofit_id}.{secret}")


def list_staff(app: HoudiniPay, nonprofit_id: str) -> list[StaffRecord]:
    """The members of ``nonprofit_id``, oldest first."""
    statement = (
        select(StaffMember).where(StaffMember.nonprofit_id == nonprofit_id).order_by(StaffMember.id)
    )
    with app.session() as session:
        return [StaffRecord.from_model(row) for row in session.scalars(statement)]


def set_password(app: HoudiniPay, token: str, password: str) -> StaffRecord:
    """Set the password of the member whose link holds ``token``; the link then stops working.

    Raises ``InvalidRequest`` (password too short) or ``Unauthenticated`` (unknown, used or
    expired link).
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidRequest(
            f"the password must be at least {MIN_PASSWORD_LENGTH} characters long",
            details={"field": "password"},
        )
    nonprofit_id, _, secret = token.partition(".")
    refused = Unauthenticated("this link is unknown, used or expired", code="link_invalid")
    if not nonprofit_id or not secret:
        raise refused
    with app.unit_of_work() as uow:
        row = uow.session.scalar(
            select(StaffMember).where(
                StaffMember.nonprofit_id == nonprofit_id,
                StaffMember.setup_token_hash == _digest(secret),
            )
        )
        expires = row.setup_expires_at if row is not None else None
        if row is None or expires is None or expires <= app.clock():
            raise refused
        row.password_hash = _hasher.hash(password)
        row.setup_token_hash = None
        row.setup_expires_at = None
        row.failed_logins = 0
        row.locked_until = None
        return StaffRecord.from_model(row)


def sign_in(app: HoudiniPay, nonprofit_id: str, email: str, password: str) -> StaffRecord:
    """The member whose address and password these are, or ``Unauthenticated``.

    Every refusal says the same thing, whether the address, the password or a lock was
    wrong, so the form tells a guesser nothing. A wrong password counts towards the lock;
    the right one resets the count.
    """
    refused = Unauthenticated(
        "the e-mail address or password is wrong, or the account is locked for a while",
        code="sign_in_refused",
    )
    now = app.clock()
    with app.unit_of_work() as uow:
        row = uow.session.scalar(
            select(StaffMember).where(
                StaffMember.nonprofit_id == nonprofit_id,
                StaffMember.email == email.strip().lower(),
            )
        )
        if row is None or row.password_hash is None or row.disabled_at is not None:
            _verify(_DUMMY_HASH, password)
            raise refused
        if row.locked_until is not None and row.locked_until > now:
            raise refused
        accepted = _verify(row.password_hash, password)
        if accepted:
            row.failed_logins = 0
            row.locked_until = None
            if _hasher.check_needs_rehash(row.password_hash):
                row.password_hash = _hasher.hash(password)
        else:
            # Counted in this transaction, which commits: the refusal is raised after it.
            row.failed_logins += 1
            if row.failed_logins >= MAX_FAILED_LOGINS:
                row.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
                row.failed_logins = 0
        member = StaffRecord.from_model(row)
    if not accepted:
        raise refused
    return member


def sign_in_dummy(password: str) -> None:
    """Spend the time a password check takes, when there is no account to check against."""
    _verify(_DUMMY_HASH, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
