"""The tables of events: processor webhooks received, and the outbox of events to send."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from houdini_pay.store._base import ID, Base, tenant_primary_key, utcnow

__all__ = ["OutboxEvent", "WebhookEvent"]


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
