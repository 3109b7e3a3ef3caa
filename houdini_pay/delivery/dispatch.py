"""Turn outbox events into deliveries: one per event and target.

One worker at a time dispatches (an advisory lock on PostgreSQL, the write lock on SQLite),
oldest event first, so the deliveries of one payment's events are made in the order the
events were written; the worker's claim then keeps that order per target.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, text, update

from houdini_pay.contract._registry import call_each_plugin
from houdini_pay.delivery.catalogue import CORE_EVENT_TYPES, matches, ordering_key, public_type
from houdini_pay.delivery.config import DeliverySettings
from houdini_pay.delivery.models import Delivery, WebhookEndpoint
from houdini_pay.errors import PluginError
from houdini_pay.store._ids import new_id
from houdini_pay.store._models import OutboxEvent

if TYPE_CHECKING:
    import datetime as dt

    from houdini_pay.app import HoudiniPay

__all__ = ["DISPATCH_LOCK", "RECEIPT_CHANNELS", "dispatch", "event_type_names", "mailer_configured"]

DISPATCH_LOCK = 0x686F7564696E69  # "houdini": the advisory lock key of dispatching
RECEIPT_CHANNELS = frozenset({"page", "recurring"})
"""Payments whose donors are e-mailed a receipt unasked: public pages and their schedules."""


def mailer_configured(settings: Any) -> bool:
    """True if receipts will really be e-mailed (``HOUDINI_PAY_SMTP_URL`` and a sender set).

    ``settings`` is the application's :class:`~houdini_pay.Settings`.
    """
    delivery = DeliverySettings.from_settings(settings)
    return bool(delivery.smtp_url and delivery.mail_from)


def event_type_names(app: HoudiniPay) -> dict[str, str]:
    """The public type of each outbox event: the core's, then what plugins name."""
    names = dict(CORE_EVENT_TYPES)
    for plugin, named in call_each_plugin(app.plugins, "register_event_types"):
        if named is None:
            continue
        if not isinstance(named, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) and k and v for k, v in named.items()
        ):
            raise PluginError(
                f"plugin {plugin!r} returned {named!r} from register_event_types; expected a "
                'mapping of outbox event to public type, like {"ticket_issued": "ticket.issued"}'
            )
        names.update(named)
    return names


def wants_receipt(row: OutboxEvent) -> bool:
    """A completed charge of a public page or of a schedule started on one."""
    payment = row.payload.get("payment")
    return (
        row.event == "payment_completed"
        and isinstance(payment, Mapping)
        and payment.get("channel") in RECEIPT_CHANNELS
        and bool(payment.get("supporter_id"))
    )


def delivery_values(
    row: OutboxEvent, channel: str, target: str, now: dt.datetime, key: str | None
) -> dict[str, Any]:
    """The columns of a new delivery of ``row`` to ``target``."""
    return {
        "id": new_id("dlv"),
        "nonprofit_id": row.nonprofit_id,
        "event_id": row.id,
        "channel": channel,
        "target": target,
        "endpoint_id": target if channel == "webhook" else None,
        "ordering_key": key,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "queued_at": now,
    }


def _endpoints(session: Any, nonprofit_ids: set[str]) -> dict[str, list[WebhookEndpoint]]:
    found: dict[str, list[WebhookEndpoint]] = {}
    rows = session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.nonprofit_id.in_(nonprofit_ids), WebhookEndpoint.enabled.is_(True)
        )
    )
    for endpoint in rows:
        found.setdefault(endpoint.nonprofit_id, []).append(endpoint)
    return found


def plan(
    rows: Sequence[OutboxEvent],
    endpoints: Mapping[str, list[WebhookEndpoint]],
    names: Mapping[str, str],
    settings: DeliverySettings,
    now: dt.datetime,
) -> list[dict[str, Any]]:
    """The deliveries owed for ``rows``: matching endpoints, the broker, receipts."""
    mail = bool(settings.smtp_url and settings.mail_from)
    values: list[dict[str, Any]] = []
    for row in rows:
        event_type = public_type(row.event, names)
        key = ordering_key(row.payload)
        for endpoint in endpoints.get(row.nonprofit_id, []):
            if matches(event_type, list(endpoint.event_types)):
                values.append(delivery_values(row, "webhook", endpoint.id, now, key))
        if settings.amqp_url:
            values.append(delivery_values(row, "amqp", "amqp", now, key))
        if mail and wants_receipt(row):
            values.append(delivery_values(row, "email", "email", now, None))
    return values


def dispatch(app: HoudiniPay, *, limit: int = 500) -> int:
    """Make the deliveries of up to ``limit`` undispatched events; return how many events."""
    settings = DeliverySettings.from_settings(app.settings)
    names = event_type_names(app)
    now = app.clock()
    with app.unit_of_work() as uow:
        session = uow.session
        if uow.connection.dialect.name == "postgresql":
            # Another worker is dispatching: it keeps the order; this one delivers.
            locked = session.scalar(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": DISPATCH_LOCK}
            )
            if not locked:
                return 0
        rows = session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.dispatched_at.is_(None))
            .order_by(OutboxEvent.id)
            .limit(limit)
        ).all()
        if not rows:
            return 0
        endpoints = _endpoints(session, {row.nonprofit_id for row in rows})
        values = plan(rows, endpoints, names, settings, now)
        if values:
            session.execute(insert(Delivery), values)
        session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_([row.id for row in rows]))
            .values(dispatched_at=now)
        )
        return len(rows)
