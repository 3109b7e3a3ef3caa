"""``recurring verify`` finds what the job never does: periods skipped or charged twice.

The corrupt states are written straight into the tables, since the code under test can
not produce them; that is the point of an independent check.
"""

from __future__ import annotations

import datetime as dt

from houdini_pay_donation.models import Donation, RecurringDonation
from houdini_pay_donation.recurring_admin import cancel, list_charges, pause, resume
from houdini_pay_donation.verify import verify_month
from sqlalchemy import delete, update

from houdini_pay import ALL_NONPROFITS, HoudiniPay, new_id, utcnow
from houdini_pay.store._models import Payment
from houdini_pay.testing import FakeProcessor, find_row

from .conftest import RunFunction, StartFunction

MAY_FIRST = dt.date(2026, 5, 1)


def _kinds(app: HoudiniPay, month: str = "2026-04") -> list[str]:
    return [d["kind"] for d in verify_month(app, month, today=MAY_FIRST).discrepancies]


def test_a_month_charged_once_per_period_verifies_and_lists_open_periods(
    app: HoudiniPay, start: StartFunction, run: RunFunction, fake_processor: object
) -> None:
    start()
    start(interval="week")
    run(dt.date(2026, 4, 30))
    report = verify_month(app, "2026-04", today=MAY_FIRST)
    assert report.ok
    # April 10 monthly, and April 7, 14, 21, 28 weekly.
    assert (report.schedules, report.periods_due, report.charged) == (2, 5, 5)
    # March: both first gifts (10th) and the weekly gifts of the 17th, 24th and 31st,
    # caught up by the run at the end of April.
    assert verify_month(app, "2026-03", today=MAY_FIRST).charged == 5


def test_a_period_the_job_skipped_is_not_charged(app: HoudiniPay, start: StartFunction) -> None:
    schedule = start()
    with app.unit_of_work() as uow:
        uow.session.execute(
            update(RecurringDonation)
            .where(RecurringDonation.id == schedule.id)
            .values(next_period=2, next_charge_at=dt.date(2026, 5, 10))
        )
    assert _kinds(app) == ["not_charged"]


def test_a_charged_row_without_its_gift_is_reported(
    app: HoudiniPay, start: StartFunction, run: RunFunction
) -> None:
    schedule = start()
    run(dt.date(2026, 4, 10))
    payment_id = list_charges(app, schedule.id, nonprofit_id=ALL_NONPROFITS)[1]["payment_id"]
    with app.unit_of_work() as uow:
        uow.session.execute(delete(Donation).where(Donation.payment_id == payment_id))
    # The payment has no gift (money with no period) and the period has no payment.
    assert sorted(_kinds(app)) == ["charge_missing", "charge_without_due_period"]


def test_a_gift_after_cancellation_has_no_due_period(
    app: HoudiniPay, start: StartFunction, run: RunFunction
) -> None:
    schedule = start()
    cancel(app, schedule.id, nonprofit_id=ALL_NONPROFITS)
    with app.unit_of_work() as uow:
        session = uow.session
        first = find_row(session, Payment, schedule.first_payment_id)
        stray = Payment(
            **{
                column.key: getattr(first, column.key)
                for column in Payment.__table__.columns
                if column.key not in ("id", "attempt_id", "created_at", "updated_at")
            },
            id=new_id("pay"),
            created_at=dt.datetime(2026, 4, 10, tzinfo=dt.UTC),
            updated_at=utcnow(),
        )
        session.add(stray)
        session.flush()
        session.add(
            Donation(
                id=new_id("don"),
                nonprofit_id=first.nonprofit_id,
                supporter_id=first.supporter_id or "",
                payment_id=stray.id,
                amount=stray.amount,
                currency="USD",
                recurring_donation_id=schedule.id,
                period=1,
                created_at=dt.datetime(2026, 4, 10, tzinfo=dt.UTC),
            )
        )
    assert _kinds(app) == ["charge_without_due_period"]


def test_an_open_retry_and_a_skipped_period_are_not_discrepancies(
    app: HoudiniPay, start: StartFunction, run: RunFunction, fake_processor: FakeProcessor
) -> None:
    retrying, paused = start(), start()
    pause(app, paused.id, nonprofit_id=ALL_NONPROFITS)
    fake_processor.then("decline")
    run(dt.date(2026, 4, 10))
    resume(app, paused.id, today=MAY_FIRST, nonprofit_id=ALL_NONPROFITS)
    report = verify_month(app, "2026-04", today=MAY_FIRST)
    assert report.ok
    assert [(e["recurring_donation_id"], e["state"]) for e in report.open] == [
        (retrying.id, "scheduled")
    ]
    assert [(e["recurring_donation_id"], e["state"]) for e in report.uncollected] == [
        (paused.id, "skipped")
    ]
    assert report.charged == 0
