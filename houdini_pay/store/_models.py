"""SQLAlchemy models of the core tables.

Every tenant-owned row carries ``nonprofit_id`` and every query filters on it: that keeps
tenants apart and lets a distributed PostgreSQL shard the tables by nonprofit. Money columns
are ``int`` minor units beside a currency column. States are explicit columns whose values
come from :mod:`houdini_pay.store._states`.

Plugins declare their own tables on :class:`Base` too (so one ``MetaData`` knows all of them)
and ship their own Alembic migrations; they never write the tables defined here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "REFERENCE_INFO",
    "REFERENCE_TABLES",
    "Address",
    "ApiKey",
    "Base",
    "Dispute",
    "LimitedItem",
    "Nonprofit",
    "OutboxEvent",
    "Payment",
    "PaymentAttempt",
    "PluginSetting",
    "PublicSubmission",
    "Receipt",
    "Reservation",
    "Source",
    "Supporter",
    "WebhookEvent",
    "tenant_foreign_key",
    "tenant_primary_key",
    "utcnow",
]

ID = String(40)

REFERENCE_TABLES: frozenset[str] = frozenset({"nonprofits", "api_keys", "webhook_events"})
"""The core's tables that are not per tenant; every other table is keyed by ``nonprofit_id``.

``nonprofits`` is the tenants themselves; ``api_keys`` maps a key to its nonprofit before
the nonprofit is known (a request names none); ``webhook_events`` is unique per processor
event, recorded before the nonprofit it concerns is known. A distributed PostgreSQL copies
them to every node (reference tables); every other table is sharded by ``nonprofit_id``, so
its primary key, unique constraints and foreign keys to other tenant tables all include
``nonprofit_id`` (docs/operations.md). A plugin's table that is not per tenant says so with
``{"info": {"houdini_pay_reference": True}}`` in its ``__table_args__``.
"""

REFERENCE_INFO = "houdini_pay_reference"
"""The ``Table.info`` key marking a plugin's table as a reference table (not per tenant)."""


def tenant_primary_key(table: str) -> PrimaryKeyConstraint:
    """The primary key ``(nonprofit_id, id)`` of a tenant table named ``table``."""
    return PrimaryKeyConstraint("nonprofit_id", "id", name=f"pk_{table}")


def tenant_foreign_key(
    table: str, column: str, referred: str, *, ondelete: str | None = None
) -> ForeignKeyConstraint:
    """The foreign key ``(nonprofit_id, column)`` of ``table`` to ``referred``'s
    ``(nonprofit_id, id)``: a row may only point at a row of its own nonprofit, and a
    sharded database finds both on the same shard.

    Named as the single-column key it replaces (``fk_<table>_<column>_<referred>``).
    """
    return ForeignKeyConstraint(
        ["nonprofit_id", column],
        [f"{referred}.nonprofit_id", f"{referred}.id"],
        name=f"fk_{table}_{column}_{referred}",
        ondelete=ondelete,
    )


CHANNEL_DEFAULT = "api"
"""The channel of rows written before channels were recorded (migration ``core_channel``)."""


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC (every stored time is UTC)."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no timezone type and hands back naive values; this makes both databases
    return the same aware ``datetime``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base shared by the core and every plugin's tables."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        int: BigInteger(),
    }


class Nonprofit(Base):
    """A tenant: an organisation receiving payments in one currency."""

    __tablename__ = "nonprofits"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    country: Mapped[str | None] = mapped_column(String(2))
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Supporter(Base):
    """A person or organisation giving to a nonprofit."""

    __tablename__ = "supporters"
    __table_args__ = (tenant_primary_key("supporters"),)

    id: Mapped[str] = mapped_column(ID)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Address(Base):
    """A postal address of a supporter."""

    __tablename__ = "addresses"
    __table_args__ = (
        tenant_primary_key("addresses"),
        tenant_foreign_key("addresses", "supporter_id", "supporters"),
    )

    id: Mapped[str] = mapped_column(ID)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), index=True)
    supporter_id: Mapped[str] = mapped_column(ID, index=True)
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Source(Base):
    """A way a supporter pays, as a processor's reference (a token, never a card number).

    A source type plugin keeps any detail of its own in its own table keyed by ``id``.
    """

    __tablename__ = "sources"
    __table_args__ = (
        tenant_primary_key("sources"),
        tenant_foreign_key("sources", "supporter_id", "supporters"),
    )

    id: Mapped[str] = mapped_column(ID)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), index=True)
    supporter_id: Mapped[str] = mapped_column(ID, index=True)
    processor: Mapped[str] = mapped_column(String(50))
    source_type: Mapped[str] = mapped_column(String(50))
    processor_reference: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PaymentAttempt(Base):
    """One run of the pipeline: a charge or a refund, from request to outcome.

    The idempotency key is unique per nonprofit, so a retried request finds its earlier run;
    the fingerprint tells a retry from a different request reusing the key.
    """

    __tablename__ = "payment_attempts"
    __table_args__ = (
        tenant_primary_key("payment_attempts"),
        tenant_foreign_key("payment_attempts", "supporter_id", "supporters"),
        tenant_foreign_key("payment_attempts", "source_id", "sources"),
        UniqueConstraint(
            "nonprofit_id",
            "idempotency_key",
            name="uq_payment_attempts_nonprofit_id_idempotency_key",
        ),
        Index("ix_payment_attempts_state_updated_at", "state", "updated_at"),
        # Webhooks find attempts and payments by the processor's reference.
        Index("ix_payment_attempts_processor_reference", "processor", "processor_reference"),
    )

    id: Mapped[str] = mapped_column(ID)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"))
    operation: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20))
    processor: Mapped[str] = mapped_column(String(50))
    payment_type: Mapped[str | None] = mapped_column(String(50))
    supporter_id: Mapped[str | None] = mapped_column(ID)
    source_id: Mapped[str | None] = mapped_column(ID)
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    request: Mapped[dict[str, Any]]
    processor_reference: Mapped[str | None] = mapped_column(String(255))
    next_action: Mapped[dict[str, Any] | None]
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    payment_id: Mapped[str | None] = mapped_column(ID)
    parent_payment_id: Mapped[str | None] = mapped_column(ID, index=True)
    reconcile_count: Mapped[int] = mapped_column(default=0)
    reversal_pending: Mapped[bool] = mapped_column(default=False)
    """The charge must be given back and that is not confirmed yet (reconcile retries)."""
    channel: Mapped[str] = mapped_column(String(20), server_default=CHANNEL_DEFAULT)
    """Where the request came from (``houdini_pay.Channel``); set by every entry point."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Payment(Base):
    """What the nonprofit cares about: a signed amount that moved, or was recorded.

    Charges and offsite payments are positive; refunds and disputes are negative and point
    at their ``parent_id``. ``amount_refunded`` is kept on the parent so a refund can be
    checked against it under a row lock.
    """

    __tablename__ = "payments"
    __table_args__ = (
        tenant_primary_key("payments"),
        tenant_foreign_key("payments", "supporter_id", "supporters"),
        tenant_foreign_key("payments", "source_id", "sources"),
        tenant_foreign_key("payments", "parent_id", "payments"),
        Index("ix_payments_nonprofit_id_created_at", "nonprofit_id", "created_at"),
        Index("ix_payments_supporter_id", "supporter_id"),
        Index("ix_payments_processor_reference", "processor", "processor_reference"),
    )

    id: Mapped[str] = mapped_column(ID)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"))
    supporter_id: Mapped[str | None] = mapped_column(ID)
    attempt_id: Mapped[str | None] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    gross: Mapped[int]
    fee: Mapped[int] = mapped_column(default=0)
    net: Mapped[int]
    amount_refunded: Mapped[int] = mapped_column(default=0)
    processor: Mapped[str] = mapped_column(String(50))
    processor_reference: Mapped[str | None] = mapped_column(String(255))
    payment_type: Mapped[str | None] = mapped_column(String(50))
    source_id: Mapped[str | None] = mapped_column(ID)
    parent_id: Mapped[str | None] = mapped_column(ID, index=True)
    description: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    channel: Mapped[str] = mapped_column(String(20), server_default=CHANNEL_DEFAULT)
    """Where it came from: its attempt's channel (a dispute or a refund the processor
    reports takes the channel of the payment it belongs to)."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LimitedItem(Base):
    """Stock of one limited item (a ticket level's seats, a gift option).

    ``issued + held <= capacity`` always holds; it is kept by conditional updates, so it
    holds under any number of concurrent buyers on SQLite and PostgreSQL alike.
    ``capacity`` None means unlimited (the counters are still kept).
    """

    __tablename__ = "limited_items"

    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), primary_key=True)
    item_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    capacity: Mapped[int | None]
    issued: Mapped[int] = mapped_column(default=0)
    held: Mapped[int] = mapped_column(default=0)


class Reservation(Base):
    """Limited items held for an attempt until it finalizes, fails or the hold expires."""

    __tablename__ = "reservations"
    __table_args__ = (
        tenant_primary_key("reservations"),
        tenant_foreign_key("reservations", "attempt_id", "payment_attempts"),
        Index(
            "ix_reservations_item_state_expires", "nonprofit_id", "item_key", "state", "expires_at"
        ),
    )

    id: Mapped[str] = mapped_column(ID)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"))
    attempt_id: Mapped[str] = mapped_column(ID, index=True)
    item_key: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[int]
    state: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WebhookEvent(Base):
    """A processor event received once; the unique key makes each apply exactly once.

    ``claimed_at`` is when a delivery started applying it (NULL: nobody is); a claim older
    than ``Settings.webhook_claim_timeout`` was abandoned by a crash and may be taken over.
    An event about a payment houdini-pay has not recorded yet waits: ``waiting_for`` holds
    the processor's reference of that payment and ``waiting_observations`` what is still to
    apply once it is recorded (see :mod:`houdini_pay.pipeline._waiting_events`).
    """

    __tablename__ = "webhook_events"
    __table_args__ = (
        UniqueConstraint("processor", "event_id", name="uq_webhook_events_processor_event_id"),
        # Recording a payment looks for the events waiting for it.
        Index("ix_webhook_events_waiting_for", "processor", "waiting_for"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    processor: Mapped[str] = mapped_column(String(50))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[dt.datetime | None]
    claimed_at: Mapped[dt.datetime | None]
    waiting_for: Mapped[str | None] = mapped_column(String(255))
    waiting_observations: Mapped[dict[str, Any] | None]


class OutboxEvent(Base):
    """An event written in the same transaction as the change it describes.

    Out-of-process consumers read it durably; ``published_at`` marks what was handed on.
    ``dispatched_at`` marks what ``houdini-pay worker`` has turned into deliveries
    (:mod:`houdini_pay.delivery`), apart from ``published_at`` so both can read the outbox.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        tenant_primary_key("outbox"),
        Index("ix_outbox_published_at_id", "published_at", "id"),
        Index("ix_outbox_dispatched_at_id", "dispatched_at", "id"),
    )

    id: Mapped[str] = mapped_column(ID)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"))
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_at: Mapped[dt.datetime | None]
    dispatched_at: Mapped[dt.datetime | None]


class PluginSetting(Base):
    """A nonprofit's choice to disable (or re-enable) a processor or payment type.

    No row means enabled: every installed plugin is on until a nonprofit turns it off.
    """

    __tablename__ = "plugin_settings"

    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(50), primary_key=True)
    enabled: Mapped[bool]


class Dispute(Base):
    """A chargeback of a payment, as its processor reports it.

    The money it moves is recorded as payments of kind ``dispute`` (funds withdrawn,
    negative) and ``dispute_reversal`` (funds reinstated, positive) whose parent is the
    disputed payment; this row keeps the dispute's own state (``open``, then ``won``,
    ``lost`` or ``closed``) so that news arriving out of order never reopens it.
    """

    __tablename__ = "disputes"
    __table_args__ = (
        tenant_primary_key("disputes"),
        tenant_foreign_key("disputes", "payment_id", "payments"),
        UniqueConstraint(
            "nonprofit_id",
            "processor",
            "processor_reference",
            name="uq_disputes_nonprofit_id_processor_processor_reference",
        ),
    )

    id: Mapped[str] = mapped_column(ID)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), index=True)
    payment_id: Mapped[str] = mapped_column(ID, index=True)
    processor: Mapped[str] = mapped_column(String(50))
    processor_reference: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(100))
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Receipt(Base):
    """The number of a supporter's annual giving receipt.

    Numbers run 1, 2, 3, ... per nonprofit and year without a gap: one is given only in the
    transaction that records it, and the two unique keys make a number name one supporter
    and a supporter hold one number a year, however many times receipts are issued again.
    """

    __tablename__ = "receipts"
    __table_args__ = (
        tenant_primary_key("receipts"),
        tenant_foreign_key("receipts", "supporter_id", "supporters"),
        UniqueConstraint(
            "nonprofit_id", "year", "number", name="uq_receipts_nonprofit_id_year_number"
        ),
        UniqueConstraint(
            "nonprofit_id",
            "year",
            "supporter_id",
            name="uq_receipts_nonprofit_id_year_supporter_id",
        ),
    )

    id: Mapped[str] = mapped_column(ID)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"))
    supporter_id: Mapped[str] = mapped_column(ID, index=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


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
