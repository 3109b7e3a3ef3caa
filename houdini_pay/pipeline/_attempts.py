"""Reading and moving attempts: the outcome an attempt stands at, and failing one.

The small pieces :mod:`~houdini_pay.pipeline._settlement` and
:mod:`~houdini_pay.pipeline._reversals` share: locking an attempt, moving it (and its payment)
through the state tables of :mod:`~houdini_pay.store._states`, rebuilding its payment context,
and failing it, which releases its holds and announces ``payment_failed`` after the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, bindparam, or_, update
from sqlalchemy.orm import Session

from houdini_pay import inventory, outbox, signals
from houdini_pay.contract._payment_types import PaymentContext
from houdini_pay.contract._processors import ChargeResult
from houdini_pay.contract._requests import ErrorInfo, OutcomeStatus, PaymentOutcome, PaymentRequest
from houdini_pay.db import sql
from houdini_pay.errors import InvalidRequest, InvalidTransition
from houdini_pay.store._models import Nonprofit, Payment, PaymentAttempt, Supporter
from houdini_pay.store._records import (
    AttemptRecord,
    NonprofitRecord,
    PaymentRecord,
    SupporterRecord,
)
from houdini_pay.store._rows import AttemptRow, PaymentColumns
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

__all__ = [
    "EXPIRED",
    "REVERSAL_PENDING",
    "expect_pending_approval",
    "fail",
    "lock_attempt",
    "mark_expiring",
    "move_attempt",
    "move_payment",
    "not_pending_approval",
    "outcome_of",
    "payment_context",
    "payment_values",
    "reference_recorder",
]

REVERSAL_PENDING = "reversal_pending"
"""Error code reported while an attempt's charge is being (or must still be) given back."""

EXPIRED = ErrorInfo(
    "expired",
    "the supporter did not complete the payment in time (3-D Secure); it was cancelled",
)
"""The error of a ``requires_action`` attempt abandoned past ``requires_action_expiry``."""


def outcome_of(
    connection: Connection, attempt: AttemptRow, *, replayed: bool = False
) -> PaymentOutcome:
    """The outcome an attempt (an ORM object or a row) stands at, as ``pay`` reports it."""
    payment = (
        connection.execute(
            sql.PAYMENT_BY_ID, {"nonprofit_id": attempt.nonprofit_id, "id": attempt.payment_id}
        ).one_or_none()
        if attempt.payment_id
        else None
    )
    record = PaymentRecord.from_model(payment) if payment else None
    state = AttemptState(attempt.state)
    error = (
        ErrorInfo(attempt.error_code, attempt.error_message or "") if attempt.error_code else None
    )
    if attempt.reversal_pending:
        error = ErrorInfo(
            REVERSAL_PENDING,
            f"{attempt.error_message}; giving the charge back "
            "is not confirmed yet, `houdini-pay reconcile` will retry",
        )
    if state is AttemptState.SUCCEEDED:
        status = OutcomeStatus.SUCCEEDED
    elif state in (AttemptState.FAILED, AttemptState.REVERSED):
        status = OutcomeStatus.FAILED
    elif state is AttemptState.PENDING:
        pending_approval = record is not None and record.status == PaymentStatus.PENDING_APPROVAL
        status = OutcomeStatus.PENDING_APPROVAL if pending_approval else OutcomeStatus.PENDING
    elif state is AttemptState.REQUIRES_ACTION:
        status = OutcomeStatus.REQUIRES_ACTION
    else:
        status = OutcomeStatus.UNKNOWN
    return PaymentOutcome(
        status=status,
        attempt_id=attempt.id,
        payment=record,
        error=error if status in (OutcomeStatus.FAILED, OutcomeStatus.UNKNOWN) else None,
        next_action=attempt.next_action,
        replayed=replayed,
    )


def not_pending_approval(payment: Payment) -> InvalidTransition:
    """The error for approving or rejecting a payment that is not pending approval."""
    return InvalidTransition(
        f"payment {payment.id!r} is {payment.status}, not pending approval",
        code="payment_not_pending_approval",
    )


def expect_pending_approval(session: Session, attempt: AttemptRow, payment_id: str) -> None:
    """Raise ``payment_not_pending_approval`` unless the payment still awaits approval."""
    payment = session.get_one(Payment, (attempt.nonprofit_id, payment_id), populate_existing=True)
    if payment.status != PaymentStatus.PENDING_APPROVAL:
        raise not_pending_approval(payment)


_RECORD_REFERENCE = (
    update(PaymentAttempt)
    .where(
        PaymentAttempt.nonprofit_id == bindparam("attempt_nonprofit_id"),
        PaymentAttempt.id == bindparam("attempt_id"),
        or_(
            PaymentAttempt.processor_reference == bindparam("reference"),
            and_(
                PaymentAttempt.processor_reference.is_(None),
                PaymentAttempt.state == AttemptState.CHARGING.value,
            ),
        ),
    )
    .values(processor_reference=bindparam("reference"))
)


def reference_recorder(
    app: HoudiniPay, attempt_id: str, *, nonprofit_id: str
) -> Callable[[str], None]:
    """The ``ChargeRequest.record_reference`` of a charging attempt.

    It commits the processor's reference on the attempt, so reconciliation can ask the
    processor for that very charge even if the process dies right after. Recording the
    same reference again (a retried call) is fine; recording one on an attempt no longer
    charging, or another reference, raises ``InvalidTransition`` (code
    ``attempt_not_charging``) and the processor must then move no money.
    """

    def record(reference: str) -> None:
        if not isinstance(reference, str) or not 1 <= len(reference) <= 255:
            raise InvalidRequest("a processor reference is 1 to 255 characters")
        with app.unit_of_work() as uow:
            recorded = uow.connection.execute(
                _RECORD_REFERENCE,
                {
                    "attempt_nonprofit_id": nonprofit_id,
                    "attempt_id": attempt_id,
                    "reference": reference,
                },
            ).rowcount
        if recorded != 1:
            raise InvalidTransition(
                f"attempt {attempt_id!r} is no longer charging; its charge must not go ahead",
                code="attempt_not_charging",
            )

    return record


def mark_expiring(app: HoudiniPay, attempt_id: str, *, nonprofit_id: str) -> bool:
    """Note on a ``requires_action`` attempt that it is being expired; False if it moved on.

    Set before the processor is asked to cancel, so whichever reports the cancellation
    first (the cancel's answer or the processor's webhook) fails the attempt as
    ``expired``.
    """
    with app.unit_of_work() as uow:
        attempt = lock_attempt(uow.session, attempt_id, nonprofit_id=nonprofit_id)
        if attempt.state != AttemptState.REQUIRES_ACTION:
            return False
        attempt.error_code, attempt.error_message = EXPIRED.code, EXPIRED.message
    return True


def lock_attempt(session: Session, attempt_id: str, *, nonprofit_id: str) -> PaymentAttempt:
    """The attempt, locked for update and reloaded; ``LookupError`` if it does not exist."""
    attempt = session.get(
        PaymentAttempt, (nonprofit_id, attempt_id), with_for_update=True, populate_existing=True
    )
    if attempt is None:
        raise LookupError(f"attempt {attempt_id!r} does not exist")
    return attempt


def move_attempt(app: HoudiniPay, attempt: PaymentAttempt, target: AttemptState) -> None:
    attempt.state = transition(AttemptState(attempt.state), target, ATTEMPT_TRANSITIONS).value
    attempt.updated_at = app.clock()


def move_payment(app: HoudiniPay, payment: Payment, target: PaymentStatus) -> None:
    payment.status = transition(PaymentStatus(payment.status), target, PAYMENT_TRANSITIONS).value
    payment.updated_at = app.clock()


def payment_context(app: HoudiniPay, session: Session, attempt: AttemptRow) -> PaymentContext:
    stored = dict(attempt.request)
    stored.pop("processor_data", None)
    # The column is the record (requests stored before it existed do not name a channel).
    request = PaymentRequest.from_dict({**stored, "channel": attempt.channel})
    nonprofit = session.get_one(Nonprofit, attempt.nonprofit_id)
    supporter = session.get_one(Supporter, (attempt.nonprofit_id, attempt.supporter_id))
    processor = app.registry.processor(attempt.processor)
    return PaymentContext(
        request=request,
        nonprofit=NonprofitRecord.from_model(nonprofit),
        supporter=SupporterRecord.from_model(supporter),
        processor=processor.symbol,
        processor_capabilities=processor.capabilities,
        attempt_id=attempt.id,
        now=app.clock(),
    )


def invoice_of(request: Mapping[str, Any]) -> str | None:
    """The invoice a payment request pays (its type object's ``invoice_id``), if any."""
    invoice_id = (request.get("type_object") or {}).get("invoice_id")
    return invoice_id if isinstance(invoice_id, str) else None


def payment_values(
    app: HoudiniPay,
    attempt: AttemptRow,
    status: PaymentStatus,
    result: ChargeResult,
    description: str | None,
) -> PaymentColumns:
    """The columns of the payment an attempt records (its id derives from the attempt's,
    so an attempt can never record two payments)."""
    processor = app.registry.processor(attempt.processor)
    fee = result.fee or 0
    now = app.clock()
    return {
        "id": attempt.id.replace("att_", "pay_", 1),
        "nonprofit_id": attempt.nonprofit_id,
        "supporter_id": attempt.supporter_id,
        "attempt_id": attempt.id,
        "kind": (PaymentKind.CHARGE if processor.moves_money else PaymentKind.OFFSITE).value,
        "status": status.value,
        "amount": attempt.amount,
        "currency": attempt.currency,
        "gross": attempt.amount,
        "fee": fee,
        "net": attempt.amount - fee,
        "amount_refunded": 0,
        "processor": attempt.processor,
        "processor_reference": result.reference,
        "payment_type": attempt.payment_type,
        "source_id": attempt.source_id,
        "parent_id": None,
        "description": description,
        "channel": attempt.channel,
        "invoice_id": invoice_of(attempt.request),
        "failure_reason": None,
        "details": dict(result.details),
        "created_at": now,
        "updated_at": now,
    }


def fail(
    app: HoudiniPay,
    attempt_id: str,
    error: ErrorInfo,
    result: ChargeResult | None,
    *,
    nonprofit_id: str,
    final_state: AttemptState = AttemptState.FAILED,
    expect_payment_id: str | None = None,
) -> PaymentOutcome:
    """Mark the attempt failed (or reversed), release its holds, fire ``payment_failed``."""
    with app.unit_of_work() as uow:
        session = uow.session
        attempt = lock_attempt(session, attempt_id, nonprofit_id=nonprofit_id)
        if expect_payment_id is not None:
            expect_pending_approval(session, attempt, expect_payment_id)
        if AttemptState(attempt.state).is_terminal:
            return outcome_of(session.connection(), attempt, replayed=True)
        if attempt.state == AttemptState.REQUIRES_ACTION and attempt.error_code == EXPIRED.code:
            error = EXPIRED  # the processor reports the cancellation reconcile asked for
        move_attempt(app, attempt, final_state)
        attempt.reversal_pending = False
        attempt.error_code, attempt.error_message = error.code, error.message
        attempt.next_action = None
        if result is not None and result.reference:
            attempt.processor_reference = result.reference
        payment_record = _fail_payment(app, session, attempt, error)
        _release_holds(app, session, attempt)
        session.flush()
        attempt_record = AttemptRecord.from_model(attempt)
        outbox.record_event(
            session,
            attempt.nonprofit_id,
            "payment_failed",
            {"attempt_id": attempt.id, "error": error.to_dict()},
        )
        uow.after_commit(
            lambda: signals.send(
                signals.payment_failed,
                app,
                attempt=attempt_record,
                error=error,
                payment=payment_record,
            )
        )
        return PaymentOutcome(
            status=OutcomeStatus.FAILED, attempt_id=attempt.id, payment=payment_record, error=error
        )


def _fail_payment(
    app: HoudiniPay, session: Session, attempt: PaymentAttempt, error: ErrorInfo
) -> PaymentRecord | None:
    """Fail (or, when staff rejected it, cancel) the attempt's payment, if it recorded one."""
    if not attempt.payment_id:
        return None
    payment = session.get_one(
        Payment, (attempt.nonprofit_id, attempt.payment_id), with_for_update=True
    )
    target = PaymentStatus.CANCELLED if error.code == "payment_rejected" else PaymentStatus.FAILED
    move_payment(app, payment, target)
    payment.failure_reason = error.message
    session.flush()
    return PaymentRecord.from_model(payment)


def _release_holds(app: HoudiniPay, session: Session, attempt: PaymentAttempt) -> None:
    """Release the attempt's holds (the processor's too) and tell its payment type which items
    were freed."""
    released = inventory.release(session, attempt.nonprofit_id, attempt.id)
    if processor := app.registry.processors.get(attempt.processor or ""):
        processor.settle_charge(
            session, nonprofit_id=attempt.nonprofit_id, attempt_id=attempt.id, succeeded=False
        )
    payment_type = app.registry.payment_types.get(attempt.payment_type or "")
    if released and payment_type is not None:
        payment_type.release_limited_items(
            session, payment_context(app, session, attempt), released
        )
