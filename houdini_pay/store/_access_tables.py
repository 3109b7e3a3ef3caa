"""The tables of the way in: API keys, public page submissions and rate-limit windows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from houdini_pay.store._base import ID, Base, tenant_foreign_key, tenant_primary_key, utcnow

__all__ = ["ApiKey", "PublicSubmission", "RateLimitWindow"]


class ApiKey(Base):
    """A key the platform sends over HTTP to act for one nonprofit.

    Only the SHA-256 of the key is stored: the key itself is shown once, when it is made.
    ``prefix`` (the key's first characters) lets a person tell keys apart in listings.
    """

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]


class PublicSubmission(Base):
    """One donor's submission of a public page, by the idempotency key the page chose.

    It ties the public endpoints' steps together: the supporter the first step created,
    the source the form stored, the attempt that paid. Each step reads them from here, so
    a donor's browser can neither name another supporter or source nor, by sending the same
    key twice (a double click, a resubmit), create a second supporter or pay twice.
    """

    __tablename__ = "public_submissions"
    __table_args__ = (
        tenant_primary_key("public_submissions"),
        tenant_foreign_key("public_submissions", "supporter_id", "supporters"),
        tenant_foreign_key("public_submissions", "source_id", "sources"),
        UniqueConstraint("nonprofit_id", "key", name="uq_public_submissions_nonprofit_id_key"),
    )

    id: Mapped[str] = mapped_column(ID)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"))
    key: Mapped[str] = mapped_column(String(100))
    page: Mapped[str] = mapped_column(String(50))
    supporter_id: Mapped[str] = mapped_column(ID)
    source_id: Mapped[str | None] = mapped_column(ID)
    attempt_id: Mapped[str | None] = mapped_column(ID)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RateLimitWindow(Base):
    """How many requests one client sent in one minute, shared by every server process.

    A reference table, not a tenant's: a client address is counted across all nonprofits,
    because a flood burdens the server as a whole (the public pages of every nonprofit are
    on it). The address is stored only as a SHA-256 digest. Rows older than two minutes are
    swept (see :mod:`houdini_pay.web.rate_limits`).
    """

    __tablename__ = "rate_limit_windows"
    __table_args__ = (Index("ix_rate_limit_windows_window", "window"),)

    scope: Mapped[str] = mapped_column(String(50), primary_key=True)
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    window: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hits: Mapped[int] = mapped_column(Integer)
