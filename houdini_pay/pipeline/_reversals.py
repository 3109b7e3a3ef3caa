"""Giving back a charge that could not be recorded.

A reversal refunds the whole charge through its processor with the idempotency key
``<attempt id>-reversal``. The attempt is marked ``reversal_pending`` (committed) before
the processor is asked, so a crash at any point leaves a mark that ``houdini-pay
reconcile`` finds; retrying with the same key never refunds twice. Money is never kept
without a record.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from houdini_pay.contract._processors import (
    Capability,
    ChargeResult,
    RefundRequest,
    RefundResult,
    RefundStatus,
)
from houdini_pay.contract._requests import ErrorInfo, OutcomeStatus, PaymentOutcome
from houdini_pay.pipeline._attempts import (
    REVERSAL_PENDING,
    fail,
    lock_attempt,
    move_attempt,
    outcome_of,
)
from houdini_pay.store._states import AttemptState

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = ["REVERSAL_SUFFIX", "REVERSED_ERROR", "call_refund", "reverse"]

log = logging.getLogger(__name__)

REVERSAL_SUFFIX = "-reversal"
"""Appended to an attempt id to make the idempotency key of its reversal refund."""

REVERSED_ERROR = ErrorInfo(
    "finalize_failed", "the payment could not be recorded; the charge was refunded"
)


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


def reverse(
    app: HoudiniPay, attempt_id: str, charge: ChargeResult, error: ErrorInfo, *, nonprofit_id: str
) -> PaymentOutcome:
    """Give back a charge that could not be recorded, then fail the attempt as reversed.

    The attempt is marked ``reversal_pending`` (committed) before the processor is asked, so
    a crash at any point leaves a mark ``reconcile`` finds; it retries with the same
    idempotency key, which never refunds twice. If the refund does not go through, the
    attempt stays open (``unknown``) with the charge's reference: money is never kept
    without a record.
    """
    processor_symbol, request = _mark_reversing(app, attempt_id, charge, error, nonprofit_id)
    processor = app.registry.processor(processor_symbol)
    if Capability.REFUNDS in processor.capabilities:
        refund = call_refund(
            app, processor.symbol, request, idempotency_key=attempt_id + REVERSAL_SUFFIX
        )
    else:
        refund = RefundResult.failed(f"processor {processor.symbol!r} cannot refund")
    if refund.status is RefundStatus.SUCCEEDED:
        return _reversed(app, attempt_id, charge, error, nonprofit_id)
    return _leave_for_reconcile(app, attempt_id, error, refund, nonprofit_id)


def _mark_reversing(
    app: HoudiniPay, attempt_id: str, charge: ChargeResult, error: ErrorInfo, nonprofit_id: str
) -> tuple[str, RefundRequest]:
    with app.unit_of_work() as uow:
        attempt = lock_attempt(uow.session, attempt_id, nonprofit_id=nonprofit_id)
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
    app: HoudiniPay, attempt_id: str, charge: ChargeResult, error: ErrorInfo, nonprofit_id: str
) -> PaymentOutcome:
    """The reversal went through: fail the attempt as reversed (or, if it had already
    failed before the charge surfaced, keep it failed with the reason)."""
    with app.unit_of_work() as uow:
        attempt = lock_attempt(uow.session, attempt_id, nonprofit_id=nonprofit_id)
        if AttemptState(attempt.state).is_terminal:
            attempt.reversal_pending = False
            attempt.error_code, attempt.error_message = error.code, error.message
            attempt.updated_at = app.clock()
            uow.session.flush()
            return outcome_of(uow.connection, attempt)
    return fail(
        app,
        attempt_id,
        error,
        charge,
        nonprofit_id=nonprofit_id,
        final_state=AttemptState.REVERSED,
    )


def _leave_for_reconcile(
    app: HoudiniPay, attempt_id: str, error: ErrorInfo, refund: RefundResult, nonprofit_id: str
) -> PaymentOutcome:
    message = (
        f"{error.message.removesuffix('; the charge was refunded')}; giving the money "
        f"back did not complete ({refund.message or refund.status.value}), "
        "`houdini-pay reconcile` will retry"
    )
    with app.unit_of_work() as uow:
        attempt = lock_attempt(uow.session, attempt_id, nonprofit_id=nonprofit_id)
        # A failed attempt whose charge surfaced late stays failed; anything else waits
        # as unknown. Either way reversal_pending tells reconcile to retry.
        if not AttemptState(attempt.state).is_terminal:
            move_attempt(app, attempt, AttemptState.UNKNOWN)
        uow.session.flush()
        outcome = outcome_of(uow.connection, attempt)
    return replace(
        outcome, status=OutcomeStatus.UNKNOWN, error=ErrorInfo(REVERSAL_PENDING, message)
    )
