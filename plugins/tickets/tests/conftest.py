"""Fixtures of the tickets plugin's tests: the real plugins plus a fake card processor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from houdini_pay_tickets import LevelRecord, create_event, create_level

from houdini_pay import HoudiniPay, NonprofitRecord, PaymentOutcome, PaymentRequest, SupporterRecord
from houdini_pay.testing import FakeProcessor, FakeSourceType, TestPlugin


class Clock:
    """A clock tests move by hand (``app.clock``)."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move time forward."""
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    """The time the app sees."""
    return Clock()


@pytest.fixture
def app(
    houdini_make_app: Callable[..., HoudiniPay], fake_processor: FakeProcessor, clock: Clock
) -> HoudiniPay:
    """The installed plugins (tickets, offsite, ...) and the fake card processor."""
    app = houdini_make_app(
        TestPlugin(processors=[fake_processor], source_types=[FakeSourceType()]),
        entry_points=True,
    )
    app.clock = clock
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
