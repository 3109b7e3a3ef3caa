"""What staff read and redo: the events of a nonprofit, an endpoint's deliveries, resends."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from houdini_pay import text
from houdini_pay.delivery.catalogue import envelope, ordering_key, public_type
from houdini_pay.delivery.dispatch import delivery_values, event_type_names
from houdini_pay.delivery.endpoints import load_endpoint
from houdini_pay.delivery.models import Delivery, DeliveryAttempt, WebhookEndpoint
from houdini_pay.errors import Conflict, InvalidRequest
from houdini_pay.store._directory import load_scoped
from houdini_pay.store._models import Nonprofit, OutboxEvent
from houdini_pay.store._records import _Record
from houdini_pay.store._tenant_rows import load_tenant_row
from houdini_pay.tenancy import ALL_NONPROFITS, Scope, check_scope

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = ["DeliveryRecord", "list_deliveries", "list_events", "resend_event"]

DELIVERY_STATUSES = ("pending", "succeeded", "failed", "skipped")


@dataclass(frozen=True, slots=True)
class DeliveryRecord(_Record):
    """A delivery and its tries, newest try last."""

    id: str
    event_id: str
    event_type: str
    channel: str
    target: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: dt.datetime
    completed_at: dt.datetime | None
    tries: list[dict[str, Any]] = field(default_factory=list)


def list_events(
    app: HoudiniPay, nonprofit_id: str, *, event_type: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The nonprofit's events, newest first, as receivers get them (``type`` filters)."""
    names = event_type_names(app)
    with app.session() as session:
        load_scoped(session, Nonprofit, nonprofit_id, ALL_NONPROFITS)
        statement = (
            select(OutboxEvent)
            .where(OutboxEvent.nonprofit_id == nonprofit_id)
            .order_by(OutboxEvent.id.desc())
        )
        if event_type is not None:
            text.check_text(event_type, "type")
            wanted = [
                name
                for name in _outbox_names(session, names)
                if public_type(name, names) == event_type
            ]
            statement = statement.where(OutboxEvent.event.in_(wanted))
        rows = session.scalars(statement.limit(limit))
        return [envelope(row, public_type(row.event, names)) for row in rows]


def _outbox_names(session: Any, names: dict[str, str]) -> list[str]:
    stored = session.scalars(select(OutboxEvent.event).distinct())
    return sorted(set(stored) | set(names))


def list_deliveries(
    app: HoudiniPay,
    endpoint_id: str,
    *,
    status: str | None = None,
    nonprofit_id: Scope = ALL_NONPROFITS,
    limit: int = 100,
) -> list[DeliveryRecord]:
    """An endpoint's deliveries, newest first, each with its tries."""
    if status is not None and status not in DELIVERY_STATUSES:
        raise_status(status)
    names = event_type_names(app)
    with app.session() as session:
        load_endpoint(session, endpoint_id, nonprofit_id)
        statement = (
            select(Delivery, OutboxEvent.event)
            .join(OutboxEvent, OutboxEvent.id == Delivery.event_id)
            .where(Delivery.endpoint_id == endpoint_id)
            .order_by(Delivery.id.desc())
            .limit(limit)
        )
        if status is not None:
            statement = statement.where(Delivery.status == status)
        rows = session.execute(statement).all()
        tries: dict[str, list[dict[str, Any]]] = {}
        attempts = session.scalars(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.delivery_id.in_([row.id for row, _ in rows]))
            .order_by(DeliveryAttempt.delivery_id, DeliveryAttempt.number)
        )
        for attempt in attempts:
            tries.setdefault(attempt.delivery_id, []).append(attempt.to_dict())
        return [
            DeliveryRecord(
                id=row.id,
                event_id=row.event_id,
                event_type=public_type(event, names),
                channel=row.channel,
                target=row.target,
                status=row.status,
                attempts=row.attempts,
                next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
                last_status_code=row.last_status_code,
                last_error=row.last_error,
                created_at=row.created_at,
                completed_at=row.completed_at,
                tries=tries.get(row.id, []),
            )
            for row, event in rows
        ]


def raise_status(status: str) -> None:
    """Refuse an unknown delivery status."""
    raise InvalidRequest(
        f"status must be one of {', '.join(DELIVERY_STATUSES)}, not {status!r}",
        code="invalid_status",
        details={"field": "status"},
    )


def _targets_for(
    session: Any, event: OutboxEvent, endpoint_id: str | None, now: dt.datetime
) -> tuple[list[str], bool]:
    """The deliveries of ``event`` to queue again, and whether a new one was just made."""
    if endpoint_id is None:
        found = session.scalars(
            select(Delivery.id)
            .join(
                WebhookEndpoint,
                (WebhookEndpoint.nonprofit_id == Delivery.nonprofit_id)
                & (WebhookEndpoint.id == Delivery.endpoint_id),
            )
            .where(
                Delivery.nonprofit_id == event.nonprofit_id,
                Delivery.event_id == event.id,
                WebhookEndpoint.enabled.is_(True),
            )
        )
        return list(found), False
    endpoint = load_endpoint(session, endpoint_id, event.nonprofit_id)
    if not endpoint.enabled:
        raise Conflict(
            f"webhook endpoint {endpoint_id} is disabled: enable it first",
            code="endpoint_disabled",
        )
    existing = session.scalar(
        select(Delivery.id).where(Delivery.event_id == event.id, Delivery.target == endpoint.id)
    )
    if existing is not None:
        return [existing], False
    values = delivery_values(event, "webhook", endpoint.id, now, ordering_key(event.payload))
    session.add(Delivery(**values))
    return [str(values["id"])], True


def resend_event(
    app: HoudiniPay,
    event_id: str,
    *,
    endpoint_id: str | None = None,
    nonprofit_id: Scope = ALL_NONPROFITS,
) -> list[str]:
    """Deliver an event again, now: to one endpoint, or to every endpoint it went to.

    A delivery already owed is left as it is; one that succeeded or failed is queued again
    (its tries are kept). Returns the ids of the deliveries queued.

    Raises:
        NotFound: ``event_not_found`` / ``webhook_endpoint_not_found``.
        Conflict: ``endpoint_disabled`` when the endpoint named is disabled.
    """
    check_scope(nonprofit_id)
    text.check_text(event_id, "event id")
    now = app.clock()
    with app.unit_of_work() as uow:
        session = uow.session
        event = load_tenant_row(
            session, OutboxEvent, event_id, nonprofit_id, not_found="event_not_found"
        )
        targets, made = _targets_for(session, event, endpoint_id, now)
        if made:
            return targets
        session.execute(
            update(Delivery)
            .where(
                Delivery.nonprofit_id == event.nonprofit_id,
                Delivery.id.in_(targets),
                Delivery.status != "pending",
            )
            .values(
                status="pending",
                next_attempt_at=now,
                queued_at=now,
                completed_at=None,
                claimed_by=None,
                claimed_until=None,
            )
        )
        return targets
