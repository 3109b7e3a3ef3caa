"""The tickets plugin's chapter of ``houdini-pay demo``: a gala with few seats."""

from __future__ import annotations

import json

from houdini_pay import Demo, DemoStep, PaymentRequest
from houdini_pay.errors import SoldOut
from houdini_pay_tickets import catalog

__all__ = ["DEMO_STEPS"]


def _show_levels(demo: Demo, event_id: str) -> None:
    demo.command("tickets", "levels", "list", "--event", event_id)
    for level in catalog.list_levels(demo.app, event_id):
        demo.say(
            f"{level.name}: limit {level.limit}, sold {level.sold}, held {level.held}, "
            f"remaining {level.remaining}"
        )


def ticket_sale(demo: Demo) -> None:
    """Two seats left, two bought at the door, a third buyer is told it is sold out."""
    app, nonprofit = demo.app, demo.nonprofit
    demo.command("tickets", "events", "create", "--nonprofit", nonprofit.id, "--name", "Gala")
    event = catalog.create_event(app, nonprofit.id, "Gala")
    demo.say(f"{event.id}  {event.name}")
    demo.command(
        "tickets", "levels", "create", "--event", event.id, "--name", "Dinner seat",
        "--amount", "15000", "--limit", "2", "--fair-market-value", "6000",
    )  # fmt: skip
    level = catalog.create_level(
        app, event.id, "Dinner seat", 15000, limit=2, fair_market_value=6000
    )
    type_object = {"ticket_level_id": level.id, "quantity": 2}
    demo.command(
        "pay", "--nonprofit", nonprofit.id, "--supporter", demo.supporter.id,
        "--amount", "30000", "--currency", nonprofit.currency, "--processor", "offsite",
        "--type", "ticket", "--type-object", json.dumps(type_object),
        "--processing-object", '{"method":"cash"}',
    )  # fmt: skip
    outcome = app.pay(
        PaymentRequest(
            nonprofit_id=nonprofit.id,
            supporter_id=demo.supporter.id,
            amount=30000,
            currency=nonprofit.currency,
            processor="offsite",
            payment_type="ticket",
            type_object=type_object,
            processing_object={"method": "cash"},
        )
    )
    demo.say(outcome.status.value)
    if outcome.payment:
        demo.show_payment(outcome.payment)
    _show_levels(demo, event.id)
    demo.say("A third seat cannot be sold; nothing is recorded or charged:")
    try:
        app.pay(
            PaymentRequest(
                nonprofit_id=nonprofit.id,
                supporter_id=demo.supporter.id,
                amount=15000,
                currency=nonprofit.currency,
                processor="offsite",
                payment_type="ticket",
                type_object={"ticket_level_id": level.id, "quantity": 1},
                processing_object={"method": "cash"},
            )
        )
    except SoldOut as error:
        demo.say(f"error: {error.code}: {error.message}")


DEMO_STEPS = [
    DemoStep(40, "Sell tickets with limited seats", ticket_sale, frozenset({"offsite", "ticket"}))
]
