"""Charging saved cards through PaymentIntents on localstripe."""

from __future__ import annotations

import pytest
import stripe
from houdini_pay_stripe import API_VERSION, StripeProcessor
from houdini_pay_stripe.testing import LocalStripe

from houdini_pay import HoudiniPay, OutcomeStatus
from houdini_pay.errors import IdempotencyConflict, InvalidRequest
from houdini_pay.store._models import Payment, PaymentAttempt
from plugins.stripe.tests.conftest import (
    DECLINED_AT_CHARGE,
    THREE_D_SECURE,
    Pay,
    SaveCard,
    confirmations,
    count,
    created_intents,
)


def intents_on_server(browser: stripe.StripeClient) -> list[stripe.PaymentIntent]:
    """Every PaymentIntent localstripe holds."""
    return list(browser.v1.payment_intents.list({"limit": 100}).auto_paging_iter())


def test_a_card_payment_is_charged_once_and_recorded_with_its_card(
    app: HoudiniPay, save_card: SaveCard, pay: Pay, localstripe: LocalStripe
) -> None:
    card = save_card()
    outcome = pay(card, idempotency_key="gift-1")
    assert outcome.status is OutcomeStatus.SUCCEEDED
    payment = outcome.payment
    assert payment is not None
    assert payment.processor == "stripe"
    assert payment.processor_reference is not None
    assert payment.processor_reference.startswith("pi_")
    assert (payment.gross, payment.fee, payment.net) == (2500, 0, 2500)
    assert payment.details["brand"] == "visa"
    assert payment.details["last4"] == "4242"
    assert payment.details["charge"].startswith("ch_")
    # Created unconfirmed, its id recorded on the attempt, then confirmed: both keyed.
    [created] = created_intents(localstripe)
    assert created.idempotency_key == outcome.attempt_id
    assert created.stripe_version == API_VERSION
    assert created.stripe_account is None
    params = created.params
    assert params["metadata"]["attempt_id"] == outcome.attempt_id
    assert params["allowed_payment_method_types"] == ["card"]
    assert params["description"] == "Donation to Winter meals"
    assert "confirm" not in params
    [confirmed] = confirmations(localstripe)
    assert confirmed.path == f"/v1/payment_intents/{payment.processor_reference}/confirm"
    assert confirmed.idempotency_key == f"{outcome.attempt_id}:confirm"
    assert "off_session" not in confirmed.params


def test_the_same_key_never_charges_twice_though_localstripe_ignores_idempotency_keys(
    app: HoudiniPay, save_card: SaveCard, pay: Pay, browser: stripe.StripeClient
) -> None:
    # localstripe makes a new PaymentIntent for every request, whatever its key: only
    # houdini-pay's own attempt records stand between a retry and a second charge.
    card = save_card()
    first = pay(card, idempotency_key="order-17")
    second = pay(card, idempotency_key="order-17")
    assert second.replayed
    assert second.payment == first.payment
    with pytest.raises(IdempotencyConflict):
        pay(card, idempotency_key="order-17", amount=9900)
    assert len(intents_on_server(browser)) == 1
    assert count(app, Payment) == 1


def test_a_declined_card_fails_with_processor_declined_and_nothing_paid(
    app: HoudiniPay, save_card: SaveCard, pay: Pay, browser: stripe.StripeClient
) -> None:
    card = save_card(DECLINED_AT_CHARGE)
    outcome = pay(card)
    assert outcome.status is OutcomeStatus.FAILED
    assert outcome.error is not None
    assert outcome.error.code == "processor_declined"
    assert "declined" in outcome.error.message
    assert outcome.payment is None
    assert count(app, Payment) == 0
    assert count(app, PaymentAttempt, state="failed") == 1
    [intent] = intents_on_server(browser)
    assert intent.status == "requires_payment_method"


def test_a_processing_object_is_refused_before_anything_is_written(
    app: HoudiniPay, save_card: SaveCard, pay: Pay, localstripe: LocalStripe
) -> None:
    card = save_card()
    with pytest.raises(InvalidRequest) as raised:
        pay(card, processing_object={"amount": 1})
    assert raised.value.code == "invalid_processing_object"
    assert count(app, PaymentAttempt) == 0
    assert localstripe.sent("POST", "/v1/payment_intents") == []


def test_an_off_session_charge_succeeds_without_the_supporter(
    save_card: SaveCard, pay: Pay, localstripe: LocalStripe
) -> None:
    outcome = pay(save_card(), off_session=True, idempotency_key="monthly-2026-11")
    assert outcome.status is OutcomeStatus.SUCCEEDED
    [confirmed] = confirmations(localstripe)
    assert confirmed.params["off_session"] == "true"


def test_an_off_session_charge_that_needs_3ds_fails_with_authentication_required(
    app: HoudiniPay, save_card: SaveCard, pay: Pay
) -> None:
    outcome = pay(save_card(THREE_D_SECURE), off_session=True, idempotency_key="monthly-2026-12")
    assert outcome.status is OutcomeStatus.FAILED
    assert outcome.error is not None
    assert outcome.error.code == "authentication_required"
    assert count(app, Payment) == 0


def test_a_card_error_from_stripe_keeps_its_decline_code() -> None:
    # Stripe's recorded answer to an off-session charge needing authentication (localstripe
    # answers requires_action instead, tested above).
    from houdini_pay_stripe.results import card_failure

    error = stripe.CardError(
        "Your card was declined. This transaction requires authentication.",
        None,
        "authentication_required",
        http_status=402,
        json_body={
            "error": {
                "code": "authentication_required",
                "decline_code": "authentication_required",
                "message": "Your card was declined. This transaction requires authentication.",
                "payment_intent": {"id": "pi_3OffSession", "object": "payment_intent"},
                "type": "card_error",
            }
        },
    )
    result = card_failure(error)
    assert (result.decline_code, result.reference) == ("authentication_required", "pi_3OffSession")


def test_the_fee_comes_from_the_charges_balance_transaction(app: HoudiniPay) -> None:
    # Stripe's recorded PaymentIntent shape with its charge and balance transaction expanded
    # (localstripe always reports a zero fee).
    from houdini_pay_stripe.results import intent_result

    processor = app.registry.processor("stripe")
    assert isinstance(processor, StripeProcessor)
    intent = {
        "id": "pi_3Fee",
        "object": "payment_intent",
        "amount": 10_000,
        "currency": "usd",
        "status": "succeeded",
        "latest_charge": {
            "id": "ch_3Fee",
            "object": "charge",
            "payment_method_details": {"card": {"brand": "mastercard", "last4": "4444"}},
            "balance_transaction": {
                "id": "txn_3Fee",
                "object": "balance_transaction",
                "amount": 10_000,
                "currency": "usd",
                "exchange_rate": None,
                "fee": 320,
                "net": 9_680,
            },
        },
    }
    result = intent_result(processor.api.client, intent, stripe_account=None)
    assert (result.fee, result.details["brand"], result.details["last4"]) == (
        320,
        "mastercard",
        "4444",
    )
    # An account settling in another currency: the fee is converted back to the charge's.
    intent["currency"] = "eur"
    intent["latest_charge"]["balance_transaction"].update(  # type: ignore[index]
        {"currency": "usd", "amount": 11_000, "exchange_rate": 1.1, "fee": 352}
    )
    assert intent_result(processor.api.client, intent, stripe_account=None).fee == 320
