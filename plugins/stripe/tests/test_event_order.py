"""Stripe events in any order: what Stripe reports is what houdini-pay records.

Stripe does not promise to deliver events in order. A 3-D Secure payment refunded or
disputed in the dashboard may be reported before the ``payment_intent.succeeded`` that
lets houdini-pay record it; the earlier event must wait for the payment, never be dropped.
localstripe sends no ``charge.*`` events, so those are Stripe's shapes around the objects
localstripe holds, signed with the real scheme and handed to ``app.handle_webhook``.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import stripe
from houdini_pay_stripe import StripeProcessor
from houdini_pay_stripe.objects import ref_id
from houdini_pay_stripe.testing import (
    LocalStripe,
    authenticate_3ds,
    recorded_balance_transaction,
    recorded_dispute,
    signed_webhook,
    stripe_event,
)

from houdini_pay import HoudiniPay, NonprofitRecord, OutcomeStatus, PaymentOutcome, PaymentRecord
from houdini_pay.errors import WebhookVerificationError
from houdini_pay.store._models import Payment, WebhookEvent
from plugins.stripe.tests.conftest import (
    THREE_D_SECURE,
    WEBHOOK_SECRET,
    Pay,
    SaveCard,
    count,
    recording_signals,
)


def deliver(app: HoudiniPay, event_type: str, obj: dict[str, Any], **extra: Any) -> str:
    """Deliver one signed event as Stripe would; return what became of it."""
    body, headers = signed_webhook(stripe_event(event_type, obj, **extra), WEBHOOK_SECRET)
    return str(app.handle_webhook("stripe", headers, body).events[0]["result"])


@pytest.fixture
def authenticated(
    save_card: SaveCard, pay: Pay, browser: stripe.StripeClient
) -> tuple[PaymentOutcome, stripe.PaymentIntent]:
    """A 40.00 payment whose supporter passed 3-D Secure; houdini-pay has not heard yet."""
    outcome = pay(save_card(THREE_D_SECURE), amount=4000)
    assert outcome.status is OutcomeStatus.REQUIRES_ACTION
    assert outcome.next_action is not None
    intent = authenticate_3ds(
        browser, outcome.next_action["payment_intent"], outcome.next_action["client_secret"]
    )
    assert intent.status == "succeeded"
    return outcome, intent


def charge_of(intent: stripe.PaymentIntent) -> str:
    """The id of the intent's charge (localstripe expands it whether asked or not)."""
    charge = ref_id(intent.latest_charge)
    assert charge is not None
    return charge


def recorded(app: HoudiniPay, outcome: PaymentOutcome, nonprofit: NonprofitRecord) -> PaymentRecord:
    """The payment houdini-pay recorded for ``outcome``'s attempt."""
    payment_id = outcome.attempt_id.replace("att_", "pay_", 1)
    return app.get_payment(payment_id, nonprofit_id=nonprofit.id)


def test_a_dashboard_refund_reported_before_the_success_is_recorded_with_the_payment(
    app: HoudiniPay,
    authenticated: tuple[PaymentOutcome, stripe.PaymentIntent],
    browser: stripe.StripeClient,
    nonprofit: NonprofitRecord,
) -> None:
    outcome, intent = authenticated
    browser.v1.refunds.create({"payment_intent": intent.id, "amount": 4000})
    charge = browser.v1.charges.retrieve(charge_of(intent))
    with recording_signals() as sent:
        assert deliver(app, "charge.refunded", charge.to_dict(), event_id="evt_ref") == "pending"
        assert count(app, Payment) == 0
        assert deliver(app, "payment_intent.succeeded", intent.to_dict()) == "applied"
    assert [name for name, _ in sent] == ["payment_completed", "refund_completed"]
    payment = recorded(app, outcome, nonprofit)
    on_stripe = browser.v1.charges.retrieve(charge_of(intent)).amount_refunded
    assert (payment.status, payment.amount_refunded) == ("refunded", on_stripe)
    assert on_stripe == 4000
    assert count(app, WebhookEvent, applied_at=None) == 0
    # Stripe retries the refund event: it was applied once.
    assert deliver(app, "charge.refunded", charge.to_dict(), event_id="evt_ref") == "duplicate"
    assert count(app, Payment, kind="refund") == 1


def test_a_dispute_reported_before_the_success_is_recorded_with_the_payment(
    app: HoudiniPay,
    authenticated: tuple[PaymentOutcome, stripe.PaymentIntent],
    nonprofit: NonprofitRecord,
) -> None:
    outcome, intent = authenticated
    withdrawn = recorded_balance_transaction(
        "txn_withdrawn", amount=-4000, fee=1500, source="du_1", description="Chargeback"
    )
    dispute = recorded_dispute(
        "du_1",
        charge=charge_of(intent),
        payment_intent=intent.id,
        amount=4000,
        status="needs_response",
        balance_transactions=[withdrawn],
    )
    assert deliver(app, "charge.dispute.funds_withdrawn", dispute) == "pending"
    assert deliver(app, "payment_intent.succeeded", intent.to_dict()) == "applied"
    payment = recorded(app, outcome, nonprofit)
    assert payment.status == "disputed"
    assert count(app, Payment, kind="dispute", amount=-4000, fee=1500) == 1


def test_a_failure_overtaking_the_charges_own_answer_fails_the_payment_once(
    app: HoudiniPay,
    save_card: SaveCard,
    pay: Pay,
    browser: stripe.StripeClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    processor = app.registry.processor("stripe")
    assert isinstance(processor, StripeProcessor)
    original = processor.charge
    delivered: list[str] = []

    # The supporter fails 3-D Secure and Stripe's payment_failed arrives before the charge
    # call has returned (a timing localstripe cannot produce: delivered from inside it).
    def overtaken(request: Any, *, idempotency_key: str) -> Any:
        answer = original(request, idempotency_key=idempotency_key)
        intent = browser.v1.payment_intents.retrieve(str(answer.reference))
        failed = authenticate_3ds(browser, intent.id, str(intent.client_secret), success=False)
        delivered.append(deliver(app, "payment_intent.payment_failed", failed.to_dict()))
        return answer

    monkeypatch.setattr(processor, "charge", overtaken)
    card = save_card(THREE_D_SECURE)
    with recording_signals() as sent:
        outcome = pay(card)
    assert delivered == ["applied"]
    assert outcome.status is OutcomeStatus.FAILED
    assert [name for name, _ in sent] == ["begin_payment", "payment_failed"]
    assert count(app, Payment) == 0


def test_a_redelivered_event_is_answered_without_asking_stripe_again(
    app: HoudiniPay,
    authenticated: tuple[PaymentOutcome, stripe.PaymentIntent],
    localstripe: LocalStripe,
) -> None:
    _, intent = authenticated
    event = stripe_event("payment_intent.succeeded", intent.to_dict())
    body, headers = signed_webhook(event, WEBHOOK_SECRET)
    assert app.handle_webhook("stripe", headers, body).events[0]["result"] == "applied"
    fetched = len(localstripe.sent("GET", f"/v1/payment_intents/{intent.id}"))
    assert fetched == 1
    assert app.handle_webhook("stripe", headers, body).events[0]["result"] == "duplicate"
    assert len(localstripe.sent("GET", f"/v1/payment_intents/{intent.id}")) == fetched


def test_a_delivery_signed_too_far_in_the_future_is_refused(
    app: HoudiniPay, authenticated: tuple[PaymentOutcome, stripe.PaymentIntent]
) -> None:
    _, intent = authenticated
    event = stripe_event("payment_intent.succeeded", intent.to_dict())
    body, headers = signed_webhook(event, WEBHOOK_SECRET, timestamp=int(time.time()) + 600)
    with pytest.raises(WebhookVerificationError) as refused:
        app.handle_webhook("stripe", headers, body)
    assert "in the future" in refused.value.message
    assert count(app, WebhookEvent) == 0
    # Within the tolerance, a sender's clock a little ahead is fine.
    body, headers = signed_webhook(event, WEBHOOK_SECRET, timestamp=int(time.time()) + 60)
    assert app.handle_webhook("stripe", headers, body).events[0]["result"] == "applied"


def test_an_event_without_the_object_stripe_sends_is_refused_and_kept_for_a_retry(
    app: HoudiniPay,
) -> None:
    event = stripe_event("payment_intent.succeeded", {"object": "payment_intent"})
    body, headers = signed_webhook(event, WEBHOOK_SECRET)
    with pytest.raises(WebhookVerificationError) as refused:
        app.handle_webhook("stripe", headers, body)
    assert "does not carry the object" in refused.value.message
    assert count(app, WebhookEvent, event_id=event["id"], claimed_at=None, applied_at=None) == 1
