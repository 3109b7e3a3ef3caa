"""Payments abandoned at 3-D Secure: reconcile cancels their PaymentIntent on Stripe."""

from __future__ import annotations

import datetime as dt

import pytest
import stripe
from houdini_pay_stripe.testing import LocalStripe, authenticate_3ds

from houdini_pay import HoudiniPay, NonprofitRecord, OutcomeStatus, PaymentOutcome, utcnow
from houdini_pay.store._models import Payment, PaymentAttempt
from houdini_pay.testing import find_row
from plugins.stripe.tests.conftest import THREE_D_SECURE, Pay, SaveCard, count, recording_signals


def waiting(save_card: SaveCard, pay: Pay) -> PaymentOutcome:
    """A payment whose supporter was sent to 3-D Secure."""
    outcome = pay(save_card(THREE_D_SECURE))
    assert outcome.status is OutcomeStatus.REQUIRES_ACTION
    return outcome


def past_expiry(app: HoudiniPay) -> None:
    """The requires_action expiry has passed for the application."""
    app.clock = lambda: utcnow() + app.settings.requires_action_expiry + dt.timedelta(minutes=1)


def test_an_abandoned_payment_is_cancelled_on_stripe_and_fails_as_expired(
    app: HoudiniPay,
    save_card: SaveCard,
    pay: Pay,
    browser: stripe.StripeClient,
    localstripe: LocalStripe,
) -> None:
    outcome = waiting(save_card, pay)
    assert outcome.next_action is not None
    intent_id = outcome.next_action["payment_intent"]
    past_expiry(app)
    with recording_signals() as sent:
        report = app.reconcile()
    assert [(e["to"], e["error_code"]) for e in report.settled] == [("failed", "expired")]
    assert [(name, kwargs["error"].code) for name, kwargs in sent] == [
        ("payment_failed", "expired")
    ]
    assert browser.v1.payment_intents.retrieve(intent_id).status == "canceled"
    [cancel] = localstripe.sent("POST", f"/v1/payment_intents/{intent_id}/cancel")
    assert cancel.params["cancellation_reason"] == "abandoned"
    # The supporter coming back cannot be charged any more.
    with pytest.raises(stripe.InvalidRequestError):
        authenticate_3ds(browser, intent_id, outcome.next_action["client_secret"])
    assert browser.v1.payment_intents.retrieve(intent_id).status == "canceled"
    assert count(app, Payment) == 0


def test_a_payment_completed_before_the_cancel_is_recorded(
    app: HoudiniPay,
    save_card: SaveCard,
    pay: Pay,
    browser: stripe.StripeClient,
    nonprofit: NonprofitRecord,
) -> None:
    outcome = waiting(save_card, pay)
    assert outcome.next_action is not None
    intent_id = outcome.next_action["payment_intent"]
    # The supporter passes 3-D Secure at the last moment; Stripe's webhook is lost.
    authenticate_3ds(browser, intent_id, outcome.next_action["client_secret"])
    past_expiry(app)
    report = app.reconcile()
    assert [(e["to"], e["error_code"]) for e in report.settled] == [("succeeded", None)]
    payment_id = outcome.attempt_id.replace("att_", "pay_", 1)
    payment = app.get_payment(payment_id, nonprofit_id=nonprofit.id)
    assert (payment.status, payment.processor_reference) == ("succeeded", intent_id)
    assert browser.v1.payment_intents.retrieve(intent_id).status == "succeeded"
    with app.session() as session:
        assert find_row(session, PaymentAttempt, outcome.attempt_id).state == "succeeded"
