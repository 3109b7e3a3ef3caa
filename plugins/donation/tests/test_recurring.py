"""Recurring donations: the first gift, the charging job, dunning and staff actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from houdini_pay_donation import events
from houdini_pay_donation.models import Donation, RecurringCharge, RecurringDonation
from houdini_pay_donation.recurring_admin import (
    cancel,
    get_schedule,
    list_charges,
    pause,
    resume,
)
from houdini_pay_donation.recurring_job import run_due
from houdini_pay_donation.verify import verify_month
from sqlalchemy import func, select

from houdini_pay import (
    ALL_NONPROFITS,
    HoudiniPay,
    NonprofitRecord,
    OutcomeStatus,
    PaymentRequest,
    SupporterRecord,
    outbox,
)
from houdini_pay.errors import CapabilityNotSupported, InvalidRequest, InvalidTransition, NotFound
from houdini_pay.store._models import Payment, PaymentAttempt
from houdini_pay.testing import FakeProcessor

from .conftest import FAST_RETRIES, START, RunFunction, StartFunction


def _count(app: HoudiniPay, model: Any, **where: Any) -> int:
    statement = select(func.count()).select_from(model)
    for name, value in where.items():
        statement = statement.where(getattr(model, name) == value)
    with app.session() as session:
        return int(session.scalar(statement) or 0)


def _states(app: HoudiniPay, schedule_id: str) -> list[tuple[int, str]]:
    return [
        (c["period"], c["status"])
        for c in list_charges(app, schedule_id, nonprofit_id=ALL_NONPROFITS)
    ]


def test_the_first_gift_creates_the_schedule_and_period_zero_together(
    app: HoudiniPay, start: StartFunction
) -> None:
    schedule = start(designation="Winter meals")
    assert (schedule.status, schedule.next_period) == ("active", 1)
    assert schedule.next_charge_at == dt.date(2026, 4, 10)
    assert _states(app, schedule.id) == [(0, "succeeded")]
    with app.session() as session:
        donation = session.scalars(select(Donation)).one()
    assert (donation.recurring_donation_id, donation.period) == (schedule.id, 0)
    assert donation.designation == "Winter meals"
    first = app.get_payment(schedule.first_payment_id, nonprofit_id=schedule.nonprofit_id)
    assert first.description == "Monthly donation to Winter meals"


def test_a_declined_first_gift_creates_no_schedule(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    supporter: SupporterRecord,
    fake_processor: FakeProcessor,
) -> None:
    fake_processor.behaviour = "decline"
    outcome = app.pay(
        PaymentRequest(
            nonprofit_id=nonprofit.id,
            supporter_id=supporter.id,
            amount=2500,
            currency="USD",
            processor="fake",
            payment_type="recurring_donation",
            type_object={"interval": "month"},
        )
    )
    assert outcome.status is OutcomeStatus.FAILED
    assert _count(app, RecurringDonation) == 0
    assert _count(app, RecurringCharge) == 0


def test_a_processor_without_off_session_charges_is_refused_unless_staff_record_it(
    app: HoudiniPay, nonprofit: NonprofitRecord, supporter: SupporterRecord
) -> None:
    request = PaymentRequest(
        nonprofit_id=nonprofit.id,
        supporter_id=supporter.id,
        amount=2500,
        currency="USD",
        processor="offsite",
        payment_type="recurring_donation",
        type_object={"interval": "month"},
        processing_object={"method": "cash"},
    )
    with pytest.raises(CapabilityNotSupported) as raised:
        app.pay(request)
    assert raised.value.details == {"processor": "offsite", "capability": "off_session"}
    assert "staff_recorded" in raised.value.message
    assert _count(app, PaymentAttempt) == 0
    staff = app.pay(
        PaymentRequest(
            **{**request.to_dict(), "type_object": {"interval": "month", "staff_recorded": True}}
        )
    )
    assert staff.status is OutcomeStatus.SUCCEEDED


def test_each_due_period_is_charged_once_off_session_and_never_cumulatively(
    app: HoudiniPay, start: StartFunction, run: RunFunction, fake_processor: FakeProcessor
) -> None:
    schedule = start()
    report = run(dt.date(2026, 6, 15))  # three months were missed: April, May, June
    assert (report.planned, report.charged, report.failed) == (3, 3, 0)
    assert _states(app, schedule.id) == [(p, "succeeded") for p in range(4)]
    amounts = [c.amount for c in fake_processor.calls if c.method == "charge"]
    assert amounts == [2500] * 4
    assert fake_processor.charge_count == 4
    with app.session() as session:
        requests = session.scalars(
            select(PaymentAttempt.request).where(
                PaymentAttempt.payment_type == "recurring_donation"
            )
        ).all()
        channels = session.scalars(
            select(Payment.channel).where(Payment.payment_type == "recurring_donation")
        ).all()
    assert [r["off_session"] for r in requests].count(True) == 3
    # The first gift came from its caller (the Python API); the job made the other three.
    assert sorted(channels) == ["api", "recurring", "recurring", "recurring"]
    again = run(dt.date(2026, 6, 15))
    assert (again.planned, again.charged) == (0, 0)
    assert fake_processor.charge_count == 4
    assert get_schedule(app, schedule.id, nonprofit_id=ALL_NONPROFITS).next_charge_at == dt.date(
        2026, 7, 10
    )


def test_nothing_is_charged_before_its_due_date(
    app: HoudiniPay, start: StartFunction, run: RunFunction, fake_processor: FakeProcessor
) -> None:
    start()
    assert run(dt.date(2026, 4, 9)).charged == 0
    assert run(dt.date(2026, 4, 10)).charged == 1
    assert fake_processor.charge_count == 2


def test_a_failed_charge_is_retried_after_three_then_seven_days_then_cancelled(
    app: HoudiniPay, start: StartFunction, run: RunFunction, fake_processor: FakeProcessor
) -> None:
    schedule = start()
    fake_processor.behaviour = "decline"
    assert run(dt.date(2026, 4, 10)).failed == 1
    after_one = get_schedule(app, schedule.id, nonprofit_id=ALL_NONPROFITS)
    assert (after_one.status, after_one.failure_count) == ("past_due", 1)
    assert (
        list_charges(app, schedule.id, nonprofit_id=ALL_NONPROFITS)[1]["next_try_on"]
        == "2026-04-13"
    )
    assert run(dt.date(2026, 4, 12)).failed == 0  # not yet
    assert run(dt.date(2026, 4, 13)).failed == 1
    assert (
        list_charges(app, schedule.id, nonprofit_id=ALL_NONPROFITS)[1]["next_try_on"]
        == "2026-04-20"
    )
    # Past due, so May's period is not planned while April's is being retried.
    assert run(dt.date(2026, 4, 20)).failed == 1
    cancelled = get_schedule(app, schedule.id, nonprofit_id=ALL_NONPROFITS)
    assert cancelled.status == "cancelled"
    assert cancelled.status_reason is not None
    assert "3 failed charges" in cancelled.status_reason
    assert "processor_declined" in cancelled.status_reason
    assert _states(app, schedule.id) == [(0, "succeeded"), (1, "failed")]
    assert list_charges(app, schedule.id, nonprofit_id=ALL_NONPROFITS)[1]["tries"] == 3
    # Three tries of one period, each with its own key, none of which moved money.
    charge_id = list_charges(app, schedule.id, nonprofit_id=ALL_NONPROFITS)[1]["id"]
    with app.session() as session:
        keys = session.scalars(
            select(PaymentAttempt.idempotency_key).where(
                PaymentAttempt.idempotency_key.like(f"{charge_id}%")
            )
        ).all()
    assert sorted(keys) == [charge_id, f"{charge_id}-retry1", f"{charge_id}-retry2"]
    assert fake_processor.charge_count == 1
    assert run(dt.date(2026, 6, 1)).charged == 0


def test_a_future_as_of_is_refused_and_a_past_one_runs_as_that_day_would_have(
    app: HoudiniPay,
    start: StartFunction,
    clock: Any,
    fake_processor: FakeProcessor,
) -> None:
    schedule = start()
    with pytest.raises(InvalidRequest) as refused:
        run_due(app, as_of=dt.date(2026, 4, 10))  # the clock says 10 March
    assert refused.value.code == "as_of_in_future"
    assert (
        fake_processor.charge_count,
        len(list_charges(app, schedule.id, nonprofit_id=ALL_NONPROFITS)),
    ) == (1, 1)

    # On 20 April, a catch-up for the 10th: the retry counts from the 10th, the payment of a
    # later period is dated when it is made.
    clock.set_date(dt.date(2026, 4, 20))
    fake_processor.then("decline")
    report = run_due(app, as_of=dt.date(2026, 4, 10), settings=FAST_RETRIES)
    assert (report.as_of, report.failed) == (dt.date(2026, 4, 10), 1)
    assert (
        list_charges(app, schedule.id, nonprofit_id=ALL_NONPROFITS)[1]["next_try_on"]
        == "2026-04-13"
    )
    retried = run_due(app, settings=FAST_RETRIES)  # today: the retry date has passed
    assert retried.charged == 1
    payment = app.get_payment(retried.charges[0]["payment_id"], nonprofit_id=ALL_NONPROFITS)
    assert payment.created_at.date() == dt.date(2026, 4, 20)


def test_a_retry_that_succeeds_makes_the_schedule_active_again(
    app: HoudiniPay, start: StartFunction, run: RunFunction, fake_processor: FakeProcessor
) -> None:
    schedule = start()
    fake_processor.then("decline")
    run(dt.date(2026, 4, 10))
    report = run(dt.date(2026, 5, 12))  # the retry (13 April) and May's period
    assert report.charged == 2
    healthy = get_schedule(app, schedule.id, nonprofit_id=ALL_NONPROFITS)
    assert (healthy.status, healthy.failure_count) == ("active", 0)
    assert _states(app, schedule.id) == [(0, "succeeded"), (1, "succeeded"), (2, "succeeded")]
    retried = list_charges(app, schedule.id, nonprofit_id=ALL_NONPROFITS)[1]["id"] + "-retry1"
    with app.session() as session:
        state = session.scalar(
            select(PaymentAttempt.state).where(PaymentAttempt.idempotency_key == retried)
        )
    assert state == "succeeded"


def test_pause_skips_periods_and_resume_starts_from_the_next_one(
    app: HoudiniPay, start: StartFunction, run: RunFunction, clock: Any
) -> None:
    schedule = start()
    assert pause(app, schedule.id, nonprofit_id=ALL_NONPROFITS).status == "paused"
    assert run(dt.date(2026, 6, 1)).charged == 0
    resumed = resume(app, schedule.id, today=dt.date(2026, 6, 1), nonprofit_id=ALL_NONPROFITS)
    assert (resumed.status, resumed.next_charge_at) == ("active", dt.date(2026, 6, 10))
    assert _states(app, schedule.id) == [(0, "succeeded"), (1, "skipped"), (2, "skipped")]
    assert run(dt.date(2026, 6, 10)).charged == 1
    assert verify_month(app, "2026-05", today=dt.date(2026, 7, 1)).ok


def test_cancel_stops_charging_and_cannot_be_repeated(
    app: HoudiniPay, start: StartFunction, run: RunFunction
) -> None:
    schedule = start()
    cancelled = cancel(app, schedule.id, reason="moved away", nonprofit_id=ALL_NONPROFITS)
    assert (cancelled.status, cancelled.status_reason) == ("cancelled", "moved away")
    assert run(dt.date(2026, 8, 1)).planned == 0
    with pytest.raises(InvalidTransition):
        cancel(app, schedule.id, nonprofit_id=ALL_NONPROFITS)
    with pytest.raises(InvalidTransition):
        pause(app, schedule.id, nonprofit_id=ALL_NONPROFITS)
    with pytest.raises(NotFound):
        cancel(app, "rd_missing", nonprofit_id=ALL_NONPROFITS)


def test_a_schedule_ends_after_its_end_date(
    app: HoudiniPay, start: StartFunction, run: RunFunction
) -> None:
    schedule = start(end_date="2026-05-31")
    report = run(dt.date(2026, 9, 1))
    assert report.charged == 2
    ended = get_schedule(app, schedule.id, nonprofit_id=ALL_NONPROFITS)
    assert ended.status == "ended"
    with pytest.raises(InvalidTransition):
        resume(app, schedule.id, nonprofit_id=ALL_NONPROFITS)


def test_an_unanswered_charge_waits_for_reconcile_and_is_never_charged_twice(
    app: HoudiniPay,
    start: StartFunction,
    run: RunFunction,
    fake_processor: FakeProcessor,
    clock: Any,
) -> None:
    schedule = start()
    fake_processor.then("crash_after_charge")  # money moves, the answer is lost
    report = run(dt.date(2026, 4, 10))
    assert report.pending == 1
    assert _states(app, schedule.id)[1] == (1, "pending")
    clock.advance(minutes=15)
    # Reconcile finds the charge at the processor and finalizes it, period row included.
    assert len(app.reconcile().settled) == 1
    assert _states(app, schedule.id)[1] == (1, "succeeded")
    clock.advance(minutes=15)
    assert run(dt.date(2026, 4, 10)).charges == []
    assert fake_processor.charge_count == 2


def test_a_pending_charge_is_rechecked_by_replaying_its_key(
    app: HoudiniPay,
    start: StartFunction,
    run: RunFunction,
    fake_processor: FakeProcessor,
    clock: Any,
) -> None:
    schedule = start()
    fake_processor.then("unknown")  # nothing moved, but nobody knows yet
    assert run(dt.date(2026, 4, 10)).pending == 1
    clock.advance(minutes=15)
    again = run(dt.date(2026, 4, 10))
    assert [c["result"] for c in again.charges] == ["pending"]  # still unknown: replayed
    assert [c.method for c in fake_processor.calls].count("charge") == 2
    assert _states(app, schedule.id)[1] == (1, "pending")


def test_a_renewal_cannot_be_paid_outside_the_job(
    app: HoudiniPay,
    start: StartFunction,
    run: RunFunction,
    nonprofit: NonprofitRecord,
    supporter: SupporterRecord,
    fake_processor: FakeProcessor,
) -> None:
    schedule = start()
    fake_processor.behaviour = "decline"
    run(dt.date(2026, 4, 10))
    charge_id = list_charges(app, schedule.id, nonprofit_id=ALL_NONPROFITS)[1]["id"]
    with pytest.raises(InvalidRequest) as raised:
        app.pay(
            PaymentRequest(
                nonprofit_id=nonprofit.id,
                supporter_id=supporter.id,
                amount=2500,
                currency="USD",
                processor="fake",
                payment_type="recurring_donation",
                type_object={"recurring_charge_id": charge_id},
                off_session=True,
            )
        )
    assert raised.value.code == "recurring_charge_not_claimed"


def test_a_staff_recorded_gift_is_recorded_pending_until_approved(
    app: HoudiniPay, nonprofit: NonprofitRecord, supporter: SupporterRecord, run: RunFunction
) -> None:
    first = app.pay(
        PaymentRequest(
            nonprofit_id=nonprofit.id,
            supporter_id=supporter.id,
            amount=4000,
            currency="USD",
            processor="offsite",
            payment_type="recurring_donation",
            type_object={"interval": "month", "staff_recorded": True},
            processing_object={"method": "bank_transfer", "reference": "first"},
        )
    )
    assert first.status is OutcomeStatus.SUCCEEDED
    report = run(dt.date(2026, 4, 10))
    assert report.pending == 1
    payment_id = report.charges[0]["payment_id"]
    pending = app.get_payment(payment_id, nonprofit_id=nonprofit.id)
    assert pending.status == "pending_approval"
    assert pending.processor_reference == report.charges[0]["charge_id"]
    assert pending.channel == "recurring"
    assert (
        app.approve_payment(payment_id, nonprofit_id=nonprofit.id).status is OutcomeStatus.SUCCEEDED
    )
    assert run(dt.date(2026, 4, 10)).charged == 0
    assert verify_month(app, "2026-04", today=dt.date(2026, 5, 1)).charged == 1


def test_a_rejected_staff_recorded_gift_counts_as_a_failure(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    supporter: SupporterRecord,
    run: RunFunction,
    clock: Any,
) -> None:
    app.pay(
        PaymentRequest(
            nonprofit_id=nonprofit.id,
            supporter_id=supporter.id,
            amount=4000,
            currency="USD",
            processor="offsite",
            payment_type="recurring_donation",
            type_object={"interval": "month", "staff_recorded": True},
            processing_object={"method": "bank_transfer"},
        )
    )
    report = run(dt.date(2026, 4, 10))
    (entry,) = report.charges
    app.reject_payment(
        entry["payment_id"], reason="standing order stopped", nonprofit_id=nonprofit.id
    )
    # A pending row is looked at again once its claim is older than the claim timeout.
    assert run(dt.date(2026, 4, 10)).charges == []
    clock.advance(minutes=11)
    later = run(dt.date(2026, 4, 10))
    assert [c["result"] for c in later.charges] == ["failed"]
    schedule = get_schedule(app, entry["recurring_donation_id"], nonprofit_id=ALL_NONPROFITS)
    assert (schedule.status, schedule.failure_count) == ("past_due", 1)


def test_start_date_in_the_future_is_refused_and_nothing_is_written(
    app: HoudiniPay, start: StartFunction
) -> None:
    with pytest.raises(InvalidRequest) as raised:
        start(start_date=(START + dt.timedelta(days=1)).isoformat())
    assert raised.value.details["field"] == "start_date"
    assert _count(app, Payment) == 0


def test_failures_and_cancellations_are_announced_after_commit(
    app: HoudiniPay, start: StartFunction, run: RunFunction, fake_processor: FakeProcessor
) -> None:
    heard: list[tuple[str, dict[str, Any]]] = []

    def failed(sender: HoudiniPay, **kwargs: Any) -> None:
        heard.append(("failed", kwargs))

    def cancelled(sender: HoudiniPay, **kwargs: Any) -> None:
        heard.append(("cancelled", kwargs))

    events.recurring_charge_failed.connect(failed)
    events.recurring_donation_cancelled.connect(cancelled)
    try:
        declined, dropped = start(), start()
        cancel(app, dropped.id, reason="moved away", nonprofit_id=ALL_NONPROFITS)
        fake_processor.behaviour = "decline"
        for day in (10, 13, 20):
            run(dt.date(2026, 4, day))
    finally:
        events.recurring_charge_failed.disconnect(failed)
        events.recurring_donation_cancelled.disconnect(cancelled)
    assert [name for name, _ in heard] == ["cancelled", "failed", "failed", "failed", "cancelled"]
    assert (heard[0][1]["schedule"].id, heard[0][1]["reason"]) == (dropped.id, "moved away")
    retries = [kwargs["next_try_on"] for name, kwargs in heard if name == "failed"]
    assert retries == [dt.date(2026, 4, 13), dt.date(2026, 4, 20), None]
    assert heard[1][1]["error"].code == "processor_declined"
    assert heard[4][1]["schedule"].id == declined.id
    assert heard[4][1]["schedule"].status == "cancelled"
    # The same events are in the outbox, in order, for consumers in other processes.
    with app.session() as session:
        rows = outbox.unpublished(session, limit=100)
        recorded = [(row.event, row.payload) for row in rows if row.event.startswith("recurring_")]
    assert [event for event, _ in recorded] == [
        "recurring_donation_cancelled",
        "recurring_charge_failed",
        "recurring_charge_failed",
        "recurring_charge_failed",
        "recurring_donation_cancelled",
    ]
    assert recorded[1][1]["error"]["code"] == "processor_declined"
    assert recorded[1][1]["next_try_on"] == "2026-04-13"
