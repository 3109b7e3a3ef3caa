"""Recurring donations on saved cards: renewals are off-session PaymentIntents, once each."""

from __future__ import annotations

from houdini_pay_donation import run_due, verify_month
from houdini_pay_donation.recurring_admin import list_schedules
from houdini_pay_stripe.testing import LocalStripe

from houdini_pay import HoudiniPay, NonprofitRecord, OutcomeStatus
from plugins.stripe.tests.conftest import Pay, SaveCard


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

    report = run_due(app, as_of=due)
    again = run_due(app, as_of=due)

    assert (report.charged, report.failed, again.charged) == (1, 0, 0)
    created = localstripe.sent("POST", "/v1/payment_intents")
    assert len(created) == 2
    renewal = created[1].params
    # What went over the wire, form-encoded as the stripe library sends it.
    assert (renewal["off_session"], renewal["amount"]) == ("true", "2500")
    renewal_payment = app.get_payment(report.charges[0]["payment_id"])
    assert renewal_payment.processor == "stripe"
    assert renewal_payment.details["last4"] == "4242"
    month = f"{due.year:04d}-{due.month:02d}"
    assert verify_month(app, month, today=due).charged == 1
