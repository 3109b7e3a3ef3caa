"""``houdini-pay recurring verify``: prove each period due in a month was charged exactly once.

The check reads the money as recorded (donations of recurring schedules, each tied to a
payment) against the periods each schedule says fell due, and reports:

* ``not_charged``: a period fell due (and the schedule was running) but no row exists,
  which means the job did not run;
* ``duplicate_charge``: more than one payment for one period;
* ``charge_without_due_period``: a payment for a period that was not due (before the start,
  after the end or after a cancellation) or that was given up;
* ``charge_missing`` / ``amount_mismatch``: a row marked charged whose payment is missing
  or of another amount.

Periods still being collected (a retry waiting, a pending bank debit) are listed as open,
and those given up (failed, skipped while paused, cancelled) as uncollected; neither is a
discrepancy.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from houdini_pay import HoudiniPay
from houdini_pay.errors import InvalidRequest
from houdini_pay.tables import payments
from houdini_pay_donation.models import Donation, RecurringCharge, RecurringDonation
from houdini_pay_donation.recurring import OPEN_CHARGE_STATES, ChargeState, ScheduleStatus
from houdini_pay_donation.schedule import due_date, first_period_on_or_after

__all__ = ["VerifyReport", "parse_month", "verify_month"]

_RUNNING = (ScheduleStatus.ACTIVE.value, ScheduleStatus.PAST_DUE.value)
# Payments whose money was received (and maybe given back later): each is a charge.
_KEPT_STATUSES = ("succeeded", "partially_refunded", "refunded", "disputed")


def parse_month(raw: str) -> tuple[dt.date, dt.date]:
    """``YYYY-MM`` as its first and last day; ``InvalidRequest`` (``invalid_month``)."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", raw)
    if not match or not 1 <= int(match[2]) <= 12:
        raise InvalidRequest(f"--month must be YYYY-MM, not {raw!r}", code="invalid_month")
    year, month = int(match[1]), int(match[2])
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass
class VerifyReport:
    """The verdict on one month."""

    month: str
    schedules: int = 0
    periods_due: int = 0
    charged: int = 0
    open: list[dict[str, Any]] = field(default_factory=list)
    uncollected: list[dict[str, Any]] = field(default_factory=list)
    discrepancies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no discrepancy was found."""
        return not self.discrepancies

    def to_dict(self) -> dict[str, Any]:
        """The report as ``recurring verify --json`` prints it."""
        return {
            "month": self.month,
            "ok": self.ok,
            "schedules": self.schedules,
            "periods_due": self.periods_due,
            "charged": self.charged,
            "open": self.open,
            "uncollected": self.uncollected,
            "discrepancies": self.discrepancies,
        }


@dataclass(frozen=True, slots=True)
class _Charge:
    payment_id: str
    amount: int


def _charges(
    session: Session, schedules: dict[str, RecurringDonation], first: dt.date, last: dt.date
) -> dict[tuple[str, int], list[_Charge]]:
    """The recorded gifts of the periods due in the month, by (schedule, period)."""
    found: dict[tuple[str, int], list[_Charge]] = defaultdict(list)
    columns = (Donation.recurring_donation_id, Donation.period, payments.c.id, payments.c.amount)
    same_period = and_(
        RecurringCharge.recurring_donation_id == Donation.recurring_donation_id,
        RecurringCharge.period == Donation.period,
    )
    tracked = (
        select(*columns)
        .join(payments, payments.c.id == Donation.payment_id)
        .join(RecurringCharge, same_period)
        .where(RecurringCharge.due_on.between(first, last))
    )
    # A gift whose period has no row at all would be a bug; it is made on or after its
    # period's due date, so looking from the month's first day finds it.
    untracked = (
        select(*columns)
        .join(payments, payments.c.id == Donation.payment_id)
        .outerjoin(RecurringCharge, same_period)
        .where(
            RecurringCharge.id.is_(None),
            Donation.recurring_donation_id.is_not(None),
            Donation.created_at >= dt.datetime.combine(first, dt.time(), dt.UTC),
        )
    )
    for statement in (tracked, untracked):
        for schedule_id, period, payment_id, amount in session.execute(statement):
            schedule = schedules.get(schedule_id or "")
            if (
                schedule is not None
                and period is not None
                and first <= due_date(schedule, period) <= last
            ):
                found[(schedule.id, period)].append(_Charge(payment_id, amount))
    return found


def _payments_without_gift(
    session: Session, first: dt.date, last: dt.date, nonprofit_id: str | None
) -> list[dict[str, Any]]:
    """Recurring payments kept in the month with no gift recorded for any period."""
    start = dt.datetime.combine(first, dt.time(), dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), dt.UTC)
    statement = (
        select(payments.c.id)
        .outerjoin(Donation, Donation.payment_id == payments.c.id)
        .where(
            payments.c.payment_type == "recurring_donation",
            payments.c.status.in_(_KEPT_STATUSES),
            payments.c.created_at >= start,
            payments.c.created_at < end,
            Donation.id.is_(None),
        )
    )
    if nonprofit_id is not None:
        statement = statement.where(payments.c.nonprofit_id == nonprofit_id)
    return [
        {"kind": "charge_without_due_period", "payment_ids": [payment_id]}
        for payment_id in session.scalars(statement)
    ]


def _entry(schedule: RecurringDonation, period: int, **extra: Any) -> dict[str, Any]:
    return {
        "recurring_donation_id": schedule.id,
        "period": period,
        "due_on": due_date(schedule, period).isoformat(),
        **extra,
    }


def verify_month(
    app: HoudiniPay, month: str, *, nonprofit_id: str | None = None, today: dt.date | None = None
) -> VerifyReport:
    """Check every period due in ``month`` (``YYYY-MM``) up to ``today`` (default: now)."""
    first, last = parse_month(month)
    today = today or app.clock().date()
    report = VerifyReport(month=month)
    with app.session() as session:
        statement = select(RecurringDonation).where(RecurringDonation.start_date <= last)
        if nonprofit_id is not None:
            statement = statement.where(RecurringDonation.nonprofit_id == nonprofit_id)
        schedules = {s.id: s for s in session.scalars(statement)}
        rows = {
            (r.recurring_donation_id, r.period): r
            for r in session.scalars(
                select(RecurringCharge).where(
                    RecurringCharge.due_on.between(first, last),
                    RecurringCharge.recurring_donation_id.in_(schedules),
                )
            )
        }
        charges = _charges(session, schedules, first, last)
        report.discrepancies.extend(_payments_without_gift(session, first, last, nonprofit_id))
        for schedule in schedules.values():
            report.schedules += 1
            _check_schedule(schedule, first, min(last, today), rows, charges, report)
    for (schedule_id, period), found in charges.items():
        report.discrepancies.append(
            _entry(
                schedules[schedule_id],
                period,
                kind="charge_without_due_period",
                payment_ids=[c.payment_id for c in found],
            )
        )
    return report


def _check_schedule(
    schedule: RecurringDonation,
    first: dt.date,
    last: dt.date,
    rows: dict[tuple[str, int], RecurringCharge],
    charges: dict[tuple[str, int], list[_Charge]],
    report: VerifyReport,
) -> None:
    period = first_period_on_or_after(schedule, first, at_least=0)
    while due_date(schedule, period) <= last:
        if schedule.end_date is not None and due_date(schedule, period) > schedule.end_date:
            break
        due = schedule.status in _RUNNING or period < schedule.next_period
        row = rows.pop((schedule.id, period), None)
        if due:
            found = charges.pop((schedule.id, period), [])
            report.periods_due += 1
            _check_period(schedule, period, row, found, report)
        period += 1


def _check_period(
    schedule: RecurringDonation,
    period: int,
    row: RecurringCharge | None,
    found: list[_Charge],
    report: VerifyReport,
) -> None:
    payment_ids = [c.payment_id for c in found]
    if len(found) > 1:
        report.discrepancies.append(
            _entry(schedule, period, kind="duplicate_charge", payment_ids=payment_ids)
        )
        return
    if row is None:
        if found:
            report.discrepancies.append(
                _entry(schedule, period, kind="charge_without_due_period", payment_ids=payment_ids)
            )
        elif schedule.status == ScheduleStatus.PAST_DUE and period >= schedule.next_period:
            report.open.append(_entry(schedule, period, state="waiting_for_an_earlier_retry"))
        else:
            report.discrepancies.append(_entry(schedule, period, kind="not_charged"))
        return
    if row.status == ChargeState.SUCCEEDED:
        if not found or found[0].payment_id != row.payment_id:
            report.discrepancies.append(
                _entry(schedule, period, kind="charge_missing", payment_id=row.payment_id)
            )
        elif found[0].amount != row.amount:
            report.discrepancies.append(
                _entry(schedule, period, kind="amount_mismatch", payment_id=row.payment_id)
            )
        else:
            report.charged += 1
        return
    if found:
        report.discrepancies.append(
            _entry(schedule, period, kind="charge_without_due_period", payment_ids=payment_ids)
        )
    elif row.status in OPEN_CHARGE_STATES:
        report.open.append(_entry(schedule, period, state=row.status, charge_id=row.id))
    else:
        report.uncollected.append(_entry(schedule, period, state=row.status, charge_id=row.id))
