"""Refunds: give back all or part of a payment, never more than was paid.

A refund runs like a charge, as an attempt with its own idempotency key:

1. In one transaction with the parent payment's row locked, look the idempotency key up
   again, check what remains refundable (the amount minus what was refunded minus refunds
   still in flight) and record the attempt. Concurrent refunds of one payment queue on that
   lock, so together they can never exceed the payment, and those sharing a key get the
   first one's outcome (or ``idempotency_in_flight`` while it runs).
2. Ask the processor, with no transaction open.
3. Record the refund as a negative payment linked to its parent, update the parent's
   ``amount_refunded`` and status, and tell the payment type (``on_refund``), in one
   transaction; fire ``refund_completed`` after the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from houdini_pay import outbox, signals, text
from houdini_pay.contract._processors import (
    Capability,
    RefundRequest,
    RefundResult,
    RefundStatus,
    require_capability,
)
from houdini_pay.contract._requests import Channel, ErrorInfo, check_channel
from houdini_pay.db.unit_of_work import UnitOfWork
from houdini_pay.errors import (
    InvalidRequest,
    NotRefundable,
    RefundExceedsPayment,
)
from houdini_pay.money import validate_amount
from houdini_pay.pipeline import _idempotency as idempotency
from houdini_pay.pipeline._idempotency import OPERATION_REFUND
from houdini_pay.pipeline._reversals import call_refund
from houdini_pay.store._directory import load_scoped
from houdini_pay.store._ids import new_id
from houdini_pay.store._models import Payment, PaymentAttempt
from houdini_pay.store._records import AttemptRecord, PaymentRecord
from houdini_pay.store._rows import (
    AttemptColumns,
    PaymentColumns,
    attempt_columns,
    insert_attempt,
    insert_payment,
)
from houdini_pay.store._states import (
    ATTEMPT_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    AttemptState,
    PaymentKind,
    PaymentStatus,
    transition,
)
from houdini_pay.tenancy import Scope, check_scope

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

log = logging.getLogger(__name__)

__all__ = [
    "OPERATION_REFUND",
    "RefundOutcome",
    "charge_processor_data",
    "new_refund_attempt",
    "record_refund",
    "refund",
    "refundable_amount",
    "settle_refund",
]

_REFUNDABLE_KINDS = (PaymentKind.CHARGE.value, PaymentKind.OFFSITE.value)
_REFUNDABLE_STATUSES = (PaymentStatus.SUCCEEDED.value, PaymentStatus.PARTIALLY_REFUNDED.value)
_IN_FLIGHT = (
    AttemptState.STARTED.value,
    AttemptState.CHARGING.value,
    AttemptState.PENDING.value,
    AttemptState.UNKNOWN.value,
)


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


def _load_payment(
    session: Session, payment_id: object, nonprofit_id: Scope, *, lock: bool = False
) -> Payment:
    return load_scoped(session, Payment, payment_id, nonprofit_id, lock=lock)


def charge_processor_data(session: Session, payment: Payment) -> dict[str, Any]:
    """What the processor's ``prepare_charge`` loaded for the charge (a Connect account).

    Refunds of the payment are made with it, so they reach the account that was charged.
    """
    key = (payment.nonprofit_id, payment.attempt_id)
    attempt = session.get(PaymentAttempt, key) if payment.attempt_id else None
    if attempt is None:
        return {}
    return dict(attempt.request.get("processor_data") or {})


def refundable_amount(session: Session, payment: Payment) -> int:
    """What can still be refunded: the amount, less what was refunded and refunds in flight."""
    in_flight = session.scalar(
        select(func.coalesce(func.sum(PaymentAttempt.amount), 0)).where(
            PaymentAttempt.nonprofit_id == payment.nonprofit_id,
            PaymentAttempt.parent_payment_id == payment.id,
            PaymentAttempt.operation == OPERATION_REFUND,
            PaymentAttempt.state.in_(_IN_FLIGHT),
        )
    )
    return payment.amount - payment.amount_refunded - int(in_flight or 0)


def refund(
    app: HoudiniPay,
    payment_id: str,
    *,
    amount: int | None,
    reason: str | None,
    idempotency_key: str | None,
    nonprofit_id: Scope,
    channel: str = Channel.STAFF.value,
) -> RefundOutcome:
    """Refund ``amount`` (default: all that remains) of a payment; see the module docstring.

    ``channel`` (where the refund was asked) is recorded on its attempt and its payment; like
    a charge's, it is not part of the fingerprint, so a retry through another door replays.

    Raises:
        NotFound: no such payment (or another nonprofit's).
        InvalidAmount, RefundExceedsPayment: a bad amount; nothing is written.
        NotRefundable: the payment is not a succeeded charge, or is fully refunded.
        CapabilityNotSupported: the processor cannot refund (or not partially).
        IdempotencyConflict, IdempotencyInFlight: the key was used differently or is busy.
        TypeError: ``nonprofit_id`` is neither an id nor ``ALL_NONPROFITS``.
    """
    check_scope(nonprofit_id)
    channel = check_channel(channel)
    if amount is not None:
        validate_amount(amount)
    if reason is not None and (not isinstance(reason, str) or len(reason) > 500):
        raise InvalidRequest(
            "reason must be text of at most 500 characters", details={"field": "reason"}
        )
    for field, value in (("reason", reason), ("idempotency_key", idempotency_key)):
        text.check_text(value, field)
    key = idempotency_key or new_id("auto")
    fingerprint = idempotency.refund_fingerprint(payment_id, amount, reason)

    def replay() -> RefundOutcome | None:
        return _replay(app, payment_id, nonprofit_id, key, fingerprint)

    def record() -> tuple[AttemptRecord, RefundRequest, str] | RefundOutcome:
        return replay() or _record_attempt(
            app, payment_id, nonprofit_id, amount, reason, key, fingerprint, channel
        )

    recorded = idempotency.replay_or_insert(record, replay)
    if isinstance(recorded, RefundOutcome):
        return recorded
    attempt, request, processor = recorded
    result = call_refund(app, processor, request, idempotency_key=attempt.id)
    return settle_refund(app, attempt.id, result, nonprofit_id=attempt.nonprofit_id)


def _replay(
    app: HoudiniPay, payment_id: str, nonprofit_id: Scope, key: str, fingerprint: str
) -> RefundOutcome | None:
    with app.session() as session:
        payment = _load_payment(session, payment_id, nonprofit_id)
        return _stored_outcome(session, payment.nonprofit_id, key, fingerprint)


def _stored_outcome(
    session: Session, nonprofit_id: str, key: str, fingerprint: str
) -> RefundOutcome | None:
    """The outcome of the refund made with ``key``, or None if there is none.

    Raises ``IdempotencyConflict`` if that refund had another request, and
    ``IdempotencyInFlight`` if it has not reached an outcome yet.
    """
    attempt = idempotency.stored_attempt(
        session.connection(), nonprofit_id, OPERATION_REFUND, key, fingerprint
    )
    return None if attempt is None else _outcome_of(session, attempt, replayed=True)


def _record_attempt(
    app: HoudiniPay,
    payment_id: str,
    nonprofit_id: Scope,
    amount: int | None,
    reason: str | None,
    key: str,
    fingerprint: str,
    channel: str,
) -> tuple[AttemptRecord, RefundRequest, str] | RefundOutcome:
    """Record the refund attempt, or return the outcome a refund with the same key reached.

    The key is looked up again once the payment's row is locked: a refund with the same key
    that committed while this one waited for the lock answers for both.
    """
    with app.unit_of_work() as uow:
        session = uow.session
        payment = _load_payment(session, payment_id, nonprofit_id, lock=True)
        stored = _stored_outcome(session, payment.nonprofit_id, key, fingerprint)
        if stored is not None:
            return stored
        if payment.kind not in _REFUNDABLE_KINDS or payment.status not in _REFUNDABLE_STATUSES:
            raise NotRefundable(
                f"payment {payment.id!r} is a {payment.status} {payment.kind} and cannot be "
                "refunded"
            )
        processor = app.registry.processor(payment.processor)
        require_capability(processor, Capability.REFUNDS)
        remaining = refundable_amount(session, payment)
        if remaining <= 0:
            raise NotRefundable(
                f"payment {payment.id!r} is already fully refunded (or its refunds are in progress)"
            )
        amount = remaining if amount is None else amount
        if amount > remaining:
            raise RefundExceedsPayment(
                f"cannot refund {amount}: only {remaining} of {payment.amount} remains refundable",
                details={"remaining": remaining},
            )
        if amount < payment.amount:
            require_capability(processor, Capability.PARTIAL_REFUNDS)
        now = app.clock()
        attempt = new_refund_attempt(
            payment,
            key=key,
            fingerprint=fingerprint,
            amount=amount,
            request={"payment_id": payment.id, "reason": reason},
            now=now,
            channel=channel,
        )
        insert_attempt(session.connection(), attempt)
        attempt_id = attempt["id"]
        request = RefundRequest(
            attempt_id=attempt_id,
            nonprofit_id=payment.nonprofit_id,
            payment_id=payment.id,
            payment_reference=payment.processor_reference,
            amount=amount,
            payment_amount=payment.amount,
            currency=payment.currency,
            reason=reason,
            processor_data=charge_processor_data(session, payment),
            metadata={"attempt_id": attempt_id, "payment_id": payment.id},
        )
        return AttemptRecord.from_mapping(attempt), request, processor.symbol


def new_refund_attempt(
    payment: Payment,
    *,
    key: str,
    fingerprint: str,
    amount: int,
    request: dict[str, Any],
    now: dt.datetime,
    channel: str,
    processor_reference: str | None = None,
) -> AttemptColumns:
    """The columns of a refund attempt of ``amount`` against ``payment``, in state ``charging``.

    Add it with :func:`houdini_pay.store._rows.insert_attempt`.
    """
    return attempt_columns(
        id=new_id("att"),
        nonprofit_id=payment.nonprofit_id,
        operation=OPERATION_REFUND,
        idempotency_key=key,
        fingerprint=fingerprint,
        state=AttemptState.CHARGING.value,
        processor=payment.processor,
        payment_type=payment.payment_type,
        supporter_id=payment.supporter_id,
        source_id=payment.source_id,
        amount=amount,
        currency=payment.currency,
        request=request,
        channel=channel,
        now=now,
        processor_reference=processor_reference,
        parent_payment_id=payment.id,
    )


def _outcome_of(
    session: Session, attempt: PaymentAttempt | Row[Any], *, replayed: bool = False
) -> RefundOutcome:
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
            return _outcome_of(session, attempt, replayed=True)
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
        return _outcome_of(session, attempt)


def record_refund(
    app: HoudiniPay, uow: UnitOfWork, attempt: PaymentAttempt, result: RefundResult
) -> None:
    """Record a successful refund: the negative payment, the parent's totals, the payment type."""
    session = uow.session
    parent = _load_payment(session, attempt.parent_payment_id, attempt.nonprofit_id, lock=True)
    now = app.clock()
    refund_row: PaymentColumns = {
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
        "created_at": now,
        "updated_at": now,
    }
    insert_payment(session.connection(), refund_row)
    parent.amount_refunded += attempt.amount
    if parent.status in _REFUNDABLE_STATUSES:
        target = (
            PaymentStatus.REFUNDED
            if parent.amount_refunded >= parent.amount
            else PaymentStatus.PARTIALLY_REFUNDED
        )
        parent.status = transition(PaymentStatus(parent.status), target, PAYMENT_TRANSITIONS).value
    parent.updated_at = now
    attempt.state = transition(
        AttemptState(attempt.state), AttemptState.SUCCEEDED, ATTEMPT_TRANSITIONS
    ).value
    attempt.payment_id = refund_row["id"]
    attempt.error_code = attempt.error_message = None
    session.flush()
    parent_record = PaymentRecord.from_model(parent)
    refund_record = PaymentRecord.from_mapping(refund_row)
    payment_type = app.registry.payment_types.get(parent.payment_type or "")
    if payment_type is not None:
        payment_type.on_refund(session, parent_record, refund_record)
    elif parent.payment_type:
        log.warning(
            "payment type %r is not installed; it was not told of refund %s",
            parent.payment_type,
            refund_record.id,
        )
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
