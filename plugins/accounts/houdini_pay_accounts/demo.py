"""The accounts plugin's chapter of ``houdini-pay demo``: a top-up, a payment from the
balance and a transfer."""

from __future__ import annotations

from houdini_pay import Demo, DemoStep, PaymentRequest
from houdini_pay.money import format_amount
from houdini_pay_accounts import transfers
from houdini_pay_accounts.accounts import account_view

__all__ = ["DEMO_STEPS"]


def _balance(demo: Demo, supporter_id: str) -> str:
    with demo.app.session() as session:
        shown = account_view(session, demo.nonprofit.id, supporter_id)
    return format_amount(shown["balance"], shown["currency"])


def balance_in_use(demo: Demo) -> None:
    """Top up 50.00 by check, give 12.00 from the balance, pass 5.00 to another supporter."""
    app, nonprofit, supporter = demo.app, demo.nonprofit, demo.supporter
    demo.command(
        "accounts", "top-up", "--supporter", supporter.id, "--amount", "5000",
        "--processor", "offsite", "--processing-object", '{"method": "check"}',
    )  # fmt: skip
    transfers.top_up(
        app,
        nonprofit.id,
        supporter.id,
        5000,
        processor="offsite",
        processing_object={"method": "check"},
    )
    demo.say(f"balance {_balance(demo, supporter.id)}")
    demo.command(
        "pay", "--nonprofit", nonprofit.id, "--supporter", supporter.id, "--amount", "1200",
        "--currency", nonprofit.currency, "--processor", "balance", "--type", "donation",
    )  # fmt: skip
    outcome = app.pay(
        PaymentRequest(
            nonprofit_id=nonprofit.id,
            supporter_id=supporter.id,
            amount=1200,
            currency=nonprofit.currency,
            processor="balance",
            payment_type="donation",
        )
    )
    demo.say(f"{outcome.status.value}: balance {_balance(demo, supporter.id)}")
    friend = app.create_supporter(nonprofit.id, "Grace Hopper", email="grace@example.org")
    demo.command(
        "accounts", "transfer", "--from", supporter.id, "--to", friend.id, "--amount", "500",
        "--idempotency-key", "demo-lunch", "--note", "Lunch",
    )  # fmt: skip
    transfers.transfer(
        app,
        nonprofit.id,
        from_supporter=supporter.id,
        to_supporter=friend.id,
        amount=500,
        idempotency_key="demo-lunch",
        note="Lunch",
    )
    demo.say(
        f"balances: {supporter.name} {_balance(demo, supporter.id)}, "
        f"{friend.name} {_balance(demo, friend.id)}"
    )


DEMO_STEPS = [
    DemoStep(
        47,
        "A balance: topped up, spent and shared",
        balance_in_use,
        frozenset({"offsite", "balance", "account_top_up", "donation"}),
    )
]
