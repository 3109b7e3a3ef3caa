"""The transactional outbox: events stored in the same transaction as their change.

Out-of-process consumers (a CRM sync, an email sender) read unpublished rows in id order
and mark them published, so they see every committed event exactly as the in-process
signals did, even across crashes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from houdini_pay.store._ids import new_id
from houdini_pay.store._models import OutboxEvent

__all__ = ["mark_published", "record_event", "unpublished"]


def record_event(
    session: Session, nonprofit_id: str, event: str, payload: Mapping[str, Any]
) -> None:
    """Add an event to the outbox in the caller's transaction."""
    session.add(
        OutboxEvent(id=new_id("evt"), nonprofit_id=nonprofit_id, event=event, payload=dict(payload))
    )


def unpublished(session: Session, *, limit: int = 100) -> list[OutboxEvent]:
    """The oldest events not yet handed on, oldest first."""
    return list(
        session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.published_at.is_(None))
            .order_by(OutboxEvent.id)
            .limit(limit)
        )
    )


def mark_published(session: Session, event_ids: list[str], now: dt.datetime) -> None:
    """Mark events as handed on to their consumer."""
    session.execute(
        update(OutboxEvent).where(OutboxEvent.id.in_(event_ids)).values(published_at=now)
    )
