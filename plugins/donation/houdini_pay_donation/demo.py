"""The donation plugin's chapters of ``houdini-pay demo``."""

from __future__ import annotations

import datetime as dt
import json

from houdini_pay import Demo, DemoStep, PaymentRequest
from houdini_pay_donation import recurring_admin
from houdini_pay_donation.recurring_job import run_due
from houdini_pay_donation.verify import verify_month

__all__ = ["DEMO_STEPS"]


def recurring_cycle(demo: Demo) -> None:
    """A monthly standing order recorded by staff, through one cycle of the job.

    The demo uses the offsite processor, which cannot charge a card without the supporter;
    so the gift is a standing order at the supporter's bank: the job records each month's
    gift pending, and staff approve it when the bank statement shows it arrived.
    """
    app, nonprofit, supporter = demo.app, demo.nonprofit, demo.supporter
    type_object = {"interval": "month", "designation": "Winter meals", "staff_recorded": True}
    processing = {"method": "bank_transfer"}
    demo.command(
        "pay", "--nonprofit", nonprofit.id, "--supporter", supporter.id, "--amount", "2000",
        "--currency", nonprofit.currency, "--processor", "offsite",
        "--type", "recurring_donation", "--type-object", json.dumps(type_object),
        "--processing-object", json.dumps(processing),
    )  # fmt: skip
    first = app.pay(
        PaymentRequest(
            nonprofit_id=nonprofit.id,
            supporter_id=supporter.id,
            amount=2000,
            currency=nonprofit.currency,
            processor="offsite",
            payment_type="recurring_donation",
            type_object=type_object,
            processing_object=processing,
        )
    )
    demo.say(first.status.value)
    if first.payment:
        demo.show_payment(first.payment)
    demo.command("recurring", "list", "--nonprofit", nonprofit.id)
    (schedule,) = recurring_admin.list_schedules(app, nonprofit.id)
    demo.say(f"{schedule.id}  {schedule.status}  next gift due {schedule.next_charge_at}")
    due = schedule.next_charge_at
    # The job charges nothing before it is due (a future --as-of is refused), so the demo
    # moves its clock on to the due date, as the calendar would.
    today = app.clock
    app.clock = lambda: dt.datetime.combine(due, dt.time(6), dt.UTC)
    try:
        _run_the_job_on(demo, nonprofit.id, due)
    finally:
        app.clock = today


def _run_the_job_on(demo: Demo, nonprofit_id: str, due: dt.date) -> None:
    app = demo.app
    demo.say(f"On {due}, the daily job runs:")
    demo.command("recurring", "run")
    report = run_due(app)
    demo.say(
        f"{report.charged} charged, {report.failed} failed, {report.pending} pending, "
        f"{report.skipped} skipped"
    )
    for entry in report.charges:
        payment_id = entry.get("payment_id")
        if payment_id:
            demo.say(f"recorded {payment_id} pending until the bank statement shows it")
            demo.command("payments", "approve", payment_id)
            approved = app.approve_payment(payment_id, nonprofit_id=nonprofit_id)
            if approved.payment:
                demo.show_payment(approved.payment)
    demo.say("Running the job again charges nothing twice:")
    demo.command("recurring", "run")
    again = run_due(app)
    demo.say(f"{again.charged} charged, {again.pending} pending, {again.skipped} skipped")
    month = f"{due.year:04d}-{due.month:02d}"
    demo.command("recurring", "verify", "--month", month)
    verdict = verify_month(app, month)
    demo.say(
        f"{verdict.periods_due} period due, {verdict.charged} charged once, "
        f"{len(verdict.discrepancies)} discrepancies"
    )


DEMO_STEPS = [
    DemoStep(
        50,
        "A monthly standing order through one recurring cycle",
        recurring_cycle,
        frozenset({"offsite", "recurring_donation"}),
    ),
]
