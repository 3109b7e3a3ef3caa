"""Renewals: the charge of one period, made by the job, checked and recorded.

Every renewal of every schedule goes through here, so both steps are pre-built Core
statements on the session's connection (the transaction the pipeline runs in), not ORM
loads and flushes: one read to check, two updates and the donation insert to record.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, bindparam, case, or_, select, update
from sqlalchemy.orm import Session

from houdini_pay import PaymentContext, PaymentRecord
from houdini_pay.errors import Conflict, InvalidRequest, NotFound
from houdini_pay_donation.donation import GiftFields, record_donation
from houdini_pay_donation.models import RecurringCharge, RecurringDonation

__all__ = ["check_renewal", "record_renewal", "renewal_charge_id"]

_CHARGE = cast(Table, RecurringCharge.__table__)
_SCHEDULE = cast(Table, RecurringDonation.__table__)
_CHARGING, _SUCCEEDED = "charging", "succeeded"
_PAST_DUE, _ACTIVE = "past_due", "active"

_CLAIMED = (
    select(
        _CHARGE.c.nonprofit_id,
        _CHARGE.c.status,
        _CHARGE.c.idempotency_key,
        _CHARGE.c.amount,
        _SCHEDULE.c.supporter_id,
    )
    .join(_SCHEDULE, _SCHEDULE.c.id == _CHARGE.c.recurring_donation_id)
    .where(_CHARGE.c.id == bindparam("b_charge_id"))
)

# The period is recorded as charged by this payment, unless another payment did it first:
# then no row comes back and the finalize is rolled back (the core refunds the charge).
_MARK_CHARGED = (
    update(_CHARGE)
    .where(
        _CHARGE.c.id == bindparam("b_charge_id"),
        or_(_CHARGE.c.payment_id.is_(None), _CHARGE.c.payment_id == bindparam("b_payment_id")),
    )
    .values(
        status=_SUCCEEDED,
        payment_id=bindparam("b_payment_id"),
        error_code=None,
        error_message=None,
        updated_at=bindparam("b_now"),
    )
    .returning(_CHARGE.c.recurring_donation_id, _CHARGE.c.period)
)

# A success ends a run of failures: the count restarts and a past-due schedule is active.
_RECOVER = (
    update(_SCHEDULE)
    .where(_SCHEDULE.c.id == bindparam("b_schedule_id"))
    .values(
        failure_count=0,
        status=case((_SCHEDULE.c.status == _PAST_DUE, _ACTIVE), else_=_SCHEDULE.c.status),
        status_reason=case(
            (_SCHEDULE.c.status == _PAST_DUE, None), else_=_SCHEDULE.c.status_reason
        ),
        updated_at=bindparam("b_now"),
    )
    .returning(_SCHEDULE.c.gift)
)


def renewal_charge_id(context: PaymentContext) -> str:
    """The charge row a renewal's type object names (``{"recurring_charge_id": ...}``)."""
    obj = context.request.type_object
    charge_id = obj.get("recurring_charge_id")
    if set(obj) != {"recurring_charge_id"} or not isinstance(charge_id, str):
        raise InvalidRequest(
            'a renewal\'s type object is only {"recurring_charge_id": "rch_..."}',
            code="invalid_type_object",
        )
    return charge_id


def check_renewal(session: Session, context: PaymentContext) -> None:
    """Refuse a renewal that is not the try the job claimed, for its amount and supporter."""
    charge_id = renewal_charge_id(context)
    row = session.connection().execute(_CLAIMED, {"b_charge_id": charge_id}).one_or_none()
    if row is None or row.nonprofit_id != context.nonprofit.id:
        raise NotFound(
            f"recurring charge {charge_id!r} not found", code="recurring_charge_not_found"
        )
    if row.status != _CHARGING or row.idempotency_key != context.request.idempotency_key:
        raise InvalidRequest(
            "renewals are charged by `houdini-pay recurring run`, with the key of the "
            "charge it claimed",
            code="recurring_charge_not_claimed",
        )
    if (context.request.amount, context.supporter.id) != (row.amount, row.supporter_id):
        raise InvalidRequest(
            "a renewal must be the schedule's amount, from its supporter",
            code="recurring_charge_mismatch",
        )


def record_renewal(session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
    """Mark the period charged, restart the schedule's failure count, record the gift."""
    connection = session.connection()
    charge_id = renewal_charge_id(context)
    parameters = {"b_charge_id": charge_id, "b_payment_id": payment.id, "b_now": context.now}
    row = connection.execute(_MARK_CHARGED, parameters).one_or_none()
    if row is None:
        raise Conflict(
            f"the period of recurring charge {charge_id} was already charged",
            code="recurring_period_already_charged",
        )
    gift = connection.execute(
        _RECOVER, {"b_schedule_id": row.recurring_donation_id, "b_now": context.now}
    ).scalar_one()
    record_donation(
        session,
        context,
        payment,
        GiftFields(**gift),
        recurring_donation_id=row.recurring_donation_id,
        period=row.period,
    )
