"""Processor webhooks: verify, then apply each processor event exactly once.

The processor plugin verifies the signature on the raw body and translates the event into
observations; the core applies them. Each event id is claimed in ``webhook_events`` (unique
per processor) before it is applied and marked applied after, so a redelivered event does
nothing and one whose application crashed half-way is applied on the next delivery.
Observations settle attempts through the same code as the pipeline, which ignores news
about attempts that already reached a final state, so events arriving out of order never
move a payment backwards.

Observations the core applies: :class:`~houdini_pay.ChargeObservation`,
:class:`~houdini_pay.RefundObservation` (a refund houdini-pay did not start, made in the
processor's dashboard, is recorded too) and :class:`~houdini_pay.DisputeObservation`.
Plugins teach the core new observation types with :func:`register_applier`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from houdini_pay import settlement
from houdini_pay.disputes import DisputeObservation, apply_dispute
from houdini_pay.errors import HoudiniPayError, NotFound, WebhookVerificationError
from houdini_pay.external_refunds import record_external_refund
from houdini_pay.ids import new_id
from houdini_pay.models import PaymentAttempt, WebhookEvent
from houdini_pay.processors import (
    Capability,
    ChargeObservation,
    ProcessorEvent,
    RefundObservation,
)
from houdini_pay.refunds import OPERATION_REFUND, settle_refund

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = ["WebhookReport", "apply_event", "apply_events", "handle_webhook", "register_applier"]

log = logging.getLogger(__name__)

Applier = Callable[["HoudiniPay", str, Any], bool]
"""Applies one observation; returns False if it concerned nothing houdini-pay knows."""

_APPLIERS: dict[type, Applier] = {}


def register_applier(observation_type: type, applier: Applier) -> None:
    """Teach the core to apply a new kind of observation (disputes, payouts)."""
    _APPLIERS[observation_type] = applier


@dataclass
class WebhookReport:
    """What one webhook delivery did, per event: ``applied``, ``duplicate`` or ``ignored``."""

    events: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The report as the webhook endpoint answers it."""
        return {"received": len(self.events), "events": self.events}


def handle_webhook(
    app: HoudiniPay, processor_symbol: str, headers: Mapping[str, str], body: bytes
) -> WebhookReport:
    """Verify ``body`` with the processor and apply its events.

    Raises:
        NotFound: no processor by that name takes webhooks (code ``webhook_not_found``).
        WebhookVerificationError: the signature, timestamp or body does not verify.
        HoudiniPayError: any other error the processor raised on purpose, such as a
            ``ConfigurationError`` (a missing secret) or a ``ProcessorError`` (it could not
            reach its API to confirm the event); the sender should deliver it again later.
    """
    processor = app.registry.processors.get(processor_symbol)
    if processor is None or Capability.WEBHOOKS not in processor.capabilities:
        raise NotFound(f"no webhook endpoint for {processor_symbol!r}", code="webhook_not_found")
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        events = processor.parse_webhook(lowered, body)
    except HoudiniPayError:
        raise
    except Exception as exc:
        log.exception("processor %r failed to parse a webhook", processor_symbol)
        raise WebhookVerificationError("the webhook could not be read") from exc
    return apply_events(app, processor_symbol, events)


def apply_events(
    app: HoudiniPay, processor_symbol: str, events: Iterable[ProcessorEvent]
) -> WebhookReport:
    """Apply events that are already verified (a replayed event file), each id once."""
    report = WebhookReport()
    for event in events:
        report.events.append(
            {
                "id": event.id,
                "type": event.type,
                "result": apply_event(app, processor_symbol, event),
            }
        )
    return report


def apply_event(app: HoudiniPay, processor_symbol: str, event: ProcessorEvent) -> str:
    """Apply one verified event once; return ``applied``, ``duplicate`` or ``ignored``."""
    if not _claim(app, processor_symbol, event):
        return "duplicate"
    touched = False
    for observation in event.observations:
        applier = _APPLIERS.get(type(observation))
        if applier is None:
            log.warning("no applier for %s from %s", type(observation).__name__, processor_symbol)
            continue
        touched = applier(app, processor_symbol, observation) or touched
    with app.unit_of_work() as uow:
        row = uow.session.scalar(
            select(WebhookEvent).where(
                WebhookEvent.processor == processor_symbol, WebhookEvent.event_id == event.id
            )
        )
        assert row is not None
        row.applied_at = app.clock()
    return "applied" if touched else "ignored"


def _claim(app: HoudiniPay, processor_symbol: str, event: ProcessorEvent) -> bool:
    """Record the event id; False if it was already applied."""
    try:
        with app.unit_of_work() as uow:
            uow.session.add(
                WebhookEvent(
                    id=new_id("whe"),
                    processor=processor_symbol,
                    event_id=event.id,
                    event_type=event.type,
                    received_at=app.clock(),
                )
            )
        return True
    except IntegrityError:
        with app.session() as session:
            applied = session.scalar(
                select(WebhookEvent.applied_at).where(
                    WebhookEvent.processor == processor_symbol, WebhookEvent.event_id == event.id
                )
            )
        # Claimed but never marked applied: the earlier delivery crashed; apply again
        # (every applier is idempotent).
        return applied is None


def _find_attempt(
    app: HoudiniPay,
    processor_symbol: str,
    operation: str,
    attempt_id: str | None,
    reference: str | None,
) -> str | None:
    with app.session() as session:
        statement = select(PaymentAttempt.id).where(
            PaymentAttempt.processor == processor_symbol, PaymentAttempt.operation == operation
        )
        if attempt_id:
            found = session.scalar(statement.where(PaymentAttempt.id == attempt_id))
            if found:
                return found
        if reference:
            return session.scalar(statement.where(PaymentAttempt.processor_reference == reference))
        return None


def _apply_charge(app: HoudiniPay, processor_symbol: str, observation: ChargeObservation) -> bool:
    attempt_id = _find_attempt(
        app, processor_symbol, "charge", observation.attempt_id, observation.reference
    )
    if attempt_id is None:
        return False
    settlement.settle(app, attempt_id, observation.result)
    return True


def _apply_refund(app: HoudiniPay, processor_symbol: str, observation: RefundObservation) -> bool:
    attempt_id = _find_attempt(
        app,
        processor_symbol,
        OPERATION_REFUND,
        observation.attempt_id,
        observation.result.reference,
    )
    if attempt_id is None:
        # Not a refund houdini-pay started: one made in the processor's dashboard.
        return record_external_refund(app, processor_symbol, observation)
    settle_refund(app, attempt_id, observation.result)
    return True


register_applier(ChargeObservation, _apply_charge)
register_applier(RefundObservation, _apply_refund)
register_applier(DisputeObservation, apply_dispute)
