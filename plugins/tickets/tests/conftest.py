"""Fixtures of the tickets plugin's tests: the real plugins plus a fake card processor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from houdini_pay_tickets import LevelRecord, create_event, create_level

from houdini_pay import HoudiniPay, NonprofitRecord, PaymentOutcome, PaymentRequest, SupporterRecord
from houdini_pay.testing import FakeProcessor, FakeSourceType, ManualClock, TestPlugin


@pytest.fixture
def app(
    houdini_make_app: Callable[..., HoudiniPay],
    fake_processor: FakeProcessor,
    houdini_clock: ManualClock,
) -> HoudiniPay:
    """The installed plugins (tickets, offsite, ...), the fake card processor, the kit's clock."""
    app = houdini_make_app(
        TestPlugin(processors=[fake_processor], source_types=[FakeSourceType()]),
        entry_points=True,
    )
    app.clock = houdini_clock
    return app


@pytest.fixture
def nonprofit(app: HoudiniPay) -> NonprofitRecord:
    """A nonprofit taking USD."""
    return app.create_nonprofit("Riverside Food Bank", "USD", country="US")


@pytest.fixture
def supporter(app: HoudiniPay, nonprofit: NonprofitRecord) -> SupporterRecord:
    """A buyer."""
    return app.create_supporter(nonprofit.id, "Ada Lovelace", email="ada@example.org")


@pytest.fixture
def level(app: HoudiniPay, nonprofit: NonprofitRecord) -> LevelRecord:
    """A level of 10 seats at 50.00, worth 20.00 to the buyer."""
    event = create_event(app, nonprofit.id, "Gala")
    return create_level(app, event.id, "Dinner", 5000, limit=10, fair_market_value=2000)


BuyFunction = Callable[..., PaymentOutcome]


@pytest.fixture
def buy(
    app: HoudiniPay, nonprofit: NonprofitRecord, supporter: SupporterRecord, level: LevelRecord
) -> BuyFunction:
    """Buy ``quantity`` seats of ``level`` with the fake card; keywords override the request."""

    def run(quantity: int = 1, **overrides: Any) -> PaymentOutcome:
        fields: dict[str, Any] = {
            "nonprofit_id": nonprofit.id,
            "supporter_id": supporter.id,
            "amount": level.amount * quantity,
            "currency": "USD",
            "processor": "fake",
            "payment_type": "ticket",
            "type_object": {"ticket_level_id": level.id, "quantity": quantity},
        }
        fields.update(overrides)
        return app.pay(PaymentRequest(**fields))

    return run
