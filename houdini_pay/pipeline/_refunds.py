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
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from houdini_pay import text
from houdini_pay.contract._plugin_calls import call_plugin, wrong_answer
from houdini_pay.contract._processors import (
    Capability,
    Processor,
    RefundRequest,
    require_capability,
)
from houdini_pay.contract._requests import Channel, check_channel
from houdini_pay.errors import (
    InvalidRequest,
    NotRefundable,
    RefundExceedsPayment,
)
from houdini_pay.money import validate_amount
from houdini_pay.pipeline import _idempotency as idempotency
from houdini_pay.pipeline._idempotency import OPERATION_REFUND
from houdini_pay.pipeline._refund_settlement import (
    REFUNDABLE_STATUSES,
    RefundOutcome,
    record_refund,
    refund_outcome,
    settle_refund,
)
from houdini_pay.pipeline._reversals import call_refund
from houdini_pay.store._directory import load_scoped
from houdini_pay.store._ids import new_id
from houdini_pay.store._models import Payment, PaymentAttempt
from houdini_pay.store._records import AttemptRecord, PaymentRecord
from houdini_pay.store._rows import (
    AttemptColumns,
    attempt_columns,
    insert_attempt,
)
from houdini_pay.store._states import (
    AttemptState,
    PaymentKind,
)
from houdini_pay.tenancy import Scope, check_scope

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

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
"""``RefundOutcome``, ``record_refund`` and ``settle_refund`` live in
:mod:`houdini_pay.pipeline._refund_settlement`; they are named here too, where they were."""

_REFUNDABLE_KINDS = (PaymentKind.CHARGE.value, PaymentKind.OFFSITE.value)
_IN_FLIGHT = (
    AttemptState.STARTED.value,
    AttemptState.CHARGING.value,
    AttemptState.PENDING.value,
    AttemptState.UNKNOWN.value,
)


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
    return None if attempt is None else refund_outcome(session, attempt, replayed=True)


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
        processor, amount = _refund_amount(app, session, payment, amount)
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
        request = _refund_request(session, payment, attempt_id, amount, reason)
        return AttemptRecord.from_mapping(attempt), request, processor.symbol


def _refund_amount(
    app: HoudiniPay, session: Session, payment: Payment, amount: int | None
) -> tuple[Processor, int]:
    """The processor and the amount to refund (all that remains when None), if allowed."""
    if payment.kind not in _REFUNDABLE_KINDS or payment.status not in REFUNDABLE_STATUSES:
        raise NotRefundable(
            f"payment {payment.id!r} is a {payment.status} {payment.kind} and cannot be refunded"
        )
    processor = app.registry.processor(payment.processor)
    require_capability(processor, Capability.REFUNDS)
    remaining = refundable_amount(session, payment)
    if remaining <= 0:
        raise NotRefundable(
            f"payment {payment.id!r} is already fully refunded (or its refunds are in progress)"
        )
    limited = _payment_type_limit(app, session, payment, remaining)
    if limited <= 0:
        raise NotRefundable(
            f"payment {payment.id!r} cannot be refunded: its payment type "
            f"{payment.payment_type!r} keeps the rest (it passed the money on, such as an "
            "invoice's credit applied elsewhere, or keeps a fee)"
        )
    amount = limited if amount is None else amount
    if amount > limited:
        why = (
            ""
            if limited == remaining
            else f"; its payment type {payment.payment_type!r} keeps the rest"
        )
        raise RefundExceedsPayment(
            f"cannot refund {amount}: only {limited} of {payment.amount} remains refundable{why}",
            details={"remaining": limited},
        )
    if amount < payment.amount:
        require_capability(processor, Capability.PARTIAL_REFUNDS)
    return processor, amount


def _payment_type_limit(app: HoudiniPay, session: Session, payment: Payment, remaining: int) -> int:
    """``remaining``, lowered to what the payment's type still lets be refunded."""
    payment_type = app.registry.payment_types.get(payment.payment_type or "")
    if payment_type is None:
        return remaining
    what = f"payment type {payment_type.symbol!r}"
    limit = call_plugin(
        what, "refund_limit", payment_type.refund_limit, session, PaymentRecord.from_model(payment)
    )
    if limit is None:
        return remaining
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise wrong_answer(what, "refund_limit", limit, "a whole number of minor units or None")
    in_flight = payment.amount - payment.amount_refunded - remaining
    return max(0, min(remaining, limit - in_flight))


def _refund_request(
    session: Session, payment: Payment, attempt_id: str, amount: int, reason: str | None
) -> RefundRequest:
    """What the processor is asked to refund, with what its charge was made with."""
    return RefundRequest(
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
