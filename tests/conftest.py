"""Fixtures of the core's tests: an application with fake plugins on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from houdini_pay import HoudiniPay, NonprofitRecord, PaymentOutcome, PaymentRequest, SupporterRecord
from houdini_pay.testing import (
    FakeGiftPaymentType,
    FakeProcessor,
    FakeSourceType,
    LimitedItemPaymentType,
    TestPlugin,
)


@pytest.fixture
def gift() -> FakeGiftPaymentType:
    """The ``gift`` payment type (nothing limited)."""
    return FakeGiftPaymentType()


@pytest.fixture
def limited() -> LimitedItemPaymentType:
    """The ``limited`` payment type (holds items)."""
    return LimitedItemPaymentType()


@pytest.fixture
def plugin(
    fake_processor: FakeProcessor, gift: FakeGiftPaymentType, limited: LimitedItemPaymentType
) -> TestPlugin:
    """The fakes, as one plugin."""
    return TestPlugin(
        processors=[fake_processor], source_types=[FakeSourceType()], payment_types=[gift, limited]
    )


@pytest.fixture
def app(houdini_make_app: Callable[..., HoudiniPay], plugin: TestPlugin) -> HoudiniPay:
    """An application with only the fake plugins (the core knows no real plugin)."""
    return houdini_make_app(plugin)


@pytest.fixture
def nonprofit(app: HoudiniPay) -> NonprofitRecord:
    """A nonprofit taking USD."""
    return app.create_nonprofit("Riverside Food Bank", "USD", country="US")


@pytest.fixture
def supporter(app: HoudiniPay, nonprofit: NonprofitRecord) -> SupporterRecord:
    """A supporter of that nonprofit."""
    return app.create_supporter(nonprofit.id, "Ada Lovelace", email="ada@example.org")


PayFunction = Callable[..., PaymentOutcome]


@pytest.fixture
def pay(app: HoudiniPay, nonprofit: NonprofitRecord, supporter: SupporterRecord) -> PayFunction:
    """Pay 2500 USD as a gift through the fake processor; keywords override the request."""

    def run(**overrides: Any) -> PaymentOutcome:
        fields: dict[str, Any] = {
            "nonprofit_id": nonprofit.id,
            "supporter_id": supporter.id,
            "amount": 2500,
            "currency": "USD",
            "processor": "fake",
            "payment_type": "gift",
        }
        fields.update(overrides)
        return app.pay(PaymentRequest(**fields))

    return run
