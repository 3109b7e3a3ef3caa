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

from houdini_pay import ALL_NONPROFITS, HoudiniPay, OutcomeStatus
from houdini_pay.models import Payment, PaymentAttempt
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
        attempt = session.get_one(PaymentAttempt, outcome.attempt_id)
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
