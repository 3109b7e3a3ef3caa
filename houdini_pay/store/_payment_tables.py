"""The tables of money: pipeline runs (attempts), payments, disputes and receipt numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from houdini_pay.store._base import ID, Base, tenant_foreign_key, tenant_primary_key, utcnow

__all__ = ["CHANNEL_DEFAULT", "Dispute", "Payment", "PaymentAttempt", "Receipt"]


CHANNEL_DEFAULT = "api"
"""The channel of rows written before channels were recorded (migration ``core_channel``)."""


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
    invoice_id: Mapped[str | None] = mapped_column(ID)
    """The invoice it pays (``invoice_id`` of its type object); a refund or a dispute
    takes its parent's."""
    failure_reason: Mapped[str | None] = mapped_column(Text)
    """Why it failed or was cancelled (a decline, a staff rejection); None otherwise."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


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
