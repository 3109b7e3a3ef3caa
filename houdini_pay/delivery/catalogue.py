"""What other systems receive: public event types, the JSON envelope, the ordering key.

The outbox names events as the signals do (``refund_completed``); systems outside receive
stable dotted types (``payment.refunded``). Plugins name theirs through the
``register_event_types`` hook; an outbox event nobody named keeps its name with its first
underscore turned into a dot (``ticket_issued`` becomes ``ticket.issued``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from houdini_pay.store._models import OutboxEvent

__all__ = [
    "CORE_EVENT_TYPES",
    "envelope",
    "envelope_bytes",
    "matches",
    "ordering_key",
    "public_type",
]

CORE_EVENT_TYPES: Mapping[str, str] = {
    "payment_pending": "payment.pending",
    "payment_completed": "payment.completed",
    "payment_failed": "payment.failed",
    "refund_completed": "payment.refunded",
    "dispute_opened": "dispute.opened",
    "dispute_funds_withdrawn": "dispute.funds_withdrawn",
    "dispute_funds_reinstated": "dispute.funds_reinstated",
    "dispute_closed": "dispute.closed",
    "webhook_endpoint_disabled": "webhook_endpoint.disabled",
}
"""The core's outbox events and the public type each is delivered as."""


def public_type(event: str, names: Mapping[str, str] = CORE_EVENT_TYPES) -> str:
    """The public type of the outbox event named ``event``."""
    if event in names:
        return names[event]
    if "." in event:
        return event
    return event.replace("_", ".", 1)


def matches(event_type: str, wanted: list[str]) -> bool:
    """True if an endpoint wanting ``wanted`` (empty: everything) receives ``event_type``.

    ``dispute.*`` matches every type starting ``dispute.``; ``*`` matches all.
    """
    if not wanted:
        return True
    for pattern in wanted:
        if pattern in ("*", event_type):
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


def envelope(row: OutboxEvent, event_type: str) -> dict[str, Any]:
    """The JSON object a receiver gets for the outbox row ``row``."""
    return {
        "id": row.id,
        "type": event_type,
        "created": int(row.created_at.timestamp()),
        "nonprofit_id": row.nonprofit_id,
        "data": row.payload,
    }


def envelope_bytes(row: OutboxEvent, event_type: str) -> bytes:
    """The envelope as the exact bytes that are signed and sent."""
    return json.dumps(
        envelope(row, event_type), separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def ordering_key(payload: Mapping[str, Any]) -> str | None:
    """What orders an event among others: the first attempt of the payment it is about.

    A refund or a dispute names its parent payment, whose attempt is the one the
    ``payment.completed`` of that payment was written by; a failure names its attempt;
    recurring events name their schedule.
    """
    payment = payload.get("payment")
    if isinstance(payment, Mapping):
        key = payment.get("attempt_id") or payment.get("id")
        return str(key) if key else None
    for name in ("attempt_id", "recurring_donation_id"):
        if payload.get(name):
            return str(payload[name])
    return None
