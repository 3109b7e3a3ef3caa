"""The Stripe processor keeps every rule of the conformance suite, against localstripe."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
import stripe
from houdini_pay_stripe import plugin
from houdini_pay_stripe.api import API_BASE_ENV, MAX_RETRIES_ENV, SECRET_KEY_ENV, WEBHOOK_SECRET_ENV
from houdini_pay_stripe.testing import (
    TEST_KEY,
    LocalStripe,
    authenticate_3ds,
    card_payment_method,
    signed_webhook,
    stripe_event,
)

from houdini_pay import HoudiniPay, SupporterRecord
from houdini_pay.testing import (
    Movement,
    PaymentFields,
    ProcessorConformance,
    ProcessorHarness,
    SignedWebhook,
    closed_port_url,
)
from plugins.stripe.tests.conftest import DECLINED_AT_CHARGE, THREE_D_SECURE, VISA, WEBHOOK_SECRET

CARDS = {"succeed": VISA, "decline": DECLINED_AT_CHARGE, "wait": THREE_D_SECURE}
"""Test cards that succeed, are declined at charge time, and need 3-D Secure."""


class StripeHarness(ProcessorHarness):
    """Cards saved on localstripe; what moved is what localstripe holds."""

    symbol = "stripe"

    def __init__(self, localstripe: LocalStripe) -> None:
        self.localstripe = localstripe
        self.browser = localstripe.client()

    def plugins(self) -> Sequence[object]:
        return [plugin]

    def environ(self, *, unreachable: bool) -> Mapping[str, str]:
        return {
            SECRET_KEY_ENV: TEST_KEY,
            API_BASE_ENV: closed_port_url() if unreachable else self.localstripe.url,
            WEBHOOK_SECRET_ENV: WEBHOOK_SECRET,
            MAX_RETRIES_ENV: "0",
        }

    def payment_fields(
        self, app: HoudiniPay, supporter: SupporterRecord, wanted: str
    ) -> PaymentFields:
        method = card_payment_method(self.browser, CARDS[wanted])
        source = app.create_source(
            supporter.id,
            "stripe_payment_method",
            {"payment_method": method},
            nonprofit_id=supporter.nonprofit_id,
        )
        return PaymentFields(source_id=source.id)

    def movements(self, app: HoudiniPay) -> Sequence[Movement]:
        v1 = self.browser.v1
        key_of = self.localstripe.idempotency_key_of
        charges = [
            Movement("charge", i.id, i.amount, i.currency, i.status, key_of(i.id))
            for i in v1.payment_intents.list({"limit": 100}).auto_paging_iter()
        ]
        refunds = [
            Movement(
                "refund",
                r.id,
                r.amount,
                r.currency,
                r.status or "succeeded",
                key_of(r.id),
                _refunded(r.to_dict()),
            )
            for r in v1.refunds.list({"limit": 100}).auto_paging_iter()
        ]
        return charges + refunds

    def webhook(self, app: HoudiniPay, reference: str, *, settle: bool) -> SignedWebhook:
        intents = self.browser.v1.payment_intents
        if settle:
            authenticate_3ds(self.browser, reference, intents.retrieve(reference).client_secret)
        intent = intents.retrieve(reference).to_dict()
        event_type = {
            "succeeded": "payment_intent.succeeded",
            "requires_action": "payment_intent.requires_action",
            "processing": "payment_intent.processing",
        }.get(intent["status"], "payment_intent.payment_failed")
        body, headers = signed_webhook(stripe_event(event_type, intent), WEBHOOK_SECRET)
        return SignedWebhook(headers, body)


def _refunded(refund: Mapping[str, Any]) -> str | None:
    """The PaymentIntent a refund gives money back from (houdini-pay's reference)."""
    intent = refund.get("payment_intent")
    if isinstance(intent, str):
        return intent
    return None


class TestStripeConformance(ProcessorConformance):
    @pytest.fixture
    def processor_harness(self, localstripe: LocalStripe) -> StripeHarness:
        return StripeHarness(localstripe)


def test_localstripe_answers_a_repeated_idempotency_key_as_stripe_does(
    localstripe: LocalStripe, browser: stripe.StripeClient
) -> None:
    customer = browser.v1.customers.create({"email": "ada@example.org"}, {"idempotency_key": "k1"})
    again = browser.v1.customers.create({"email": "ada@example.org"}, {"idempotency_key": "k1"})
    assert again.id == customer.id
    assert localstripe.idempotency_key_of(customer.id) == "k1"
    assert len(browser.v1.customers.list().data) == 1
    with pytest.raises(stripe.IdempotencyError):
        browser.v1.customers.create({"email": "grace@example.org"}, {"idempotency_key": "k1"})
