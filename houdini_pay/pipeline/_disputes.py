"""Disputes (chargebacks): the processor reports them, the core records what they cost.

A processor translates its dispute notifications into a :class:`DisputeObservation` that
carries the dispute's whole current state: its status and every movement of money it caused
so far (funds withdrawn, funds reinstated, each with its fee). Applying an observation
brings the records up to that state, and never back:

* the first news of a dispute records it and marks the payment ``disputed``
  (``dispute_opened``);
* each movement not yet recorded becomes a payment whose parent is the disputed one: kind
  ``dispute`` when money left the nonprofit (negative amount, the dispute fee as its fee) or
  ``dispute_reversal`` when it came back (positive) (``dispute_funds_withdrawn``,
  ``dispute_funds_reinstated``);
* a final status closes the dispute once (``dispute_closed``): ``won`` and ``closed`` (an
  inquiry that never became a chargeback) put the payment back where its refunds leave it,
  ``lost`` leaves it ``disputed``.

Since every observation is a full state, events delivered twice or out of order end in the
same records. The disputed payment's row is locked first, so two deliveries racing apply
one after the other. The payment type hears of every change through
:meth:`~houdini_pay.PaymentType.on_dispute`.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from blinker import NamedSignal
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from houdini_pay import outbox, signals
from houdini_pay.db.unit_of_work import UnitOfWork
from houdini_pay.pipeline._queries import lock_payment_by_reference
from houdini_pay.pipeline._waiting_events import Waiting, awaiting
from houdini_pay.store._ids import new_id
from houdini_pay.store._models import Dispute, Payment
from houdini_pay.store._records import PaymentRecord, _Record
from houdini_pay.store._rows import PaymentColumns, insert_payment
from houdini_pay.store._states import PAYMENT_TRANSITIONS, PaymentKind, PaymentStatus, transition

if TYPE_CHECKING:
    import datetime as dt

    from houdini_pay.app import HoudiniPay

__all__ = [
    "DisputeObservation",
    "DisputeRecord",
    "DisputeStatus",
    "FundsMovement",
    "apply_dispute",
]

log = logging.getLogger(__name__)


class DisputeStatus(enum.StrEnum):
    """Where a dispute stands, normalized across processors."""

    OPEN = "open"
    """The supporter's bank is asking; evidence may be due."""
    WON = "won"
    """Decided for the nonprofit; withdrawn funds come back."""
    LOST = "lost"
    """Decided for the supporter; the funds stay withdrawn."""
    CLOSED = "closed"
    """An inquiry that ended without becoming a chargeback."""

    @property
    def is_final(self) -> bool:
        """True once the dispute is decided."""
        return self is not DisputeStatus.OPEN


@dataclass(frozen=True, slots=True, kw_only=True)
class FundsMovement:
    """Money a dispute moved in or out of the nonprofit's balance.

    Attributes:
        reference: the processor's id of the movement (a balance transaction); each is
            recorded once.
        amount: signed minor units of the payment's currency: negative when funds were
            withdrawn, positive when they were reinstated.
        fee: what the processor charged for it (the dispute fee), or gave back (negative).
    """

    reference: str
    amount: int
    fee: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class DisputeObservation:
    """A processor's news about a dispute: its whole state as the processor sees it now.

    Attributes:
        reference: the processor's id of the dispute.
        payment_reference: the processor reference of the disputed payment.
        status: the dispute's normalized status.
        amount: the disputed amount, positive minor units.
        reason: the processor's reason (``fraudulent``, ``product_not_received``).
        movements: every movement of money the dispute caused so far.
    """

    reference: str
    payment_reference: str
    status: DisputeStatus
    amount: int
    currency: str
    reason: str | None = None
    movements: Sequence[FundsMovement] = ()


@dataclass(frozen=True, slots=True)
class DisputeRecord(_Record):
    """A dispute as stored: which payment, its status and when it opened and closed."""

    id: str
    nonprofit_id: str
    payment_id: str
    processor: str
    processor_reference: str
    status: str
    reason: str | None
    amount: int
    currency: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    updated_at: dt.datetime


_DISPUTABLE_KINDS = (PaymentKind.CHARGE.value,)
_DISPUTABLE_STATUSES = (
    PaymentStatus.SUCCEEDED.value,
    PaymentStatus.PARTIALLY_REFUNDED.value,
    PaymentStatus.REFUNDED.value,
)


@dataclass
class _Changes:
    """The records one application works on; changes are announced after the commit."""

    app: HoudiniPay
    uow: UnitOfWork
    payment: Payment
    dispute: Dispute

    @property
    def session(self) -> Session:
        return self.uow.session

    def announce(self, event: str, signal: NamedSignal, **records: Any) -> None:
        """Write the outbox row now and send the signal once the transaction commits."""
        payload = {name: record.to_dict() for name, record in records.items()}
        outbox.record_event(self.session, self.payment.nonprofit_id, event, payload)
        app = self.app
        self.uow.after_commit(lambda: signals.send(signal, app, **records))


def apply_dispute(
    app: HoudiniPay, processor_symbol: str, observation: DisputeObservation
) -> bool | Waiting:
    """Bring the records up to the observed state; False if the payment is not ours.

    A dispute of a charge whose attempt is still open (reported before the charge's
    success) answers :class:`~houdini_pay.pipeline._waiting_events.Waiting`: the webhook keeps it
    until the payment is recorded. Registered as the webhook applier of
    :class:`DisputeObservation`.
    """
    with app.unit_of_work() as uow:
        session = uow.session
        payment = lock_payment_by_reference(
            session, processor_symbol, observation.payment_reference, _DISPUTABLE_KINDS
        )
        if payment is None:
            waiting = awaiting(session, processor_symbol, observation.payment_reference)
            if waiting is not None:
                return waiting
            log.info(
                "dispute %s concerns %s, which is not a payment of %s",
                observation.reference,
                observation.payment_reference,
                processor_symbol,
            )
            return False
        dispute = session.scalar(
            select(Dispute).where(
                Dispute.processor == processor_symbol,
                Dispute.processor_reference == observation.reference,
            )
        )
        changed = dispute is None
        if dispute is None:
            dispute = _open(app, session, payment, observation)
        changes = _Changes(app, uow, payment, dispute)
        if changed:
            _announce_opened(changes)
        for movement in observation.movements:
            changed = _record_movement(changes, movement, observation) or changed
        if observation.status.is_final and dispute.status == DisputeStatus.OPEN:
            _close(changes, observation.status)
            changed = True
        if changed:
            _tell_payment_type(changes)
    return True


def _open(
    app: HoudiniPay, session: Session, payment: Payment, observation: DisputeObservation
) -> Dispute:
    now = app.clock()
    dispute = Dispute(
        id=new_id("dsp"),
        nonprofit_id=payment.nonprofit_id,
        payment_id=payment.id,
        processor=payment.processor,
        processor_reference=observation.reference,
        status=DisputeStatus.OPEN.value,
        reason=observation.reason,
        amount=observation.amount,
        currency=observation.currency.upper(),
        opened_at=now,
        closed_at=None,
        updated_at=now,
    )
    session.add(dispute)
    if payment.status in _DISPUTABLE_STATUSES:
        _move_payment(app, payment, PaymentStatus.DISPUTED)
    session.flush()
    return dispute


def _announce_opened(changes: _Changes) -> None:
    changes.announce(
        "dispute_opened",
        signals.dispute_opened,
        dispute=DisputeRecord.from_model(changes.dispute),
        payment=PaymentRecord.from_model(changes.payment),
    )


def _record_movement(
    changes: _Changes, movement: FundsMovement, observation: DisputeObservation
) -> bool:
    session, parent, dispute = changes.session, changes.payment, changes.dispute
    if movement.amount == 0 and movement.fee == 0:
        return False
    recorded = session.scalar(
        select(func.count())
        .select_from(Payment)
        .where(
            Payment.parent_id == parent.id,
            Payment.processor_reference == movement.reference,
            Payment.kind.in_((PaymentKind.DISPUTE.value, PaymentKind.DISPUTE_REVERSAL.value)),
        )
    )
    if recorded:
        return False
    withdrawn = movement.amount < 0
    now = changes.app.clock()
    row: PaymentColumns = {
        "id": new_id("pay"),
        "nonprofit_id": parent.nonprofit_id,
        "supporter_id": parent.supporter_id,
        "attempt_id": None,
        "kind": (PaymentKind.DISPUTE if withdrawn else PaymentKind.DISPUTE_REVERSAL).value,
        "status": PaymentStatus.SUCCEEDED.value,
        "amount": movement.amount,
        "currency": parent.currency,
        "gross": movement.amount,
        "fee": movement.fee,
        "net": movement.amount - movement.fee,
        "amount_refunded": 0,
        "processor": parent.processor,
        "processor_reference": movement.reference,
        "payment_type": parent.payment_type,
        "source_id": parent.source_id,
        "parent_id": parent.id,
        "description": _describe(withdrawn, observation.reason),
        "details": {"dispute_id": dispute.id, "dispute_reference": dispute.processor_reference},
        "channel": parent.channel,
        "invoice_id": parent.invoice_id,
        "failure_reason": None,
        "created_at": now,
        "updated_at": now,
    }
    insert_payment(session.connection(), row)
    dispute.updated_at = now
    session.flush()
    changes.announce(
        "dispute_funds_withdrawn" if withdrawn else "dispute_funds_reinstated",
        signals.dispute_funds_withdrawn if withdrawn else signals.dispute_funds_reinstated,
        dispute=DisputeRecord.from_model(dispute),
        payment=PaymentRecord.from_model(parent),
        movement=PaymentRecord.from_mapping(row),
    )
    return True


def _describe(withdrawn: bool, reason: str | None) -> str:
    because = f" ({reason.replace('_', ' ')})" if reason else ""
    if withdrawn:
        return f"Dispute: funds withdrawn{because}"
    return f"Dispute: funds reinstated{because}"


def _close(changes: _Changes, status: DisputeStatus) -> None:
    app, session, payment, dispute = changes.app, changes.session, changes.payment, changes.dispute
    now = app.clock()
    dispute.status = status.value
    dispute.closed_at = dispute.updated_at = now
    session.flush()
    still_open = session.scalar(
        select(func.count())
        .select_from(Dispute)
        .where(Dispute.payment_id == payment.id, Dispute.status == DisputeStatus.OPEN.value)
    )
    if (
        status is not DisputeStatus.LOST
        and payment.status == PaymentStatus.DISPUTED
        and not still_open
    ):
        _move_payment(app, payment, _status_after_refunds(payment))
    session.flush()
    changes.announce(
        "dispute_closed",
        signals.dispute_closed,
        dispute=DisputeRecord.from_model(dispute),
        payment=PaymentRecord.from_model(payment),
    )


def _status_after_refunds(payment: Payment) -> PaymentStatus:
    if payment.amount_refunded <= 0:
        return PaymentStatus.SUCCEEDED
    if payment.amount_refunded >= payment.amount:
        return PaymentStatus.REFUNDED
    return PaymentStatus.PARTIALLY_REFUNDED


def _move_payment(app: HoudiniPay, payment: Payment, target: PaymentStatus) -> None:
    payment.status = transition(PaymentStatus(payment.status), target, PAYMENT_TRANSITIONS).value
    payment.updated_at = app.clock()


def _tell_payment_type(changes: _Changes) -> None:
    payment = changes.payment
    payment_type = changes.app.registry.payment_types.get(payment.payment_type or "")
    if payment_type is None:
        if payment.payment_type:
            log.warning(
                "payment type %r is not installed; it was not told of dispute %s",
                payment.payment_type,
                changes.dispute.id,
            )
        return
    changes.session.flush()
    payment_type.on_dispute(
        changes.session,
        PaymentRecord.from_model(payment),
        DisputeRecord.from_model(changes.dispute),
    )
