"""The invoices plugin's chapter of ``houdini-pay demo``: an invoice paid in two parts."""

from __future__ import annotations

import json

from houdini_pay import Demo, DemoStep, PaymentRequest
from houdini_pay_invoices import ledger

__all__ = ["DEMO_STEPS"]


def invoice_in_two_parts(demo: Demo) -> None:
    """A membership invoice of 120.00, paid 50.00 by check and 70.00 in cash."""
    app, nonprofit, supporter = demo.app, demo.nonprofit, demo.supporter
    demo.command(
        "invoices", "create", "--nonprofit", nonprofit.id, "--supporter", supporter.id,
        "--line", "Annual membership:12000",
    )  # fmt: skip
    invoice = ledger.create_invoice(
        app, nonprofit.id, supporter.id, [ledger.LineInput("Annual membership", 12000)]
    )
    demo.say(f"{invoice['id']}  {invoice['number']}  due {invoice['amount_due']}")
    for amount, method in ((5000, "check"), (7000, "cash")):
        type_object = {"invoice_id": invoice["id"]}
        demo.command(
            "pay", "--nonprofit", nonprofit.id, "--supporter", supporter.id,
            "--amount", str(amount), "--currency", nonprofit.currency, "--processor", "offsite",
            "--type", "invoice", "--type-object", json.dumps(type_object),
            "--processing-object", json.dumps({"method": method}),
        )  # fmt: skip
        outcome = app.pay(
            PaymentRequest(
                nonprofit_id=nonprofit.id,
                supporter_id=supporter.id,
                amount=amount,
                currency=nonprofit.currency,
                processor="offsite",
                payment_type="invoice",
                type_object=type_object,
                processing_object={"method": method},
            )
        )
        shown = ledger.get_invoice(app, nonprofit.id, invoice["id"])
        demo.say(
            f"{outcome.status.value}: {shown['status']}, paid {shown['amount_paid']}, "
            f"due {shown['amount_due']}"
        )


DEMO_STEPS = [
    DemoStep(
        45, "An invoice paid in two parts", invoice_in_two_parts, frozenset({"offsite", "invoice"})
    )
]
