"""Recurring donations on saved cards: renewals are off-session PaymentIntents, once each,
and a renewal the card's bank wants authenticated leaves the schedule past due."""

from __future__ import annotations

import datetime as dt
import time

import stripe
from houdini_pay_donation import run_due, verify_month
from houdini_pay_donation.recurring_admin import list_schedules
from houdini_pay_stripe.testing import LocalStripe, WebhookReceiver, authenticate_3ds

from houdini_pay import HoudiniPay, NonprofitRecord, OutcomeStatus
from plugins.stripe.tests.conftest import (
    THREE_D_SECURE,
    Pay,
    SaveCard,
    confirmations,
    created_intents,
)


def _travel_to(app: HoudiniPay, day: dt.date) -> None:
    """Move the app's clock to ``day``: the job charges nothing before it is due."""
    app.clock = lambda: dt.datetime.combine(day, dt.time(9), dt.UTC)


def test_a_monthly_gift_on_a_saved_card_renews_off_session_exactly_once(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    save_card: SaveCard,
    pay: Pay,
    localstripe: LocalStripe,
) -> None:
    card = save_card()
    first = pay(card, payment_type="recurring_donation", type_object={"interval": "month"})
    assert first.status is OutcomeStatus.SUCCEEDED
    (schedule,) = list_schedules(app, nonprofit.id)
    due = schedule.next_charge_at

    _travel_to(app, due)
    report = run_due(app, as_of=due)
    again = run_due(app, as_of=due)

    assert (report.charged, report.failed, again.charged) == (1, 0, 0)
    created = created_intents(localstripe)
    assert len(created) == 2
    # What went over the wire, form-encoded as the stripe library sends it.
    assert created[1].params["amount"] == "2500"
    assert confirmations(localstripe)[1].params["off_session"] == "true"
    renewal_payment = app.get_payment(report.charges[0]["payment_id"], nonprofit_id=nonprofit.id)
    assert renewal_payment.processor == "stripe"
    assert renewal_payment.details["last4"] == "4242"
    month = f"{due.year:04d}-{due.month:02d}"
    assert verify_month(app, month, today=due).charged == 1


def test_a_renewal_the_bank_wants_authenticated_marks_the_schedule_past_due(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    webhooks: WebhookReceiver,
    save_card: SaveCard,
    pay: Pay,
    browser: stripe.StripeClient,
    localstripe: LocalStripe,
) -> None:
    # The first gift is made on-session: the donor passes 3-D Secure in the page.
    first = pay(
        save_card(THREE_D_SECURE),
        payment_type="recurring_donation",
        type_object={"interval": "month"},
    )
    assert first.status is OutcomeStatus.REQUIRES_ACTION
    assert first.next_action is not None
    authenticate_3ds(
        browser, first.next_action["payment_intent"], first.next_action["client_secret"]
    )
    # Stripe's webhook finishes the first gift, which sets up the schedule.
    deadline = time.monotonic() + 10
    while not list_schedules(app, nonprofit.id) and time.monotonic() < deadline:
        time.sleep(0.05)
    (schedule,) = list_schedules(app, nonprofit.id)
    assert schedule.status == "active"

    # A month later nobody is there to authenticate: the bank's demand fails the renewal.
    _travel_to(app, schedule.next_charge_at)
    report = run_due(app, as_of=schedule.next_charge_at)
    assert (report.charged, report.failed) == (0, 1)
    assert confirmations(localstripe)[-1].params["off_session"] == "true"
    (schedule,) = list_schedules(app, nonprofit.id)
    assert schedule.status == "past_due"
    assert schedule.status_reason is not None
    assert "authentication_required" in schedule.status_reason
