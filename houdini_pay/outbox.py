"""The transactional outbox: events stored in the same transaction as their change.

Out-of-process consumers (a CRM sync, an email sender) read unpublished rows in id order
and mark them published, so they see every committed event exactly as the in-process
signals did, even across crashes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from houdini_pay.store._ids import new_id
from houdini_pay.store._models import OutboxEvent, utcnow
from houdini_pay.store._rows import OutboxColumns, insert_outbox

__all__ = ["event_columns", "mark_published", "record_event", "unpublished"]


def record_event(
    session: Session | Connection,
    nonprofit_id: str,
    event: str,
    payload: Mapping[str, Any],
    *,
    now: dt.datetime | None = None,
) -> None:
    """Add an event to the outbox in the caller's transaction.

    ``now`` is when it happened (the app's clock); it defaults to the time of the call.
    """
    connection = session.connection() if isinstance(session, Session) else session
    insert_outbox(connection, event_columns(nonprofit_id, event, payload, now=now))


def event_columns(
    nonprofit_id: str,
    event: str,
    payload: Mapping[str, Any],
    *,
    now: dt.datetime | None = None,
) -> OutboxColumns:
    """The row :func:`record_event` adds, for a writer that adds it with another statement."""
    return {
        "id": new_id("evt"),
        "nonprofit_id": nonprofit_id,
        "event": event,
        "payload": dict(payload),
        "created_at": utcnow() if now is None else now,
        "published_at": None,
        "dispatched_at": None,
    }


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
