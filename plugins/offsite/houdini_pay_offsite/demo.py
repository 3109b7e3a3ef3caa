"""The offsite plugin's chapters of ``houdini-pay demo``."""

from __future__ import annotations

import json
from typing import Any

from houdini_pay import Demo, DemoStep, PaymentRequest

__all__ = ["DEMO_STEPS"]


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"))


def _pay(
    demo: Demo,
    amount: int,
    type_object: dict[str, Any],
    processing_object: dict[str, Any],
    key: str,
) -> Any:
    demo.command(
        "pay",
        "--nonprofit",
        demo.nonprofit.id,
        "--supporter",
        demo.supporter.id,
        "--amount",
        str(amount),
        "--currency",
        demo.nonprofit.currency,
        "--processor",
        "offsite",
        "--type",
        "donation",
        "--type-object",
        _json(type_object),
        "--processing-object",
        _json(processing_object),
        "--idempotency-key",
        key,
    )
    outcome = demo.app.pay(
        PaymentRequest(
            nonprofit_id=demo.nonprofit.id,
            supporter_id=demo.supporter.id,
            amount=amount,
            currency=demo.nonprofit.currency,
            processor="offsite",
            payment_type="donation",
            type_object=type_object,
            processing_object=processing_object,
            idempotency_key=key,
        )
    )
    demo.say(f"{outcome.status.value}" + (" (replayed)" if outcome.replayed else ""))
    if outcome.payment:
        demo.show_payment(outcome.payment)
    return outcome


def record_check(demo: Demo) -> None:
    """A check handed in at the front desk, recorded at once; retried safely."""
    outcome = _pay(
        demo,
        5000,
        {"designation": "Winter meals", "comment": "Keep it up!"},
        {"method": "check", "check_number": "1042"},
        "check-1042",
    )
    demo.state["check_payment"] = outcome.payment
    demo.say("Sending the same command again does not record it twice:")
    _pay(
        demo,
        5000,
        {"designation": "Winter meals", "comment": "Keep it up!"},
        {"method": "check", "check_number": "1042"},
        "check-1042",
    )


def bank_transfer(demo: Demo) -> None:
    """A bank transfer the supporter reports, pending until staff confirm it."""
    outcome = _pay(
        demo,
        12000,
        {"dedication": {"type": "memory", "name": "Grace Hopper"}},
        {"method": "bank_transfer", "reference": "TX-99812", "pending_approval": True},
        "transfer-99812",
    )
    assert outcome.payment is not None
    demo.command("payments", "approve", outcome.payment.id)
    approved = demo.app.approve_payment(
        outcome.payment.id, nonprofit_id=outcome.payment.nonprofit_id
    )
    demo.say(approved.status.value)
    if approved.payment:
        demo.show_payment(approved.payment)


def partial_refund(demo: Demo) -> None:
    """Part of the check is paid back; the ledger keeps both lines."""
    payment = demo.state.get("check_payment")
    if payment is None:
        demo.say("(no check payment to refund)")
        return
    demo.command("refund", payment.id, "--amount", "1500", "--reason", "duplicate pledge")
    outcome = demo.app.refund(
        payment.id, amount=1500, reason="duplicate pledge", nonprofit_id=payment.nonprofit_id
    )
    demo.say(outcome.status)
    if outcome.refund:
        demo.show_payment(outcome.refund)
    demo.show_payment(outcome.payment)


DEMO_STEPS = [
    DemoStep(
        10,
        "Record a check donation (offsite, recorded at once)",
        record_check,
        frozenset({"offsite", "donation"}),
    ),
    DemoStep(
        20,
        "A bank transfer pending approval, then approved",
        bank_transfer,
        frozenset({"offsite", "donation"}),
    ),
    DemoStep(30, "Refund part of a payment", partial_refund, frozenset({"offsite", "donation"})),
]
