"""Reconciliation: settle attempts whose outcome was lost, by asking the processor.

An attempt needs reconciling when its outcome is ``unknown`` (a timeout, a crash, a
reversal that did not go through), when it has been ``started`` or ``charging`` for longer
than ``reconcile_after`` (the process died mid-run), or when it has waited ``pending`` /
``requires_action`` that long on a processor that can be asked (a webhook went missing).
A ``requires_action`` attempt older than ``requires_action_expiry`` was abandoned by the
supporter: it is cancelled at the processor (capability ``cancel``), its holds released,
and it fails as ``expired``; if the supporter completed it meanwhile, it is recorded.

Each is settled through the same code as the pipeline: a charge the processor confirms is
finalized (or given back if it cannot be), one it never saw is failed and its holds
released. After ``reconcile_max_tries`` unanswered lookups an attempt is listed for a
person and ``attempt_needs_attention`` fires.

Processor events kept because the payment they concern was not recorded yet are applied
too (see :mod:`houdini_pay.pipeline._waiting_events`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select

from houdini_pay import signals
from houdini_pay.contract._processors import (
    Capability,
    ChargeResult,
    ChargeStatus,
    LookupRequest,
    Processor,
    RefundResult,
    RefundStatus,
)
from houdini_pay.contract._requests import ErrorInfo
from houdini_pay.pipeline import _settlement as settlement
from houdini_pay.pipeline import _webhooks as webhooks
from houdini_pay.pipeline._attempts import EXPIRED, fail, mark_expiring
from houdini_pay.pipeline._idempotency import OPERATION_REFUND
from houdini_pay.pipeline._pay import stored_charge_request
from houdini_pay.pipeline._refund_settlement import settle_refund
from houdini_pay.store._models import Payment, PaymentAttempt
from houdini_pay.store._records import AttemptRecord
from houdini_pay.store._states import AttemptState

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = ["ReconcileReport", "reconcile"]

log = logging.getLogger(__name__)


@dataclass
class ReconcileReport:
    """What one reconciliation run did.

    Attributes:
        settled: attempts that reached a new state, each ``{"attempt_id", "operation",
            "from", "to"}``.
        unchanged: attempts the processor still reports as waiting.
        unresolved: attempts a person must look at, each with a ``reason``.
        events: processor events that waited for a payment not recorded yet, each
            ``{"id", "type", "processor", "result"}``: ``applied``, ``ignored`` (its charge
            ended without a payment) or ``pending`` (still waiting).
    """

    settled: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    unresolved: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The report as ``reconcile --json`` prints it."""
        return {
            "settled": self.settled,
            "unchanged": self.unchanged,
            "unresolved": self.unresolved,
            "events": self.events,
        }


def _candidates(app: HoudiniPay, limit: int | None) -> list[AttemptRecord]:
    stale_before = app.clock() - app.settings.reconcile_after
    expired_before = app.clock() - app.settings.requires_action_expiry
    lookup_processors = [
        symbol
        for symbol, processor in app.registry.processors.items()
        if Capability.LOOKUP in processor.capabilities
    ]
    waiting = (AttemptState.PENDING.value, AttemptState.REQUIRES_ACTION.value)
    in_flight = (AttemptState.STARTED.value, AttemptState.CHARGING.value)
    statement = (
        select(PaymentAttempt)
        .where(
            or_(
                PaymentAttempt.state == AttemptState.UNKNOWN.value,
                and_(
                    PaymentAttempt.reversal_pending.is_(True),
                    or_(
                        PaymentAttempt.state == AttemptState.FAILED.value,
                        PaymentAttempt.updated_at < stale_before,
                    ),
                ),
                and_(PaymentAttempt.state.in_(in_flight), PaymentAttempt.updated_at < stale_before),
                and_(
                    PaymentAttempt.state.in_(waiting),
                    PaymentAttempt.updated_at < stale_before,
                    PaymentAttempt.processor.in_(lookup_processors),
                ),
                and_(
                    PaymentAttempt.state == AttemptState.REQUIRES_ACTION.value,
                    PaymentAttempt.created_at < expired_before,
                ),
            )
        )
        .order_by(PaymentAttempt.created_at)
    )
    if limit is not None:
        statement = statement.limit(limit)
    with app.session() as session:
        return [AttemptRecord.from_model(a) for a in session.scalars(statement)]


def reconcile(app: HoudiniPay, *, limit: int | None = None) -> ReconcileReport:
    """Settle every attempt that needs it (at most ``limit``); see the module docstring."""
    report = ReconcileReport()
    for attempt in _candidates(app, limit):
        try:
            _reconcile_one(app, attempt, report)
        except Exception as exc:
            log.exception("reconciling attempt %s failed", attempt.id)
            _unanswered(app, attempt, report, f"reconciliation raised {type(exc).__name__}: {exc}")
    # Events kept for a payment not recorded yet: those whose payment is now recorded (and
    # whose application after it failed) are applied, those whose charge ended without one
    # are let go.
    report.events = webhooks.apply_waiting(app)
    return report


def _lookup_request(attempt: AttemptRecord, key: str) -> LookupRequest:
    return LookupRequest(
        attempt_id=attempt.id,
        idempotency_key=key,
        nonprofit_id=attempt.nonprofit_id,
        amount=attempt.amount,
        currency=attempt.currency,
        reference=attempt.processor_reference,
    )


def _refund_lookup_request(app: HoudiniPay, attempt: AttemptRecord, key: str) -> LookupRequest:
    """A refund's lookup names the refunded charge and how it was made (its Connect account).

    For a reversal (``attempt`` is then the charge's own attempt) that charge is the attempt's.
    """
    with app.session() as session:
        owner = attempt.nonprofit_id
        charge_attempt: PaymentAttempt | None = session.get_one(PaymentAttempt, (owner, attempt.id))
        if attempt.parent_payment_id is not None:
            parent = session.get_one(Payment, (owner, attempt.parent_payment_id))
            payment_reference = parent.processor_reference
            charge_attempt = (
                session.get(PaymentAttempt, (owner, parent.attempt_id))
                if parent.attempt_id
                else None
            )
        else:
            payment_reference = attempt.processor_reference
        stored = stored_charge_request(session, charge_attempt) if charge_attempt else None
    return replace(
        _lookup_request(attempt, key), payment_reference=payment_reference, stored_request=stored
    )


def _reconcile_one(app: HoudiniPay, attempt: AttemptRecord, report: ReconcileReport) -> None:
    processor = app.registry.processor(attempt.processor)
    if attempt.operation == OPERATION_REFUND:
        _reconcile_refund(app, processor, attempt, report)
        return
    if attempt.state == AttemptState.STARTED:
        # The processor is asked only after the attempt is marked charging: nothing moved.
        settlement.fail_attempt(
            app,
            attempt.id,
            ErrorInfo(
                "abandoned",
                "the payment was interrupted before the processor was asked; nothing was charged",
            ),
            nonprofit_id=attempt.nonprofit_id,
        )
        _settled(app, attempt, report)
        return
    if attempt.reversal_pending:
        # The charge is known to have succeeded; only giving it back is left to do.
        settlement.reverse(
            app,
            attempt.id,
            ChargeResult.succeeded(attempt.processor_reference),
            ErrorInfo(attempt.error_code or "finalize_failed", attempt.error_message or ""),
            nonprofit_id=attempt.nonprofit_id,
        )
        _settled(app, attempt, report)
        return
    if attempt.state == AttemptState.REQUIRES_ACTION and _expired(app, attempt):
        _expire(app, processor, attempt, report)
        return
    if Capability.LOOKUP not in processor.capabilities:
        _unanswered(
            app,
            attempt,
            report,
            f"processor {processor.symbol!r} cannot look up charges; check its records "
            "and settle the payment by hand",
            hopeless=True,
        )
        return
    result = _lookup_charge(app, processor, attempt)
    if result is None:
        settlement.fail_attempt(
            app,
            attempt.id,
            ErrorInfo(
                "not_charged", "the processor has no record of this charge; nothing was charged"
            ),
            nonprofit_id=attempt.nonprofit_id,
        )
    elif result.status is ChargeStatus.UNKNOWN:
        _unanswered(app, attempt, report, result.message or "the processor did not answer")
        return
    else:
        settlement.settle(app, attempt.id, result, nonprofit_id=attempt.nonprofit_id)
    _settled(app, attempt, report)


def _charge_lookup_request(app: HoudiniPay, attempt: AttemptRecord) -> LookupRequest:
    with app.session() as session:
        row = session.get_one(PaymentAttempt, (attempt.nonprofit_id, attempt.id))
        stored = stored_charge_request(session, row)
    return replace(_lookup_request(attempt, attempt.id), stored_request=stored)


def _lookup_charge(
    app: HoudiniPay, processor: Processor, attempt: AttemptRecord
) -> ChargeResult | None:
    try:
        result: object = processor.lookup_charge(_charge_lookup_request(app, attempt))
    except Exception as exc:
        return ChargeResult.unknown(f"lookup raised {type(exc).__name__}: {exc}")
    if result is not None and not isinstance(result, ChargeResult):
        return ChargeResult.unknown("lookup returned no ChargeResult")
    return result


def _expired(app: HoudiniPay, attempt: AttemptRecord) -> bool:
    return attempt.created_at < app.clock() - app.settings.requires_action_expiry


def _expire(
    app: HoudiniPay, processor: Processor, attempt: AttemptRecord, report: ReconcileReport
) -> None:
    """Cancel a charge the supporter abandoned at 3-D Secure, and fail it as ``expired``.

    The processor cancels first, so the supporter can no longer complete it; if they did
    meanwhile, the cancel fails and the charge it reports is recorded like any other.
    A processor that cannot cancel has the attempt expired here alone: a success it
    reports later is given back (see :mod:`houdini_pay.pipeline._settlement`).
    """
    if Capability.CANCEL not in processor.capabilities:
        settlement.fail_attempt(app, attempt.id, EXPIRED, nonprofit_id=attempt.nonprofit_id)
        _settled(app, attempt, report)
        return
    if not mark_expiring(app, attempt.id, nonprofit_id=attempt.nonprofit_id):
        return  # settled meanwhile (a webhook)
    try:
        result: object = processor.cancel_charge(_charge_lookup_request(app, attempt))
    except Exception as exc:
        result = ChargeResult.unknown(f"cancelling raised {type(exc).__name__}: {exc}")
    if not isinstance(result, ChargeResult):
        result = ChargeResult.unknown("cancel_charge returned no ChargeResult")
    if result.status is ChargeStatus.FAILED:
        fail(app, attempt.id, EXPIRED, result, nonprofit_id=attempt.nonprofit_id)
    elif result.status in (ChargeStatus.SUCCEEDED, ChargeStatus.PENDING):
        settlement.settle(app, attempt.id, result, nonprofit_id=attempt.nonprofit_id)
    else:
        why = result.message or f"the processor still reports {result.status.value}"
        _unanswered(app, attempt, report, f"the abandoned payment could not be cancelled: {why}")
        return
    _settled(app, attempt, report)


def _reconcile_refund(
    app: HoudiniPay, processor: Processor, attempt: AttemptRecord, report: ReconcileReport
) -> None:
    if Capability.LOOKUP not in processor.capabilities:
        _unanswered(
            app,
            attempt,
            report,
            f"processor {processor.symbol!r} cannot look up refunds; check its records",
            hopeless=True,
        )
        return
    try:
        result = processor.lookup_refund(_refund_lookup_request(app, attempt, attempt.id))
    except Exception as exc:
        result = RefundResult.unknown(f"lookup raised {type(exc).__name__}: {exc}")
    if result is None:
        result = RefundResult.failed("the processor has no record of this refund")
    if result.status is RefundStatus.UNKNOWN:
        _unanswered(app, attempt, report, result.message or "the processor did not answer")
        return
    settle_refund(app, attempt.id, result, nonprofit_id=attempt.nonprofit_id)
    _settled(app, attempt, report)


def _settled(app: HoudiniPay, attempt: AttemptRecord, report: ReconcileReport) -> None:
    with app.session() as session:
        current = session.get_one(PaymentAttempt, (attempt.nonprofit_id, attempt.id))
        entry = {
            "attempt_id": attempt.id,
            "operation": attempt.operation,
            "processor": attempt.processor,
            "from": attempt.state,
            "to": current.state,
            "error_code": current.error_code,
        }
    (report.settled if current.state != attempt.state else report.unchanged).append(entry)


def _unanswered(
    app: HoudiniPay,
    attempt: AttemptRecord,
    report: ReconcileReport,
    reason: str,
    *,
    hopeless: bool = False,
) -> None:
    """Count one more unanswered try; past the limit (or if ``hopeless``), hand it to a person."""
    with app.unit_of_work() as uow:
        row = uow.session.get_one(
            PaymentAttempt, (attempt.nonprofit_id, attempt.id), with_for_update=True
        )
        row.reconcile_count += 1
        tries = row.reconcile_count
    entry = {
        "attempt_id": attempt.id,
        "operation": attempt.operation,
        "processor": attempt.processor,
        "state": attempt.state,
        "tries": tries,
        "reason": reason,
    }
    if hopeless or tries >= app.settings.reconcile_max_tries:
        report.unresolved.append(entry)
        signals.send(signals.attempt_needs_attention, app, attempt=attempt, reason=reason)
    else:
        report.unchanged.append(entry)
