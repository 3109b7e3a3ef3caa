"""Stripe disputes: charge.dispute.* events become dispute payments with the real fee.

localstripe has no disputes: these events are Stripe's recorded Dispute shape (with its
balance transactions) around a charge made on localstripe, signed with the real scheme and
delivered to the webhook endpoint.
"""

from __future__ import annotations

from typing import Any

import pytest
from houdini_pay_stripe.testing import (
    WebhookReceiver,
    recorded_balance_transaction,
    recorded_dispute,
    signed_webhook,
    stripe_event,
)

from houdini_pay import HoudiniPay, PaymentRecord
from houdini_pay.store._models import Dispute, Payment
from plugins.stripe.tests.conftest import WEBHOOK_SECRET, Pay, SaveCard, count, recording_signals


@pytest.fixture
def paid(save_card: SaveCard, pay: Pay) -> PaymentRecord:
    """A 2500 USD donation charged on localstripe."""
    outcome = pay(save_card())
    assert outcome.payment is not None
    return outcome.payment


def dispute_of(paid: PaymentRecord, status: str, *moves: str) -> dict[str, Any]:
    """Stripe's Dispute of ``paid`` in ``status``, with the balance movements named."""
    transactions = {
        "withdrawn": recorded_balance_transaction(
            "txn_withdrawn",
            amount=-2500,
            fee=1500,
            source="du_1",
            description=f"Chargeback withdrawal for {paid.details['charge']}",
        ),
        "reinstated": recorded_balance_transaction(
            "txn_reinstated",
            amount=2500,
            fee=0,
            source="du_1",
            description=f"Chargeback reversal for {paid.details['charge']}",
        ),
    }
    return recorded_dispute(
        "du_1",
        charge=paid.details["charge"],
        payment_intent=paid.processor_reference,
        amount=2500,
        status=status,
        balance_transactions=[transactions[m] for m in moves],
    )


def deliver(webhooks: WebhookReceiver, event_type: str, dispute: dict[str, Any]) -> str:
    """Deliver one signed event; return what was done with it."""
    status, answer = webhooks.post(
        *signed_webhook(stripe_event(event_type, dispute), WEBHOOK_SECRET)
    )
    assert status == 200, answer
    return str(answer["events"][0]["result"])


def dispute_rows(app: HoudiniPay, paid: PaymentRecord) -> list[tuple[str, int, int, int]]:
    """(kind, amount, fee, net) of the payments the dispute recorded."""
    with app.session() as session:
        rows = session.query(Payment).filter(Payment.parent_id == paid.id).order_by(Payment.amount)
        return [(r.kind, r.amount, r.fee, r.net) for r in rows]


def test_a_won_dispute_withdraws_then_reinstates_with_the_dispute_fee(
    app: HoudiniPay, webhooks: WebhookReceiver, paid: PaymentRecord
) -> None:
    with recording_signals() as sent:
        assert deliver(webhooks, "charge.dispute.created", dispute_of(paid, "needs_response")) == (
            "applied"
        )
        assert app.get_payment(paid.id, nonprofit_id=paid.nonprofit_id).status == "disputed"
        deliver(
            webhooks,
            "charge.dispute.funds_withdrawn",
            dispute_of(paid, "needs_response", "withdrawn"),
        )
        deliver(
            webhooks,
            "charge.dispute.funds_reinstated",
            dispute_of(paid, "won", "withdrawn", "reinstated"),
        )
        deliver(
            webhooks, "charge.dispute.closed", dispute_of(paid, "won", "withdrawn", "reinstated")
        )
    assert [name for name, _ in sent] == [
        "dispute_opened",
        "dispute_funds_withdrawn",
        "dispute_funds_reinstated",
        "dispute_closed",
    ]
    assert dispute_rows(app, paid) == [
        ("dispute", -2500, 1500, -4000),
        ("dispute_reversal", 2500, 0, 2500),
    ]
    assert app.get_payment(paid.id, nonprofit_id=paid.nonprofit_id).status == "succeeded"
    assert count(app, Dispute, status="won", processor_reference="du_1") == 1


def test_a_lost_dispute_delivered_out_of_order_ends_the_same(
    app: HoudiniPay, webhooks: WebhookReceiver, paid: PaymentRecord
) -> None:
    deliver(webhooks, "charge.dispute.closed", dispute_of(paid, "lost", "withdrawn"))
    deliver(
        webhooks, "charge.dispute.funds_withdrawn", dispute_of(paid, "needs_response", "withdrawn")
    )
    deliver(webhooks, "charge.dispute.created", dispute_of(paid, "needs_response"))
    assert dispute_rows(app, paid) == [("dispute", -2500, 1500, -4000)]
    assert app.get_payment(paid.id, nonprofit_id=paid.nonprofit_id).status == "disputed"
    assert count(app, Dispute, status="lost") == 1


def test_a_dispute_without_payment_intent_is_matched_through_its_charge(
    app: HoudiniPay, webhooks: WebhookReceiver, paid: PaymentRecord
) -> None:
    dispute = dict(dispute_of(paid, "warning_needs_response"), payment_intent=None)
    assert deliver(webhooks, "charge.dispute.created", dispute) == "applied"
    assert app.get_payment(paid.id, nonprofit_id=paid.nonprofit_id).status == "disputed"


def test_a_dispute_of_a_charge_houdini_pay_did_not_make_is_ignored(
    app: HoudiniPay, webhooks: WebhookReceiver, paid: PaymentRecord
) -> None:
    dispute = dict(dispute_of(paid, "needs_response"), payment_intent="pi_elsewhere")
    assert deliver(webhooks, "charge.dispute.created", dispute) == "ignored"
    assert count(app, Dispute) == 0
