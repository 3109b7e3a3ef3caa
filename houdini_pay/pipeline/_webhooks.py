"""Processor webhooks: verify, then apply each processor event exactly once.

The processor plugin verifies the signature on the raw body and translates the event into
observations; the core applies them. Each event id is claimed in ``webhook_events`` (unique
per processor) before its observations are read and applied, and marked applied after:

* a redelivered event, or a copy arriving while another delivery applies it, answers
  ``duplicate`` and costs nothing (the observations are never read);
* a delivery whose application fails gives its claim back, so the next one applies the
  event; one that crashed leaves a claim that counts as abandoned after
  ``Settings.webhook_claim_timeout``, and the next delivery applies the event again (every
  applier is idempotent);
* an event about a payment houdini-pay has not recorded yet (a refund reported before the
  charge's success) is not consumed: it is kept, answered ``pending``, and applied once
  the payment is recorded (see :mod:`houdini_pay.pipeline._waiting_events`).

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

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from houdini_pay.contract._processors import (
    Capability,
    ChargeObservation,
    ProcessorEvent,
    RefundObservation,
)
from houdini_pay.errors import HoudiniPayError, NotFound, WebhookVerificationError
from houdini_pay.pipeline import _waiting_events as waiting_events
from houdini_pay.pipeline._appliers import apply_charge, apply_refund
from houdini_pay.pipeline._disputes import (
    DisputeObservation,
    apply_dispute,
)
from houdini_pay.pipeline._waiting_codec import decode_waiting, encode_waiting
from houdini_pay.pipeline._waiting_events import Waiting
from houdini_pay.store._ids import new_id
from houdini_pay.store._models import WebhookEvent

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = [
    "WebhookReport",
    "apply_event",
    "apply_events",
    "apply_waiting",
    "handle_webhook",
    "register_applier",
]

log = logging.getLogger(__name__)

Applier = Callable[["HoudiniPay", str, Any], "bool | Waiting"]
"""Applies one observation; returns False if it concerned nothing houdini-pay knows, or a
:class:`~houdini_pay.pipeline._waiting_events.Waiting` if it concerns a payment not recorded yet."""

_APPLIERS: dict[type, Applier] = {}


def register_applier(observation_type: type, applier: Applier) -> None:
    """Teach the core to apply a new kind of observation (disputes, payouts)."""
    _APPLIERS[observation_type] = applier


@dataclass
class WebhookReport:
    """What one webhook delivery did, per event: ``applied``, ``duplicate``, ``ignored`` or
    ``pending`` (kept until houdini-pay has recorded the payment it concerns)."""

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
    """Apply one verified event once; return ``applied``, ``duplicate``, ``ignored`` or
    ``pending``.

    ``duplicate``: another delivery of the event applied it, is applying it now, or holds it
    waiting. The event's observations are read only once this delivery has claimed it, so a
    processor may fetch them lazily and a duplicate costs it nothing.
    """
    row_id = _claim(app, processor_symbol, event)
    if row_id is None:
        return "duplicate"
    return _apply_claimed(app, processor_symbol, row_id, event.observations)


def _apply_claimed(
    app: HoudiniPay, processor_symbol: str, row_id: str, observations: Iterable[object]
) -> str:
    """Apply the observations of the claimed event ``row_id``; hold those that must wait."""
    try:
        touched, waiting = _apply_all(app, processor_symbol, observations)
        rounds = 0
        while waiting:
            if _hold(app, processor_symbol, row_id, waiting):
                return "pending"
            rounds += 1
            if rounds > _HOLD_ROUNDS:
                raise RuntimeError(f"webhook event {row_id} neither applies nor waits")
            # The payment was recorded (or its attempt ended) meanwhile: apply them now.
            more, waiting = _apply_all(app, processor_symbol, [o for o, _ in waiting])
            touched = more or touched
    except BaseException:
        _release(app, row_id)
        raise
    with app.unit_of_work() as uow:
        uow.connection.execute(
            update(WebhookEvent).where(WebhookEvent.id == row_id).values(applied_at=app.clock())
        )
    return "applied" if touched else "ignored"


_HOLD_ROUNDS = 5
"""Holding fails only when the awaited attempt ended meanwhile, and then nothing waits."""


def _apply_all(
    app: HoudiniPay, processor_symbol: str, observations: Iterable[object]
) -> tuple[bool, list[tuple[object, Waiting]]]:
    """Apply each observation; return whether any touched a record, and those that wait."""
    touched = False
    waiting: list[tuple[object, Waiting]] = []
    for observation in observations:
        applier = _APPLIERS.get(type(observation))
        if applier is None:
            log.warning("no applier for %s from %s", type(observation).__name__, processor_symbol)
            continue
        answer = applier(app, processor_symbol, observation)
        if isinstance(answer, Waiting):
            waiting.append((observation, answer))
        else:
            touched = answer is True or touched
    return touched, waiting


def _hold(
    app: HoudiniPay, processor_symbol: str, row_id: str, waiting: list[tuple[object, Waiting]]
) -> bool:
    """Keep the observations that wait on the event's row; False if their attempt ended.

    The awaited attempt's row is locked as finalizing locks it: either finalizing commits
    first (then this sees the attempt closed and the caller applies the observations now),
    or this commits first (then finalizing sees the waiting event and applies it).
    """
    reference = waiting[0][1].reference
    with app.unit_of_work() as uow:
        if waiting_events.lock_open_attempt(uow.session, processor_symbol, reference) is None:
            return False
        uow.connection.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id == row_id)
            .values(
                waiting_for=reference,
                waiting_observations=encode_waiting(o for o, _ in waiting),
                claimed_at=None,
            )
        )
    return True


def apply_waiting(
    app: HoudiniPay, processor_symbol: str | None = None, reference: str | None = None
) -> list[dict[str, str]]:
    """Apply the events waiting for a payment (``reference``), or every waiting event.

    Called once a payment is recorded, and by ``reconcile``. Each event is claimed first,
    so concurrent callers apply it once; one whose payment is still not recorded waits on
    (``pending``), one whose attempt ended without a payment is ``ignored``.
    """
    statement = select(
        WebhookEvent.id, WebhookEvent.processor, WebhookEvent.event_id, WebhookEvent.event_type
    ).where(WebhookEvent.applied_at.is_(None), WebhookEvent.waiting_for.is_not(None))
    if processor_symbol is not None:
        statement = statement.where(WebhookEvent.processor == processor_symbol)
    if reference is not None:
        statement = statement.where(WebhookEvent.waiting_for == reference)
    with app.session() as session:
        rows = session.execute(statement.order_by(WebhookEvent.received_at)).all()
    report = []
    for row in rows:
        observations = _take_waiting(app, row.id)
        if observations is None:
            continue  # another caller has it
        try:
            result = _apply_claimed(app, row.processor, row.id, observations)
        except Exception:
            log.exception("applying waiting webhook event %s failed; it waits on", row.event_id)
            result = "pending"
        report.append(
            {
                "id": row.event_id,
                "type": row.event_type,
                "processor": row.processor,
                "result": result,
            }
        )
    return report


def _take_waiting(app: HoudiniPay, row_id: str) -> list[object] | None:
    """Claim a waiting event; its observations, or None if another caller holds it."""
    now = app.clock()
    abandoned = now - app.settings.webhook_claim_timeout
    with app.unit_of_work() as uow:
        data = uow.connection.execute(
            update(WebhookEvent)
            .where(
                WebhookEvent.id == row_id,
                WebhookEvent.applied_at.is_(None),
                WebhookEvent.waiting_for.is_not(None),
                or_(WebhookEvent.claimed_at.is_(None), WebhookEvent.claimed_at < abandoned),
            )
            .values(claimed_at=now)
            .returning(WebhookEvent.waiting_observations)
        ).one_or_none()
    return None if data is None else decode_waiting(data[0])


def _claim(app: HoudiniPay, processor_symbol: str, event: ProcessorEvent) -> str | None:
    """Claim the event for this delivery; its row id, or None if another delivery has it.

    A new event is claimed by inserting its row (the unique key lets one racing delivery
    win). An existing one is taken over only if no delivery holds it: never applied, not
    waiting, and its claim released after a failure or older than
    ``Settings.webhook_claim_timeout`` (the delivery that made it crashed). A claim in
    progress is not a crashed claim: its copies answer ``duplicate``.
    """
    now = app.clock()
    row_id = new_id("whe")
    try:
        with app.unit_of_work() as uow:
            uow.session.add(
                WebhookEvent(
                    id=row_id,
                    processor=processor_symbol,
                    event_id=event.id,
                    event_type=event.type,
                    received_at=now,
                    claimed_at=now,
                )
            )
        return row_id
    except IntegrityError:
        pass
    abandoned = now - app.settings.webhook_claim_timeout
    with app.unit_of_work() as uow:
        return uow.connection.execute(
            update(WebhookEvent)
            .where(
                WebhookEvent.processor == processor_symbol,
                WebhookEvent.event_id == event.id,
                WebhookEvent.applied_at.is_(None),
                WebhookEvent.waiting_for.is_(None),
                or_(WebhookEvent.claimed_at.is_(None), WebhookEvent.claimed_at < abandoned),
            )
            .values(claimed_at=now)
            .returning(WebhookEvent.id)
        ).scalar_one_or_none()


def _release(app: HoudiniPay, row_id: str) -> None:
    """Give up the claim after a failure, so the processor's next delivery applies it."""
    try:
        with app.unit_of_work() as uow:
            uow.connection.execute(
                update(WebhookEvent).where(WebhookEvent.id == row_id).values(claimed_at=None)
            )
    except Exception:
        # The claim then expires after webhook_claim_timeout instead.
        log.exception("could not release the claim on webhook event %s", row_id)


register_applier(ChargeObservation, apply_charge)
register_applier(RefundObservation, apply_refund)
register_applier(DisputeObservation, apply_dispute)
