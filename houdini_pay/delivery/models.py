"""The tables of delivery: webhook endpoints, one delivery per event and target, attempts.

A *delivery* is one event owed to one target: a nonprofit's webhook endpoint
(``target`` = the endpoint id), the donor's receipt e-mail (``email``) or the broker
(``amqp``). The pair (event, target) is unique, so an event is never owed twice to the same
place; a resend puts the same row back in the queue. Every try is kept as a
:class:`DeliveryAttempt`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from houdini_pay.store._models import (
    ID,
    Base,
    tenant_foreign_key,
    tenant_primary_key,
    utcnow,
)

__all__ = ["Delivery", "DeliveryAttempt", "WebhookEndpoint"]


class WebhookEndpoint(Base):
    """A URL of a nonprofit's that receives its events, signed with ``secret``.

    ``event_types`` lists the public event types it wants (``payment.completed``,
    ``dispute.*``); an empty list means every event. ``failing_since`` is the time of the
    first failure since the last success: an endpoint failing for the whole retry window is
    disabled.
    """

    __tablename__ = "webhook_endpoints"
    __table_args__ = (tenant_primary_key("webhook_endpoints"),)

    id: Mapped[str] = mapped_column(ID)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"))
    url: Mapped[str] = mapped_column(String(2048))
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The receiver needs the same secret to check signatures, so it is kept (like a
    # processor's webhook secret on the other side) and shown once, when made or rotated.
    secret: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    failing_since: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Delivery(Base):
    """One event owed to one target, and where its delivery stands.

    ``status`` is ``pending`` (owed; due at ``next_attempt_at``), ``succeeded``,
    ``failed`` (given up) or ``skipped`` (nothing to send: a supporter without e-mail).
    A worker holding it sets ``claimed_by`` and ``claimed_until``; a claim past
    its time belongs to a worker that died and is taken over.
    ``ordering_key`` (the payment's attempt, or the recurring schedule) keeps the events of
    one payment in order for each target.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        tenant_primary_key("deliveries"),
        tenant_foreign_key("deliveries", "event_id", "outbox"),
        tenant_foreign_key("deliveries", "endpoint_id", "webhook_endpoints"),
        UniqueConstraint(
            "nonprofit_id", "event_id", "target", name="uq_deliveries_nonprofit_id_event_id_target"
        ),
        Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_deliveries_target_ordering_key", "target", "ordering_key", "event_id"),
    )

    id: Mapped[str] = mapped_column(ID)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"))
    event_id: Mapped[str] = mapped_column(ID)
    channel: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(60))
    endpoint_id: Mapped[str | None] = mapped_column(ID)
    ordering_key: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # When it was last put in the queue (made, or resent): retries stop a retry window later.
    queued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None]


class DeliveryAttempt(Base):
    """One try of a delivery: when, how long, what the target answered."""

    __tablename__ = "delivery_attempts"
    __table_args__ = (
        tenant_primary_key("delivery_attempts"),
        tenant_foreign_key("delivery_attempts", "delivery_id", "deliveries"),
        Index("ix_delivery_attempts_delivery_id", "delivery_id", "number"),
    )

    id: Mapped[str] = mapped_column(ID)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"))
    delivery_id: Mapped[str] = mapped_column(ID)
    number: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    latency_ms: Mapped[int] = mapped_column(Integer)
    succeeded: Mapped[bool]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    response_body: Mapped[str | None] = mapped_column(Text)

    def to_dict(self) -> dict[str, Any]:
        """The attempt as JSON-ready values."""
        return {
            "number": self.number,
            "worker": self.worker,
            "started_at": self.started_at.isoformat(),
            "latency_ms": self.latency_ms,
            "succeeded": self.succeeded,
            "status_code": self.status_code,
            "error": self.error,
            "response_body": self.response_body,
        }
