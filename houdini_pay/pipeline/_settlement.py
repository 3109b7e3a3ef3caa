"""Settling an attempt with the processor's answer: finalize, fail, wait or give back.

Every way an outcome reaches the core goes through :func:`settle`: the pipeline's own
charge, a webhook, a staff approval, and reconciliation. Each settle locks the attempt row
first, so two reports of the same outcome (a webhook racing the synchronous answer) apply
once; a report about an attempt that already reached a terminal state changes nothing,
except a success reported for a failed attempt, whose money is given back.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from houdini_pay import outbox, signals
from houdini_pay.contract._payment_types import PaymentContext
from houdini_pay.contract._processors import ChargeResult, ChargeStatus
from houdini_pay.contract._requests import ErrorInfo, PaymentOutcome
from houdini_pay.db import sql
from houdini_pay.db.unit_of_work import UnitOfWork
from houdini_pay.errors import HoudiniPayError, InvalidTransition, NotFound, SoldOut
from houdini_pay.pipeline._attempts import (
    REVERSAL_PENDING,
    expect_pending_approval,
    fail,
    lock_attempt,
    move_attempt,
    not_pending_approval,
    outcome_of,
    payment_context,
    payment_values,
)
from houdini_pay.pipeline._reversals import REVERSAL_SUFFIX, REVERSED_ERROR, call_refund, reverse
from houdini_pay.pipeline._success import record_fresh_success, record_success
from houdini_pay.store._models import PaymentAttempt
from houdini_pay.store._records import AttemptRecord, PaymentRecord
from houdini_pay.store._rows import (
    AttemptColumns,
    insert_payment,
)
from houdini_pay.store._states import AttemptState, PaymentStatus

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


def settle(
    app: HoudiniPay,
    attempt_id: str,
    result: ChargeResult,
    *,
    nonprofit_id: str,
    context: PaymentContext | None = None,
    expect_payment_id: str | None = None,
    has_holds: bool | None = None,
    fresh: AttemptColumns | None = None,
) -> PaymentOutcome:
    """Apply the processor's ``result`` to the attempt and return the outcome.

    Args:
        nonprofit_id: the attempt's nonprofit (with ``attempt_id``, the attempt's key).
        context: the payment context when the caller already has it (saves reloading).
        expect_payment_id: for approvals, the payment that must still be pending approval.
        has_holds: whether the attempt holds limited items, when the caller knows (saves
            a query); None to look.
        fresh: the columns the caller inserted the attempt with and then left ``charging``
            (the pipeline, with ``context``): a success is then recorded without reading the
            attempt first, unless it moved on meanwhile.
    """
    if result.status is ChargeStatus.SUCCEEDED:
        return _finalize(
            app, nonprofit_id, attempt_id, result, context, expect_payment_id, has_holds, fresh
        )
    if result.status is ChargeStatus.FAILED:
        code = FAILURE_CODES.get(result.decline_code or "", "processor_declined")
        message = result.message or "the processor declined the payment"
        return fail(
            app,
            attempt_id,
            ErrorInfo(code, message),
            result,
            nonprofit_id=nonprofit_id,
            expect_payment_id=expect_payment_id,
        )
    return _wait(app, nonprofit_id, attempt_id, result)


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
    nonprofit_id: str,
    attempt_id: str,
    result: ChargeResult,
    context: PaymentContext | None,
    expect_payment_id: str | None,
    has_holds: bool | None,
    fresh: AttemptColumns | None,
) -> PaymentOutcome:
    """Record a successful charge in one transaction; give the money back if that fails."""
    try:
        with app.unit_of_work() as uow:
            if fresh is not None and context is not None and expect_payment_id is None:
                recorded = record_fresh_success(app, uow, fresh, result, context, has_holds)
                if recorded is not None:
                    return recorded
            attempt = uow.connection.execute(
                sql.ATTEMPT_BY_ID_FOR_UPDATE, {"nonprofit_id": nonprofit_id, "id": attempt_id}
            ).one_or_none()
            if attempt is None:
                raise _Refused(
                    NotFound(f"attempt {attempt_id!r} not found", code="attempt_not_found")
                )
            if expect_payment_id is not None:
                try:
                    expect_pending_approval(uow.session, attempt, expect_payment_id)
                except InvalidTransition as exc:
                    raise _Refused(exc) from exc
            state = AttemptState(attempt.state)
            if state in (AttemptState.SUCCEEDED, AttemptState.REVERSED):
                return outcome_of(uow.connection, attempt, replayed=True)
            if state is AttemptState.FAILED:
                raise _LateSuccess
            return record_success(app, uow, attempt, result, context, has_holds)
    except _Refused as refused:
        raise refused.error from None
    except _LateSuccess:
        return reverse(
            app,
            attempt_id,
            result,
            ErrorInfo(
                "late_success_reversed",
                "the charge succeeded after the payment had failed; it was refunded",
            ),
            nonprofit_id=nonprofit_id,
        )
    except Exception as exc:
        error = _finalize_error(exc)
        log.warning(
            "finalizing attempt %s failed (%s); reversing the charge",
            attempt_id,
            error.code,
            exc_info=not isinstance(exc, HoudiniPayError),
        )
        return reverse(app, attempt_id, result, error, nonprofit_id=nonprofit_id)


def _finalize_error(exc: Exception) -> ErrorInfo:
    if isinstance(exc, SoldOut) or (isinstance(exc, HoudiniPayError) and exc.code == "sold_out"):
        return ErrorInfo(exc.code, f"{exc.message}; the charge was refunded")
    return REVERSED_ERROR


# -- waiting -------------------------------------------------------------------------------


def _wait(
    app: HoudiniPay, nonprofit_id: str, attempt_id: str, result: ChargeResult
) -> PaymentOutcome:
    """Record a pending, requires-action or unknown answer; the outcome comes later."""
    target = {
        ChargeStatus.PENDING: AttemptState.PENDING,
        ChargeStatus.REQUIRES_ACTION: AttemptState.REQUIRES_ACTION,
        ChargeStatus.UNKNOWN: AttemptState.UNKNOWN,
    }[result.status]
    with app.unit_of_work() as uow:
        session = uow.session
        attempt = lock_attempt(session, attempt_id, nonprofit_id=nonprofit_id)
        if AttemptState(attempt.state).is_terminal:
            return outcome_of(session.connection(), attempt, replayed=True)
        move_attempt(app, attempt, target)
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
    app: HoudiniPay, uow: UnitOfWork, attempt: PaymentAttempt, result: ChargeResult
) -> None:
    session = uow.session
    status = PaymentStatus.PENDING_APPROVAL if result.approval_required else PaymentStatus.PENDING
    context = payment_context(app, session, attempt)
    description = app.registry.payment_type(attempt.payment_type or "").describe(context)
    values = payment_values(app, attempt, status, result, description)
    insert_payment(session.connection(), values)
    attempt.payment_id = values["id"]
    session.flush()
    record = PaymentRecord.from_mapping(values)
    attempt_record = AttemptRecord.from_model(attempt)
    outbox.record_event(
        session,
        attempt.nonprofit_id,
        "payment_pending",
        {"payment": record.to_dict()},
    )
    uow.after_commit(
        lambda: signals.send(signals.payment_pending, app, payment=record, attempt=attempt_record)
    )


def fail_attempt(
    app: HoudiniPay, attempt_id: str, error: ErrorInfo, *, nonprofit_id: str
) -> PaymentOutcome:
    """Fail an attempt the processor never charged, releasing its holds."""
    return fail(app, attempt_id, error, None, nonprofit_id=nonprofit_id)
