"""Settling an attempt with the processor's answer: finalize, fail, wait or give back.

Every way an outcome reaches the core goes through :func:`settle`: the pipeline's own
charge, a webhook, a staff approval, and reconciliation. Each settle locks the attempt row
first, so two reports of the same outcome (a webhook racing the synchronous answer) apply
once; a report about an attempt that already reached a terminal state changes nothing,
except a success reported for a failed attempt, whose money is given back.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row
from sqlalchemy.orm import Session

from houdini_pay import inventory, outbox, signals
from houdini_pay.db import statements as sql
from houdini_pay.db.unit_of_work import UnitOfWork
from houdini_pay.errors import HoudiniPayError, InvalidTransition, NotFound
from houdini_pay.ids import new_id
from houdini_pay.models import Nonprofit, Payment, PaymentAttempt, Supporter
from houdini_pay.payment import ErrorInfo, OutcomeStatus, PaymentOutcome, PaymentRequest
from houdini_pay.payment_types import PaymentContext
from houdini_pay.processors import (
    Capability,
    ChargeResult,
    ChargeStatus,
    RefundRequest,
    RefundResult,
    RefundStatus,
)
from houdini_pay.records import AttemptRecord, NonprofitRecord, PaymentRecord, SupporterRecord
from houdini_pay.states import (
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
    "FAILURE_CODES",
    "REVERSAL_PENDING",
    "REVERSAL_SUFFIX",
    "REVERSED_ERROR",
    "call_refund",
    "fail_attempt",
    "not_pending_approval",
    "outcome_of",
    "reverse",
    "settle",
]

log = logging.getLogger(__name__)

FAILURE_CODES = {
    "rejected": "payment_rejected",
    # An off-session charge the card's bank wants the supporter to confirm (3-D Secure):
    # not a decline, the supporter must pay once in person (recurring runs mark the
    # schedule past due on this code).
    "authentication_required": "authentication_required",
}
"""Error codes of failed charges by decline code; any other decline is ``processor_declined``."""

REVERSAL_SUFFIX = "-reversal"
"""Appended to an attempt id to make the idempotency key of its reversal refund."""

REVERSED_ERROR = ErrorInfo(
    "finalize_failed", "the payment could not be recorded; the charge was refunded"
)
REVERSAL_PENDING = "reversal_pending"
"""Error code reported while an attempt's charge is being (or must still be) given back."""


def settle(
    app: HoudiniPay,
    attempt_id: str,
    result: ChargeResult,
    *,
    context: PaymentContext | None = None,
    expect_payment_id: str | None = None,
    has_holds: bool | None = None,
) -> PaymentOutcome:
    """Apply the processor's ``result`` to the attempt and return the outcome.

    Args:
        context: the payment context when the caller already has it (saves reloading).
        expect_payment_id: for approvals, the payment that must still be pending approval.
        has_holds: whether the attempt holds limited items, when the caller knows (saves
            a query); None to look.
    """
    if result.status is ChargeStatus.SUCCEEDED:
        return _finalize(app, attempt_id, result, context, expect_payment_id, has_holds)
    if result.status is ChargeStatus.FAILED:
        code = FAILURE_CODES.get(result.decline_code or "", "processor_declined")
        message = result.message or "the processor declined the payment"
        return _fail(
            app, attempt_id, ErrorInfo(code, message), result, expect_payment_id=expect_payment_id
        )
    return _wait(app, attempt_id, result)


# -- reading outcomes ------------------------------------------------------------------


def outcome_of(connection: Connection, attempt: Any, *, replayed: bool = False) -> PaymentOutcome:
    """The outcome an attempt (an ORM object or a row) stands at, as ``pay`` reports it."""
    payment = (
        connection.execute(sql.PAYMENT_BY_ID, {"id": attempt.payment_id}).one_or_none()
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


def _lock_attempt(session: Session, attempt_id: str) -> PaymentAttempt:
    attempt = session.get(PaymentAttempt, attempt_id, with_for_update=True, populate_existing=True)
    if attempt is None:
        raise LookupError(f"attempt {attempt_id!r} does not exist")
    return attempt


def _move(app: HoudiniPay, attempt: PaymentAttempt, target: AttemptState) -> None:
    attempt.state = transition(AttemptState(attempt.state), target, ATTEMPT_TRANSITIONS).value
    attempt.updated_at = app.clock()


def _move_payment(app: HoudiniPay, payment: Payment, target: PaymentStatus) -> None:
    payment.status = transition(PaymentStatus(payment.status), target, PAYMENT_TRANSITIONS).value
    payment.updated_at = app.clock()


def _context(app: HoudiniPay, session: Session, attempt: Any) -> PaymentContext:
    stored = dict(attempt.request)
    stored.pop("processor_data", None)
    request = PaymentRequest.from_dict(stored)
    nonprofit = session.get_one(Nonprofit, attempt.nonprofit_id)
    supporter = session.get_one(Supporter, attempt.supporter_id)
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


def _payment_values(
    app: HoudiniPay,
    attempt: Any,
    status: PaymentStatus,
    result: ChargeResult,
    description: str | None,
) -> dict[str, Any]:
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
        "details": dict(result.details),
        "created_at": now,
        "updated_at": now,
    }


# -- success -----------------------------------------------------------------------------


class _Refused(Exception):
    """A precondition failed before anything was finalized: no money to give back."""

    def __init__(self, error: HoudiniPayError) -> None:
        super().__init__(error.message)
        self.error = error


class _LateSuccess(Exception):
    """The processor reports success for an attempt that had already failed."""


def _finalize(
    app: HoudiniPay,
    attempt_id: str,
    result: ChargeResult,
    context: PaymentContext | None,
    expect_payment_id: str | None,
    has_holds: bool | None,
) -> PaymentOutcome:
    """Record a successful charge in one transaction; give the money back if that fails."""
    try:
        with app.unit_of_work() as uow:
            attempt = uow.connection.execute(
                sql.ATTEMPT_BY_ID_FOR_UPDATE, {"id": attempt_id}
            ).one_or_none()
            if attempt is None:
                raise _Refused(
                    NotFound(f"attempt {attempt_id!r} not found", code="attempt_not_found")
                )
            if expect_payment_id is not None:
                try:
                    _expect_pending_approval(uow.session, attempt, expect_payment_id)
                except InvalidTransition as exc:
                    raise _Refused(exc) from exc
            state = AttemptState(attempt.state)
            if state in (AttemptState.SUCCEEDED, AttemptState.REVERSED):
                return outcome_of(uow.connection, attempt, replayed=True)
            if state is AttemptState.FAILED:
                raise _LateSuccess
            return _record_success(app, uow, attempt, result, context, has_holds)
    except _Refused as refused:
        raise refused.error from None
    except _LateSuccess:
        return _reverse(
            app,
            attempt_id,
            result,
            ErrorInfo(
                "late_success_reversed",
                "the charge succeeded after the payment had failed; it was refunded",
            ),
        )
    except Exception as exc:
        error = _finalize_error(exc)
        log.warning(
            "finalizing attempt %s failed (%s); reversing the charge",
            attempt_id,
            error.code,
            exc_info=not isinstance(exc, HoudiniPayError),
        )
        return _reverse(app, attempt_id, result, error)


def _expect_pending_approval(session: Session, attempt: Any, payment_id: str) -> None:
    payment = session.get_one(Payment, payment_id, populate_existing=True)
    if payment.status != PaymentStatus.PENDING_APPROVAL:
        raise not_pending_approval(payment)


def _finalize_error(exc: Exception) -> ErrorInfo:
    if isinstance(exc, HoudiniPayError) and exc.code == "sold_out":
        return ErrorInfo("sold_out", f"{exc.message}; the charge was refunded")
    return REVERSED_ERROR


def _record_success(
    app: HoudiniPay,
    uow: UnitOfWork,
    attempt: Row[Any],
    result: ChargeResult,
    context: PaymentContext | None,
    has_holds: bool | None,
) -> PaymentOutcome:
    """Write the payment, let the payment type record its part, close the attempt.

    This is the hot path of every payment, so the core's own rows are written with
    pre-built Core statements; plugins work through the session on the same transaction.
    """
    session = uow.session
    context = context or _context(app, session, attempt)
    payment_type = app.registry.payment_type(attempt.payment_type or "")
    now = app.clock()
    if attempt.payment_id:  # a pending payment now succeeds
        payment = session.get_one(Payment, attempt.payment_id, with_for_update=True)
        _move_payment(app, payment, PaymentStatus.SUCCEEDED)
        payment.details = {**payment.details, **result.details}
        if result.reference:
            payment.processor_reference = result.reference
        if result.fee is not None:
            payment.fee, payment.net = result.fee, payment.gross - result.fee
        session.flush()
        record = PaymentRecord.from_model(payment)
    else:
        values = _payment_values(
            app, attempt, PaymentStatus.SUCCEEDED, result, payment_type.describe(context)
        )
        uow.connection.execute(sql.INSERT_PAYMENT, values)
        record = PaymentRecord.from_mapping(values)
    payment_type.process(session, context, record)
    if has_holds is not False:
        issued = inventory.finalize(session, attempt.nonprofit_id, attempt.id)
        if issued:
            payment_type.finalize_limited_items(session, context, issued)
    transition(AttemptState(attempt.state), AttemptState.SUCCEEDED, ATTEMPT_TRANSITIONS)
    changes = {
        "state": AttemptState.SUCCEEDED.value,
        "payment_id": record.id,
        "processor_reference": result.reference or attempt.processor_reference,
        "error_code": None,
        "error_message": None,
        "next_action": None,
        "updated_at": now,
    }
    uow.connection.execute(sql.UPDATE_ATTEMPT, {"attempt_id": attempt.id, **changes})
    attempt_record = AttemptRecord.from_mapping({**attempt._mapping, **changes})
    uow.connection.execute(
        sql.INSERT_OUTBOX,
        {
            "id": new_id("evt"),
            "nonprofit_id": attempt.nonprofit_id,
            "event": "payment_completed",
            "payload": {"payment": record.to_dict()},
            "created_at": now,
            "published_at": None,
        },
    )
    uow.after_commit(
        lambda: signals.send(signals.payment_completed, app, payment=record, attempt=attempt_record)
    )
    return PaymentOutcome(status=OutcomeStatus.SUCCEEDED, attempt_id=attempt.id, payment=record)


# -- failure -----------------------------------------------------------------------------


def _fail(
    app: HoudiniPay,
    attempt_id: str,
    error: ErrorInfo,
    result: ChargeResult | None,
    *,
    final_state: AttemptState = AttemptState.FAILED,
    expect_payment_id: str | None = None,
) -> PaymentOutcome:
    """Mark the attempt failed (or reversed), release its holds, fire ``payment_failed``."""
    with app.unit_of_work() as uow:
        session = uow.session
        attempt = _lock_attempt(session, attempt_id)
        if expect_payment_id is not None:
            _expect_pending_approval(session, attempt, expect_payment_id)
        if AttemptState(attempt.state).is_terminal:
            return outcome_of(session.connection(), attempt, replayed=True)
        _move(app, attempt, final_state)
        attempt.reversal_pending = False
        attempt.error_code, attempt.error_message = error.code, error.message
        attempt.next_action = None
        if result is not None and result.reference:
            attempt.processor_reference = result.reference
        payment_record = None
        if attempt.payment_id:
            payment = session.get_one(Payment, attempt.payment_id, with_for_update=True)
            target = (
                PaymentStatus.CANCELLED
                if error.code == "payment_rejected"
                else PaymentStatus.FAILED
            )
            _move_payment(app, payment, target)
            session.flush()
            payment_record = PaymentRecord.from_model(payment)
        released = inventory.release(session, attempt.nonprofit_id, attempt.id)
        payment_type = app.registry.payment_types.get(attempt.payment_type or "")
        if released and payment_type is not None:
            payment_type.release_limited_items(session, _context(app, session, attempt), released)
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


# -- waiting -------------------------------------------------------------------------------


def _wait(app: HoudiniPay, attempt_id: str, result: ChargeResult) -> PaymentOutcome:
    """Record a pending, requires-action or unknown answer; the outcome comes later."""
    target = {
        ChargeStatus.PENDING: AttemptState.PENDING,
        ChargeStatus.REQUIRES_ACTION: AttemptState.REQUIRES_ACTION,
        ChargeStatus.UNKNOWN: AttemptState.UNKNOWN,
    }[result.status]
    with app.unit_of_work() as uow:
        session = uow.session
        attempt = _lock_attempt(session, attempt_id)
        if AttemptState(attempt.state).is_terminal:
            return outcome_of(session.connection(), attempt, replayed=True)
        _move(app, attempt, target)
        attempt.processor_reference = result.reference or attempt.processor_reference
        if target is AttemptState.UNKNOWN:
            attempt.error_code = "processor_outcome_unknown"
            attempt.error_message = (
                result.message or "the processor did not answer"
            ) + "; the payment is kept open and `houdini-pay reconcile` will settle it"
        else:
            attempt.error_code = attempt.error_message = None
        if target is AttemptState.REQUIRES_ACTION:
            attempt.next_action = dict(result.next_action or {})
        if target is AttemptState.PENDING and attempt.payment_id is None:
            _record_pending_payment(app, uow, attempt, result)
        session.flush()
        return outcome_of(session.connection(), attempt)


def _record_pending_payment(
    app: HoudiniPay, uow: Any, attempt: PaymentAttempt, result: ChargeResult
) -> None:
    session: Session = uow.session
    status = PaymentStatus.PENDING_APPROVAL if result.approval_required else PaymentStatus.PENDING
    context = _context(app, session, attempt)
    description = app.registry.payment_type(attempt.payment_type or "").describe(context)
    payment = Payment(**_payment_values(app, attempt, status, result, description))
    session.add(payment)
    session.flush()
    attempt.payment_id = payment.id
    record = PaymentRecord.from_model(payment)
    attempt_record = AttemptRecord.from_model(attempt)
    outbox.record_event(
        session, attempt.nonprofit_id, "payment_pending", {"payment": record.to_dict()}
    )
    uow.after_commit(
        lambda: signals.send(signals.payment_pending, app, payment=record, attempt=attempt_record)
    )


# -- giving money back ---------------------------------------------------------------------


def call_refund(
    app: HoudiniPay, processor_symbol: str, request: RefundRequest, *, idempotency_key: str
) -> RefundResult:
    """Ask the processor to refund; an exception or malformed answer counts as unknown."""
    processor = app.registry.processor(processor_symbol)
    try:
        result: object = processor.refund(request, idempotency_key=idempotency_key)
    except Exception as exc:
        log.exception("processor %r raised while refunding (%s)", processor_symbol, idempotency_key)
        return RefundResult.unknown(f"the processor raised {type(exc).__name__}: {exc}")
    if not isinstance(result, RefundResult) or not isinstance(result.status, RefundStatus):
        return RefundResult.unknown(f"processor {processor_symbol!r} returned no RefundResult")
    return result


def _reverse(
    app: HoudiniPay, attempt_id: str, charge: ChargeResult, error: ErrorInfo
) -> PaymentOutcome:
    """Give back a charge that could not be recorded, then fail the attempt as reversed.

    The attempt is marked ``reversal_pending`` (committed) before the processor is asked, so
    a crash at any point leaves a mark ``reconcile`` finds; it retries with the same
    idempotency key, which never refunds twice. If the refund does not go through, the
    attempt stays open (``unknown``) with the charge's reference: money is never kept
    without a record.
    """
    processor_symbol, request = _mark_reversing(app, attempt_id, charge, error)
    processor = app.registry.processor(processor_symbol)
    if Capability.REFUNDS in processor.capabilities:
        refund = call_refund(
            app, processor.symbol, request, idempotency_key=attempt_id + REVERSAL_SUFFIX
        )
    else:
        refund = RefundResult.failed(f"processor {processor.symbol!r} cannot refund")
    if refund.status is RefundStatus.SUCCEEDED:
        return _reversed(app, attempt_id, charge, error)
    return _leave_for_reconcile(app, attempt_id, error, refund)


def _mark_reversing(
    app: HoudiniPay, attempt_id: str, charge: ChargeResult, error: ErrorInfo
) -> tuple[str, RefundRequest]:
    with app.unit_of_work() as uow:
        attempt = _lock_attempt(uow.session, attempt_id)
        attempt.processor_reference = charge.reference or attempt.processor_reference
        attempt.reversal_pending = True
        attempt.error_code, attempt.error_message = error.code, error.message
        attempt.updated_at = app.clock()
        return attempt.processor, RefundRequest(
            attempt_id=attempt.id,
            nonprofit_id=attempt.nonprofit_id,
            payment_id=attempt.payment_id or "",
            payment_reference=attempt.processor_reference,
            amount=attempt.amount,
            payment_amount=attempt.amount,
            currency=attempt.currency,
            reason="could not be recorded",
            processor_data=dict(attempt.request.get("processor_data") or {}),
            metadata={"attempt_id": attempt.id, "reversal": "true"},
        )


def _reversed(
    app: HoudiniPay, attempt_id: str, charge: ChargeResult, error: ErrorInfo
) -> PaymentOutcome:
    """The reversal went through: fail the attempt as reversed (or, if it had already
    failed before the charge surfaced, keep it failed with the reason)."""
    with app.unit_of_work() as uow:
        attempt = _lock_attempt(uow.session, attempt_id)
        if AttemptState(attempt.state).is_terminal:
            attempt.reversal_pending = False
            attempt.error_code, attempt.error_message = error.code, error.message
            attempt.updated_at = app.clock()
            uow.session.flush()
            return outcome_of(uow.connection, attempt)
    return _fail(app, attempt_id, error, charge, final_state=AttemptState.REVERSED)


def fail_attempt(app: HoudiniPay, attempt_id: str, error: ErrorInfo) -> PaymentOutcome:
    """Fail an attempt the processor never charged, releasing its holds."""
    return _fail(app, attempt_id, error, None)


def reverse(
    app: HoudiniPay, attempt_id: str, charge: ChargeResult, error: ErrorInfo
) -> PaymentOutcome:
    """Give back a charge that cannot be recorded (idempotent: the refund key is fixed)."""
    return _reverse(app, attempt_id, charge, error)


def _leave_for_reconcile(
    app: HoudiniPay, attempt_id: str, error: ErrorInfo, refund: RefundResult
) -> PaymentOutcome:
    message = (
        f"{error.message.removesuffix('; the charge was refunded')}; giving the money "
        f"back did not complete ({refund.message or refund.status.value}), "
        "`houdini-pay reconcile` will retry"
    )
    with app.unit_of_work() as uow:
        attempt = _lock_attempt(uow.session, attempt_id)
        # A failed attempt whose charge surfaced late stays failed; anything else waits
        # as unknown. Either way reversal_pending tells reconcile to retry.
        if not AttemptState(attempt.state).is_terminal:
            _move(app, attempt, AttemptState.UNKNOWN)
        uow.session.flush()
        outcome = outcome_of(uow.connection, attempt)
    return replace(
        outcome, status=OutcomeStatus.UNKNOWN, error=ErrorInfo(REVERSAL_PENDING, message)
    )
