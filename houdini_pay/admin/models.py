"""The staff dashboard's tables: staff members, their sessions and the audit log.

All three are tenant tables keyed ``(nonprofit_id, id)``: a person is staff of one
nonprofit (the same e-mail address at two nonprofits is two accounts), a session belongs
to its member's nonprofit, and every audit entry to the nonprofit it acted on. A session is
found by the nonprofit named in its cookie and the SHA-256 of its secret, so no lookup ever
reads another nonprofit's rows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from houdini_pay.store._base import ID, Base, tenant_foreign_key, tenant_primary_key, utcnow

__all__ = ["AuditEntry", "StaffMember", "StaffSession"]


class StaffMember(Base):
    """A person who may sign in to the dashboard of one nonprofit, with a role.

    ``password_hash`` is an argon2id hash (None until the person sets a password through
    the one-time link, whose SHA-256 is ``setup_token_hash``). ``failed_logins`` counts
    wrong passwords in a row; enough of them lock the account until ``locked_until``.
    """

    __tablename__ = "staff_members"
    __table_args__ = (
        tenant_primary_key("staff_members"),
        UniqueConstraint("nonprofit_id", "email", name="uq_staff_members_nonprofit_id_email"),
    )

    id: Mapped[str] = mapped_column(ID)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    setup_token_hash: Mapped[str | None] = mapped_column(String(64))
    setup_expires_at: Mapped[dt.datetime | None]
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None]
    disabled_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StaffSession(Base):
    """One signed-in browser: ``id`` is the SHA-256 of the secret in its cookie.

    It ends at ``expires_at`` (a fixed lifetime) or when idle longer than the idle limit
    after ``last_seen_at``, and at once when the member signs out (the row is deleted).
    """

    __tablename__ = "staff_sessions"
    __table_args__ = (
        tenant_primary_key("staff_sessions"),
        tenant_foreign_key("staff_sessions", "staff_id", "staff_members", ondelete="CASCADE"),
    )

    id: Mapped[str] = mapped_column(String(64))
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"))
    staff_id: Mapped[str] = mapped_column(ID)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]


class AuditEntry(Base):
    """One thing a staff member did (or tried) in the dashboard: who, what, when, from where.

    ``staff_email`` is copied so the entry still says who acted after the account is gone;
    ``client`` is the address the request came from.
    """

    __tablename__ = "staff_audit_log"
    __table_args__ = (
        tenant_primary_key("staff_audit_log"),
        Index("ix_staff_audit_log_nonprofit_id_created_at", "nonprofit_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(ID)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"))
    staff_id: Mapped[str | None] = mapped_column(ID)
    staff_email: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(50))
    target: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str | None] = mapped_column(Text)
    client: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
