"""Processor events about payments houdini-pay has not recorded yet, kept until it has.

Processors do not deliver events in order: Stripe may report a refund made in its dashboard
(``charge.refunded``) before the ``payment_intent.succeeded`` that lets houdini-pay record a
3-D Secure payment. Consuming such an event would lose the refund. So an applier that finds
no payment for an observation, while a charge attempt carrying the observation's reference
is still open (not yet succeeded, failed or reversed), answers :class:`Waiting`. The event's
row in ``webhook_events`` then keeps the observations still to apply
(``waiting_observations``) and the reference they wait for (``waiting_for``), and the
delivery is answered ``pending``: houdini-pay holds the event, the processor need not send
it again.

Recording the payment (:mod:`houdini_pay.pipeline._settlement`) looks for events waiting for it and
applies them once its transaction has committed; ``houdini-pay reconcile`` applies whatever
still waits, and an event whose attempt ended without a payment is then ``ignored``. Holding
an event locks the attempt's row, as finalizing the attempt does, so one of the two always
sees the other's work.

Only the core's own observations can wait: refunds and disputes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Select, bindparam, exists, select
from sqlalchemy.orm import Session

from houdini_pay.pipeline._idempotency import OPERATION_CHARGE
from houdini_pay.store._models import PaymentAttempt, WebhookEvent
from houdini_pay.store._states import AttemptState

__all__ = [
    "OPEN_STATES",
    "WAITING_FOR",
    "Waiting",
    "awaiting",
    "has_waiting",
    "lock_open_attempt",
]

OPEN_STATES = tuple(state.value for state in AttemptState if not state.is_terminal)
"""States of a charge attempt that may still record a payment."""


@dataclass(frozen=True, slots=True)
class Waiting:
    """An applier's answer: the observation concerns the payment the processor knows as
    ``reference``, which houdini-pay has not recorded yet; keep it until it has."""

    reference: str


def _open_attempt(processor: str, reference: str) -> Select[PaymentAttempt]:
    return select(PaymentAttempt).where(
        PaymentAttempt.processor == processor,
        PaymentAttempt.processor_reference == reference,
        PaymentAttempt.operation == OPERATION_CHARGE,
        PaymentAttempt.state.in_(OPEN_STATES),
    )


def awaiting(session: Session, processor: str, reference: str | None) -> Waiting | None:
    """:class:`Waiting` if an open charge attempt carries ``reference``, else None.

    Appliers ask this when they find no payment for an observation: None means the payment
    is not houdini-pay's (or its attempt ended without one) and the observation is ignored.
    """
    if not reference:
        return None
    found = session.scalar(_open_attempt(processor, reference).limit(1))
    return Waiting(reference) if found is not None else None


def lock_open_attempt(session: Session, processor: str, reference: str) -> PaymentAttempt | None:
    """The open charge attempt carrying ``reference``, locked as finalizing locks it."""
    return session.scalar(_open_attempt(processor, reference).limit(1).with_for_update())


_WAITING = select(
    exists().where(
        WebhookEvent.processor == bindparam("processor"),
        WebhookEvent.waiting_for == bindparam("reference"),
        WebhookEvent.applied_at.is_(None),
    )
)


WAITING_FOR = exists().where(
    WebhookEvent.processor == bindparam("waiting_processor"),
    WebhookEvent.waiting_for == bindparam("waiting_reference"),
    WebhookEvent.applied_at.is_(None),
)
"""Whether any event waits for a payment, as a column of the statement that closes its
attempt (``RETURNING``): run once the attempt's row is locked, it sees what
:func:`has_waiting` would, without a round trip of its own. Bind ``waiting_processor`` and
``waiting_reference`` (None: nothing waits)."""


def has_waiting(connection: Connection, processor: str, reference: str | None) -> bool:
    """Whether any event waits for the payment ``reference`` (one indexed lookup)."""
    if not reference:
        return False
    return bool(
        connection.execute(_WAITING, {"processor": processor, "reference": reference}).scalar()
    )
