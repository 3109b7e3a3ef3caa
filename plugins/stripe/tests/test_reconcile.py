"""`houdini-pay reconcile` finds on Stripe what a lost answer left unknown.

The fault is one localstripe cannot produce: Stripe acted, then the answer was lost (the
process crashed or the connection dropped right after). It is injected by wrapping the
processor's method, named as such in each test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import stripe
from houdini_pay_stripe import StripeProcessor
from houdini_pay_stripe.models import StripePaymentMethod
from houdini_pay_stripe.processor import RECORDED_BEFORE_CONFIRMING

from houdini_pay import ALL_NONPROFITS, HoudiniPay, OutcomeStatus
from houdini_pay.store._models import Payment, PaymentAttempt
from houdini_pay.testing import find_row
from plugins.stripe.tests.conftest import Pay, SaveCard, count


def lose_answers_of(
    monkeypatch: pytest.MonkeyPatch, app: HoudiniPay, method: str, *, after_request: bool
) -> None:
    """Fault: the processor's ``method`` raises, after (or instead of) asking Stripe."""
    processor = app.registry.processor("stripe")
    assert isinstance(processor, StripeProcessor)
    original: Callable[..., Any] = getattr(processor, method)

    def lost(*args: Any, **kwargs: Any) -> Any:
        if after_request:
            original(*args, **kwargs)
        raise TimeoutError("the answer was lost")

    monkeypatch.setattr(processor, method, lost)


def test_a_charge_whose_answer_was_lost_is_found_by_its_attempt_and_recorded(
    app: HoudiniPay,
    monkeypatch: pytest.MonkeyPatch,
    save_card: SaveCard,
    pay: Pay,
    browser: stripe.StripeClient,
) -> None:
    card = save_card()
    lose_answers_of(monkeypatch, app, "charge", after_request=True)
    outcome = pay(card, idempotency_key="lost-1")
    assert outcome.status is OutcomeStatus.UNKNOWN
    monkeypatch.undo()
    report = app.reconcile()
    assert [(e["attempt_id"], e["to"]) for e in report.settled] == [
        (outcome.attempt_id, "succeeded")
    ]
    [intent] = browser.v1.payment_intents.list({"limit": 10}).data
    payment = app.get_payment(
        outcome.attempt_id.replace("att_", "pay_", 1), nonprofit_id=ALL_NONPROFITS
    )
    assert (payment.status, payment.processor_reference) == ("succeeded", intent.id)
    # The retry with the same key returns the reconciled outcome and charges nothing.
    assert pay(card, idempotency_key="lost-1").payment == payment
    assert len(browser.v1.payment_intents.list({"limit": 10}).data) == 1


def test_a_charge_never_sent_is_failed_by_reconcile(
    app: HoudiniPay, monkeypatch: pytest.MonkeyPatch, save_card: SaveCard, pay: Pay
) -> None:
    card = save_card()
    lose_answers_of(monkeypatch, app, "charge", after_request=False)
    outcome = pay(card)
    monkeypatch.undo()
    app.reconcile()
    with app.session() as session:
        attempt = find_row(session, PaymentAttempt, outcome.attempt_id)
    assert (attempt.state, attempt.error_code) == ("failed", "not_charged")
    assert count(app, Payment) == 0


def test_a_refund_whose_answer_was_lost_is_found_by_its_key_and_recorded(
    app: HoudiniPay,
    monkeypatch: pytest.MonkeyPatch,
    save_card: SaveCard,
    pay: Pay,
    browser: stripe.StripeClient,
) -> None:
    paid = pay(save_card()).payment
    assert paid is not None
    lose_answers_of(monkeypatch, app, "refund", after_request=True)
    lost = app.refund(paid.id, amount=900, nonprofit_id=paid.nonprofit_id)
    assert lost.status == "unknown"
    monkeypatch.undo()
    report = app.reconcile()
    assert [(e["operation"], e["to"]) for e in report.settled] == [("refund", "succeeded")]
    payment = app.get_payment(paid.id, nonprofit_id=paid.nonprofit_id)
    assert payment.amount_refunded == 900
    assert browser.v1.charges.retrieve(paid.details["charge"]).amount_refunded == 900


def test_an_intent_recorded_but_never_confirmed_is_cancelled_and_the_attempt_failed(
    app: HoudiniPay, monkeypatch: pytest.MonkeyPatch, save_card: SaveCard, pay: Pay
) -> None:
    processor = app.registry.processor("stripe")
    assert isinstance(processor, StripeProcessor)
    intents = processor.api.client.v1.payment_intents

    # Fault: the process dies after recording the intent's id, before confirming it.
    def died(*args: Any, **kwargs: Any) -> Any:
        raise SystemError("the process died before confirming")

    monkeypatch.setattr(intents, "confirm", died)
    outcome = pay(save_card())
    assert outcome.status is OutcomeStatus.UNKNOWN
    monkeypatch.undo()
    with app.session() as session:
        reference = find_row(session, PaymentAttempt, outcome.attempt_id).processor_reference
    assert reference is not None
    assert intents.retrieve(reference).status == "requires_confirmation"
    report = app.reconcile()
    assert [(e["to"], e["error_code"]) for e in report.settled] == [("failed", "not_charged")]
    # Nothing can charge it any more.
    assert intents.retrieve(reference).status == "canceled"
    assert count(app, Payment) == 0


def make_legacy(app: HoudiniPay, attempt_id: str) -> None:
    """Make an attempt look as the previous version left it: its intent was created and
    confirmed in one request, so no id was recorded before the money moved."""
    with app.unit_of_work() as uow:
        attempt = find_row(uow.session, PaymentAttempt, attempt_id)
        stored = dict(attempt.request)
        data = dict(stored["processor_data"])
        del data[RECORDED_BEFORE_CONFIRMING]
        attempt.request = {**stored, "processor_data": data}
        attempt.processor_reference = None


def test_an_earlier_attempt_is_found_among_more_than_a_page_of_charges(
    app: HoudiniPay,
    monkeypatch: pytest.MonkeyPatch,
    save_card: SaveCard,
    pay: Pay,
    browser: stripe.StripeClient,
) -> None:
    card = save_card()
    with app.session() as session:
        method = find_row(session, StripePaymentMethod, card.id)
    # The supporter's 101 earlier gifts (Stripe search is unavailable here, and would be
    # eventually consistent anyway): the lost one is past the first page of 100.
    for _ in range(101):
        browser.v1.payment_intents.create(
            {
                "amount": 2500,
                "currency": "usd",
                "customer": method.customer_id,
                "payment_method": method.payment_method_id,
                "confirm": True,
            }
        )
    lose_answers_of(monkeypatch, app, "charge", after_request=True)
    outcome = pay(card)
    monkeypatch.undo()
    make_legacy(app, outcome.attempt_id)
    report = app.reconcile()
    assert [(e["from"], e["to"]) for e in report.settled] == [("unknown", "succeeded")]
    payment = app.get_payment(
        outcome.attempt_id.replace("att_", "pay_", 1), nonprofit_id=card.nonprofit_id
    )
    intent = browser.v1.payment_intents.retrieve(str(payment.processor_reference))
    assert intent.metadata["attempt_id"] == outcome.attempt_id


def test_an_earlier_attempt_not_found_stays_unknown_and_goes_to_a_person(
    app: HoudiniPay, monkeypatch: pytest.MonkeyPatch, save_card: SaveCard, pay: Pay
) -> None:
    lose_answers_of(monkeypatch, app, "charge", after_request=False)
    outcome = pay(save_card())
    monkeypatch.undo()
    make_legacy(app, outcome.attempt_id)
    # No charge carries it, but an intent stopped before any charge cannot be ruled out.
    for _ in range(app.settings.reconcile_max_tries - 1):
        report = app.reconcile()
        assert report.settled == []
        assert [e["attempt_id"] for e in report.unchanged] == [outcome.attempt_id]
    report = app.reconcile()
    [entry] = report.unresolved
    assert entry["attempt_id"] == outcome.attempt_id
    assert "dashboard" in entry["reason"]
    assert count(app, PaymentAttempt, state="unknown") == 1
