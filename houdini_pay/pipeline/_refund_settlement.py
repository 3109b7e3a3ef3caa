"""Settling a refund attempt with the processor's answer, and recording a successful refund.

The pipeline's own refunds (:mod:`houdini_pay.pipeline._refunds`), the processor's webhooks
and reconciliation all report a refund's outcome through :func:`settle_refund`, which locks
the attempt first, so a second report of the same outcome changes nothing. A success is
recorded by :func:`record_refund` (refunds made in the processor's dashboard too, see
:mod:`houdini_pay.pipeline._external_refunds`): a negative payment linked to its parent, the
parent's ``amount_refunded`` and status, the payment type's ``on_refund``, and
``refund_completed`` in the outbox and, after the commit, as a signal.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from houdini_pay import outbox, signals
from houdini_pay.contract._processors import RefundResult, RefundStatus
from houdini_pay.contract._requests import ErrorInfo
from houdini_pay.db.unit_of_work import UnitOfWork
from houdini_pay.store._directory import load_scoped
from houdini_pay.store._models import Payment, PaymentAttempt
from houdini_pay.store._records import AttemptRecord, PaymentRecord
from houdini_pay.store._rows import AttemptRow, PaymentColumns, insert_payment
from houdini_pay.store._states import (
    ATTEMPT_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    AttemptState,
    PaymentKind,
    PaymentStatus,
    transition,
)

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

log = logging.getLogger(__name__)

__all__ = [
    "REFUNDABLE_STATUSES",
    "RefundOutcome",
    "record_refund",
    "refund_outcome",
    "settle_refund",
]

REFUNDABLE_STATUSES = (PaymentStatus.SUCCEEDED.value, PaymentStatus.PARTIALLY_REFUNDED.value)
"""Statuses of a payment that can still be refunded."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundOutcome:
    """The result of :meth:`HoudiniPay.refund`.

    Attributes:
        status: ``succeeded``, ``pending``, ``failed`` or ``unknown``.
        refund: the negative payment recorded (None unless succeeded).
        payment: the refunded payment as it stands now.
        error: why it failed or is unknown.
    """

    status: str
    attempt_id: str
    payment: PaymentRecord
    refund: PaymentRecord | None = None
    error: ErrorInfo | None = None
    replayed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The outcome as ``refund --json`` prints it."""
        return {
            "status": self.status,
            "attempt_id": self.attempt_id,
            "refund": self.refund.to_dict() if self.refund else None,
            "payment": self.payment.to_dict(),
            "error": self.error.to_dict() if self.error else None,
            "replayed": self.replayed,
        }


def refund_outcome(
    session: Session, attempt: AttemptRow, *, replayed: bool = False
) -> RefundOutcome:
    """The outcome a refund attempt stands at, as ``refund`` reports it."""
    key = attempt.nonprofit_id
    parent = session.get_one(Payment, (key, attempt.parent_payment_id))
    refund_row = session.get(Payment, (key, attempt.payment_id)) if attempt.payment_id else None
    state = AttemptState(attempt.state)
    status = {
        AttemptState.SUCCEEDED: "succeeded",
        AttemptState.PENDING: "pending",
        AttemptState.FAILED: "failed",
    }.get(state, "unknown")
    error = (
        ErrorInfo(attempt.error_code, attempt.error_message or "") if attempt.error_code else None
    )
    return RefundOutcome(
        status=status,
        attempt_id=attempt.id,
        payment=PaymentRecord.from_model(parent),
        refund=PaymentRecord.from_model(refund_row) if refund_row else None,
        error=error,
        replayed=replayed,
    )


def settle_refund(
    app: HoudiniPay, attempt_id: str, result: RefundResult, *, nonprofit_id: str
) -> RefundOutcome:
    """Apply the processor's answer to a refund attempt (pipeline, webhook or reconcile)."""
    with app.unit_of_work() as uow:
        session = uow.session
        attempt = session.get_one(
            PaymentAttempt,
            (nonprofit_id, attempt_id),
            with_for_update=True,
            populate_existing=True,
        )
        if AttemptState(attempt.state).is_terminal:
            return refund_outcome(session, attempt, replayed=True)
        now = app.clock()
        if result.status is RefundStatus.SUCCEEDED:
            record_refund(app, uow, attempt, result)
        elif result.status is RefundStatus.FAILED:
            attempt.state = transition(
                AttemptState(attempt.state), AttemptState.FAILED, ATTEMPT_TRANSITIONS
            ).value
            attempt.error_code = "refund_failed"
            attempt.error_message = result.message or "the processor refused the refund"
            error = ErrorInfo(attempt.error_code, attempt.error_message)
            record = AttemptRecord.from_model(attempt)
            uow.after_commit(
                lambda: signals.send(signals.refund_failed, app, attempt=record, error=error)
            )
        else:
            target = (
                AttemptState.PENDING
                if result.status is RefundStatus.PENDING
                else AttemptState.UNKNOWN
            )
            attempt.state = transition(
                AttemptState(attempt.state), target, ATTEMPT_TRANSITIONS
            ).value
            if target is AttemptState.UNKNOWN:
                attempt.error_code = "processor_outcome_unknown"
                attempt.error_message = (
                    result.message or "the processor did not answer"
                ) + "; `houdini-pay reconcile` will settle it"
        attempt.processor_reference = result.reference or attempt.processor_reference
        attempt.updated_at = now
        session.flush()
        return refund_outcome(session, attempt)


def record_refund(
    app: HoudiniPay, uow: UnitOfWork, attempt: PaymentAttempt, result: RefundResult
) -> None:
    """Record a successful refund: the negative payment, the parent's totals, the payment type."""
    session = uow.session
    parent = load_scoped(
        session, Payment, attempt.parent_payment_id, attempt.nonprofit_id, lock=True
    )
    now = app.clock()
    refund_row = _refund_columns(attempt, parent, result, now)
    insert_payment(session.connection(), refund_row)
    _count_refund(parent, attempt.amount, now)
    attempt.state = transition(
        AttemptState(attempt.state), AttemptState.SUCCEEDED, ATTEMPT_TRANSITIONS
    ).value
    attempt.payment_id = refund_row["id"]
    attempt.error_code = attempt.error_message = None
    session.flush()
    parent_record = PaymentRecord.from_model(parent)
    refund_record = PaymentRecord.from_mapping(refund_row)
    _tell_payment_type(app, session, parent_record, refund_record)
    outbox.record_event(
        session,
        attempt.nonprofit_id,
        "refund_completed",
        {"refund": refund_record.to_dict(), "payment": parent_record.to_dict()},
    )
    uow.after_commit(
        lambda: signals.send(
            signals.refund_completed, app, refund=refund_record, payment=parent_record
        )
    )


def _refund_columns(
    attempt: PaymentAttempt, parent: Payment, result: RefundResult, now: dt.datetime
) -> PaymentColumns:
    """The negative payment a refund records (its id derives from its attempt's)."""
    return {
        "id": attempt.id.replace("att_", "pay_", 1),
        "nonprofit_id": attempt.nonprofit_id,
        "supporter_id": parent.supporter_id,
        "attempt_id": attempt.id,
        "kind": PaymentKind.REFUND.value,
        "status": PaymentStatus.SUCCEEDED.value,
        "amount": -attempt.amount,
        "currency": attempt.currency,
        "gross": -attempt.amount,
        "fee": -result.fee_refunded,
        "net": -attempt.amount + result.fee_refunded,
        "amount_refunded": 0,
        "processor": parent.processor,
        "processor_reference": result.reference,
        "payment_type": parent.payment_type,
        "source_id": parent.source_id,
        "parent_id": parent.id,
        "description": attempt.request.get("reason"),
        "details": {},
        "channel": attempt.channel,
        "invoice_id": parent.invoice_id,
        "failure_reason": None,
        "created_at": now,
        "updated_at": now,
    }


def _count_refund(parent: Payment, amount: int, now: dt.datetime) -> None:
    """Add the refund to the parent's refunded amount; mark it (partially) refunded."""
    parent.amount_refunded += amount
    if parent.status in REFUNDABLE_STATUSES:
        target = (
            PaymentStatus.REFUNDED
            if parent.amount_refunded >= parent.amount
            else PaymentStatus.PARTIALLY_REFUNDED
        )
        parent.status = transition(PaymentStatus(parent.status), target, PAYMENT_TRANSITIONS).value
    parent.updated_at = now


def _tell_payment_type(
    app: HoudiniPay, session: Session, parent: PaymentRecord, refund_row: PaymentRecord
) -> None:
    """Let the parent's payment type react (a refunded ticket frees its seat)."""
    payment_type = app.registry.payment_types.get(parent.payment_type or "")
    if payment_type is not None:
        payment_type.on_refund(session, parent, refund_row)
    elif parent.payment_type:
        log.warning(
            "payment type %r is not installed; it was not told of refund %s",
            parent.payment_type,
            refund_row.id,
        )
