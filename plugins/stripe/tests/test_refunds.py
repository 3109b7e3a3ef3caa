"""Refunds through Stripe, and refunds made in Stripe's dashboard."""

from __future__ import annotations

import pytest
import stripe
from houdini_pay_stripe.testing import LocalStripe, WebhookReceiver, signed_webhook, stripe_event

from houdini_pay import HoudiniPay, PaymentRecord
from houdini_pay.errors import RefundExceedsPayment
from houdini_pay.store._models import Payment
from plugins.stripe.tests.conftest import WEBHOOK_SECRET, Pay, SaveCard, count, recording_signals


@pytest.fixture
def paid(save_card: SaveCard, pay: Pay) -> PaymentRecord:
    """A 2500 USD donation charged on localstripe."""
    outcome = pay(save_card())
    assert outcome.payment is not None
    return outcome.payment


def charge_on_server(browser: stripe.StripeClient, payment: PaymentRecord) -> stripe.Charge:
    """The payment's charge as Stripe has it now."""
    return browser.v1.charges.retrieve(payment.details["charge"])


def test_a_partial_then_a_full_refund_add_up_on_stripe_and_on_record(
    app: HoudiniPay, paid: PaymentRecord, browser: stripe.StripeClient, localstripe: LocalStripe
) -> None:
    partial = app.refund(
        paid.id,
        amount=1000,
        reason="duplicate pledge",
        idempotency_key="r-1",
        nonprofit_id=paid.nonprofit_id,
    )
    assert partial.status == "succeeded"
    assert partial.refund is not None
    assert (partial.refund.amount, partial.payment.status) == (-1000, "partially_refunded")
    assert charge_on_server(browser, paid).amount_refunded == 1000

    rest = app.refund(paid.id, nonprofit_id=paid.nonprofit_id)
    assert rest.refund is not None
    assert (rest.refund.amount, rest.payment.status) == (-1500, "refunded")
    assert charge_on_server(browser, paid).amount_refunded == 2500
    assert rest.payment.amount_refunded == 2500

    again = app.refund(
        paid.id,
        amount=1000,
        reason="duplicate pledge",
        idempotency_key="r-1",
        nonprofit_id=paid.nonprofit_id,
    )
    assert again.replayed
    sent = localstripe.sent("POST", "/v1/refunds")
    assert [r.idempotency_key for r in sent] == [partial.attempt_id, rest.attempt_id]
    assert sent[0].params["payment_intent"] == paid.processor_reference
    assert sent[0].params["metadata"]["reason"] == "duplicate pledge"
    assert charge_on_server(browser, paid).amount_refunded == 2500


def test_a_refund_larger_than_what_remains_is_refused_before_stripe_is_asked(
    app: HoudiniPay, paid: PaymentRecord, browser: stripe.StripeClient, localstripe: LocalStripe
) -> None:
    # localstripe would refund any amount: the core's check is what protects the money.
    app.refund(paid.id, amount=2000, nonprofit_id=paid.nonprofit_id)
    with pytest.raises(RefundExceedsPayment) as raised:
        app.refund(paid.id, amount=501, nonprofit_id=paid.nonprofit_id)
    assert raised.value.details == {"remaining": 500}
    assert len(localstripe.sent("POST", "/v1/refunds")) == 1
    assert charge_on_server(browser, paid).amount_refunded == 2000


def test_a_refund_made_in_the_dashboard_is_recorded_once_from_charge_refunded(
    app: HoudiniPay, webhooks: WebhookReceiver, paid: PaymentRecord, browser: stripe.StripeClient
) -> None:
    ours = app.refund(paid.id, amount=500, nonprofit_id=paid.nonprofit_id)
    browser.v1.refunds.create({"payment_intent": str(paid.processor_reference), "amount": 700})
    # localstripe sends no charge.* event: this is Stripe's charge.refunded, built from the
    # charge as the server has it and signed with the real scheme.
    charge = charge_on_server(browser, paid).to_dict()
    with recording_signals() as sent:
        for event_id in ("evt_refunded_1", "evt_refunded_2"):
            event = stripe_event("charge.refunded", charge, event_id=event_id)
            status, _ = webhooks.post(*signed_webhook(event, WEBHOOK_SECRET))
            assert status == 200
    assert [name for name, _ in sent] == ["refund_completed"]
    refund = sent[0][1]["refund"]
    assert (refund.amount, refund.description) == (-700, "refunded outside houdini-pay")
    payment = app.get_payment(paid.id, nonprofit_id=paid.nonprofit_id)
    assert payment.amount_refunded == 1200 == charge_on_server(browser, paid).amount_refunded
    assert payment.status == "partially_refunded"
    assert count(app, Payment, kind="refund") == 2
    assert ours.refund is not None
