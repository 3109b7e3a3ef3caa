"""The ``recurring_donation`` payment type: the first gift of a schedule, and each renewal.

A new schedule's type object (donation fields allowed too)::

    {"interval": "month", "interval_count": 1, "start_date": "2026-03-01",
     "end_date": "2027-02-28", "paydate": 1, "designation": "Winter meals"}

The first gift goes through the pipeline like any payment; its ``process`` creates the
schedule and the charge row of period 0 in the same finalize transaction, so a schedule
exists exactly when its first gift was recorded.

Renewals are made only by ``houdini-pay recurring run``, with the type object
``{"recurring_charge_id": "rch_..."}`` and the charge row's idempotency key; ``process``
marks that row charged in the finalize transaction.

The source must be chargeable without the supporter (the processor declares
``off_session``). A processor that cannot, but whose payments staff can approve (offsite),
takes ``"staff_recorded": true``: each period is then recorded pending approval, and counts
as given once staff confirm the standing order or envelope arrived.
"""

from __future__ import annotations

import dataclasses
import enum

from sqlalchemy.orm import Session

from houdini_pay import Capability, PaymentContext, PaymentRecord, PaymentType, new_id
from houdini_pay.errors import CapabilityNotSupported
from houdini_pay_donation.donation import record_donation
from houdini_pay_donation.models import RecurringCharge, RecurringDonation
from houdini_pay_donation.renewal import check_renewal, record_renewal
from houdini_pay_donation.schedule import due_date, parse_schedule

__all__ = [
    "OPEN_CHARGE_STATES",
    "ChargeState",
    "Collection",
    "RecurringDonationPaymentType",
    "ScheduleStatus",
]

# Keys of a first gift's processing object that describe that one gift, not the schedule.
_ONE_OFF_PROCESSING_KEYS = frozenset({"check_number", "reference", "pending_approval", "note"})


class ScheduleStatus(enum.StrEnum):
    """Where a recurring donation stands."""

    ACTIVE = "active"
    PAST_DUE = "past_due"
    """A charge failed and is being retried; no new period is planned until it settles."""
    PAUSED = "paused"
    CANCELLED = "cancelled"
    ENDED = "ended"
    """Its end date has passed: no period is left to plan."""


class ChargeState(enum.StrEnum):
    """Where one period's charge stands."""

    SCHEDULED = "scheduled"
    """Waiting for its try on ``next_try_on`` (the due date, or a retry date)."""
    CHARGING = "charging"
    """Claimed by a worker that is charging it now (or was, before it died)."""
    PENDING = "pending"
    """The processor accepted it; the outcome comes later (rechecked by each run)."""
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    """Every try failed; the schedule was cancelled."""
    SKIPPED = "skipped"
    """Fell due while the schedule was paused or cancelled; never charged."""
    CANCELLED = "cancelled"
    """The schedule was cancelled before this period was charged."""


OPEN_CHARGE_STATES = (ChargeState.SCHEDULED, ChargeState.CHARGING, ChargeState.PENDING)


class Collection(enum.StrEnum):
    """How the periods after the first are collected."""

    OFF_SESSION = "off_session"
    STAFF_RECORDED = "staff_recorded"


def _check_collection(context: PaymentContext, staff_recorded: bool) -> None:
    capabilities = context.processor_capabilities
    if staff_recorded and Capability.MANUAL_APPROVAL not in capabilities:
        raise CapabilityNotSupported(
            f"processor {context.processor!r} has no staff approval, so it cannot record "
            "staff-recorded recurring gifts",
            details={"processor": context.processor, "capability": "manual_approval"},
        )
    if not staff_recorded and Capability.OFF_SESSION not in capabilities:
        raise CapabilityNotSupported(
            f"processor {context.processor!r} cannot charge without the supporter present, "
            "so it cannot take recurring gifts; use a processor that can, or record a "
            'standing gift that staff confirm each period with "staff_recorded": true',
            details={"processor": context.processor, "capability": "off_session"},
        )


class RecurringDonationPaymentType(PaymentType):
    """A gift repeated every week, month or year (see the module docstring)."""

    symbol = "recurring_donation"
    display_name = "Recurring donation"

    def validate(self, session: Session, context: PaymentContext) -> None:
        """Check a new schedule's terms, or that a renewal is the one its row claimed."""
        obj = context.request.type_object
        if "recurring_charge_id" in obj:
            check_renewal(session, context)
            return
        terms = parse_schedule(obj, context.now.date())
        _check_collection(context, terms.staff_recorded)

    def process(self, session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
        """Create the schedule (first gift) or mark the period charged (renewal)."""
        if "recurring_charge_id" in context.request.type_object:
            record_renewal(session, context, payment)
        else:
            self._create_schedule(session, context, payment)

    def _create_schedule(
        self, session: Session, context: PaymentContext, payment: PaymentRecord
    ) -> None:
        request = context.request
        # An approval may come days after the request: the terms were checked then.
        terms = parse_schedule(request.type_object, context.now.date(), check_dates=False)
        template = {
            k: v for k, v in request.processing_object.items() if k not in _ONE_OFF_PROCESSING_KEYS
        }
        schedule = RecurringDonation(
            id=new_id("rd"),
            nonprofit_id=payment.nonprofit_id,
            supporter_id=context.supporter.id,
            source_id=request.source_id,
            processor=context.processor,
            collection=(
                Collection.STAFF_RECORDED if terms.staff_recorded else Collection.OFF_SESSION
            ).value,
            amount=payment.amount,
            currency=payment.currency,
            interval=terms.interval,
            interval_count=terms.interval_count,
            paydate=terms.paydate,
            start_date=terms.start_date,
            end_date=terms.end_date,
            status=ScheduleStatus.ACTIVE.value,
            next_period=1,
            next_charge_at=due_date(terms, 1),
            failure_count=0,
            gift=dataclasses.asdict(terms.gift),
            processing_object=template,
            first_payment_id=payment.id,
            created_at=context.now,
            updated_at=context.now,
        )
        if terms.end_date is not None and schedule.next_charge_at > terms.end_date:
            schedule.status = ScheduleStatus.ENDED.value
        session.add(schedule)
        session.flush()
        session.add(
            RecurringCharge(
                id=new_id("rch"),
                nonprofit_id=payment.nonprofit_id,
                recurring_donation_id=schedule.id,
                period=0,
                due_on=terms.start_date,
                amount=payment.amount,
                status=ChargeState.SUCCEEDED.value,
                tries=1,
                idempotency_key=request.idempotency_key,
                payment_id=payment.id,
                created_at=context.now,
                updated_at=context.now,
            )
        )
        record_donation(
            session, context, payment, terms.gift, recurring_donation_id=schedule.id, period=0
        )

    def describe(self, context: PaymentContext) -> str:
        """``Monthly donation``, ``Donation every 2 weeks``, or ``Recurring donation``."""
        obj = context.request.type_object
        interval, count = obj.get("interval"), obj.get("interval_count", 1)
        if interval not in ("week", "month", "year"):
            text = "Recurring donation"
        elif count == 1:
            text = {"week": "Weekly", "month": "Monthly", "year": "Yearly"}[interval] + " donation"
        else:
            text = f"Donation every {count} {interval}s"
        designation = obj.get("designation")
        return f"{text} to {designation}" if isinstance(designation, str) else text
