"""Refunds made outside houdini-pay, recorded when the processor reports them.

Staff may refund a charge in the processor's own dashboard. The processor's webhook reports
it as a :class:`~houdini_pay.RefundObservation` that names no attempt of ours; the core then
records it exactly like its own refunds (a negative payment, the parent's refunded amount
and status, the payment type's ``on_refund``, ``refund_completed``), through an attempt whose
idempotency key is made of the processor's refund reference. That key is unique per
nonprofit, so a refund reported twice, or by two deliveries racing, is recorded once. A
refund houdini-pay started is found by its attempt first (see
:mod:`houdini_pay.pipeline._webhooks`) and is never recorded a second time here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from houdini_pay.contract._processors import RefundObservation, RefundStatus
from houdini_pay.pipeline import _idempotency as idempotency
from houdini_pay.pipeline._idempotency import OPERATION_REFUND
from houdini_pay.pipeline._queries import lock_payment_by_reference
from houdini_pay.pipeline._refund_settlement import record_refund
from houdini_pay.pipeline._refunds import new_refund_attempt
from houdini_pay.pipeline._waiting_events import Waiting, awaiting
from houdini_pay.store._models import Payment, PaymentAttempt
from houdini_pay.store._rows import insert_attempt
from houdini_pay.store._states import PaymentKind

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = ["EXTERNAL_KEY_PREFIX", "record_external_refund"]

EXTERNAL_KEY_PREFIX = "external-refund:"
"""Idempotency keys of refunds made outside houdini-pay: this, then the processor's id."""

_REFUNDABLE_KINDS = (PaymentKind.CHARGE.value, PaymentKind.OFFSITE.value)
_EXTERNAL_REASON = "refunded outside houdini-pay"


def record_external_refund(
    app: HoudiniPay, processor_symbol: str, observation: RefundObservation
) -> bool | Waiting:
    """Record a succeeded refund houdini-pay did not start; False if the charge is not ours.

    A refund of a charge whose attempt is still open (the refund was reported before the
    charge's success) is not dropped: :class:`~houdini_pay.pipeline._waiting_events.Waiting` tells
    the webhook to keep it until the payment is recorded. Refunds that are pending or
    failed at the processor are not recorded: no money moved yet, and the processor
    reports them again when they succeed.
    """
    result = observation.result
    amount = observation.amount
    if result.status is not RefundStatus.SUCCEEDED or not result.reference:
        return False
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        return False
    key = f"{EXTERNAL_KEY_PREFIX}{result.reference}"
    reference = result.reference

    def record() -> bool | Waiting:
        with app.unit_of_work() as uow:
            session = uow.session
            payment = lock_payment_by_reference(
                session, processor_symbol, observation.payment_reference, _REFUNDABLE_KINDS
            )
            if payment is None:
                return awaiting(session, processor_symbol, observation.payment_reference) or False
            if _already_recorded(session, payment, key, reference):
                return True
            columns = new_refund_attempt(
                payment,
                key=key,
                fingerprint=idempotency.external_refund_fingerprint(key),
                amount=amount,
                request={"payment_id": payment.id, "reason": _EXTERNAL_REASON, "external": True},
                now=app.clock(),
                # No entry point of ours asked: it belongs where the refunded payment came from.
                channel=payment.channel,
                processor_reference=reference,
            )
            insert_attempt(session.connection(), columns)
            attempt = session.get_one(PaymentAttempt, (columns["nonprofit_id"], columns["id"]))
            record_refund(app, uow, attempt, result)
        return True

    # A delivery racing this one that recorded the same refund first (same idempotency key)
    # has done the work.
    return idempotency.replay_or_insert(record, lambda: True)


def _already_recorded(session: Session, payment: Payment, key: str, reference: str) -> bool:
    """Whether this refund is on record already, as ours or as an earlier external one."""
    attempts = session.scalar(
        select(func.count())
        .select_from(PaymentAttempt)
        .where(
            PaymentAttempt.nonprofit_id == payment.nonprofit_id,
            PaymentAttempt.operation == OPERATION_REFUND,
            or_(
                PaymentAttempt.idempotency_key == key,
                PaymentAttempt.processor_reference == reference,
            ),
        )
    )
    refunds = session.scalar(
        select(func.count())
        .select_from(Payment)
        .where(
            Payment.parent_id == payment.id,
            Payment.kind == PaymentKind.REFUND.value,
            Payment.processor_reference == reference,
        )
    )
    return bool(attempts or refunds)
