"""Fixtures of the accounts plugin's tests: the installed plugins plus a fake card processor."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from houdini_pay_accounts.verification import verify

from houdini_pay import HoudiniPay, NonprofitRecord, PaymentOutcome, PaymentRequest, SupporterRecord
from houdini_pay.testing import FakeProcessor, FakeSourceType, TestPlugin


@pytest.fixture
def app(
    houdini_make_app: Callable[..., HoudiniPay], fake_processor: FakeProcessor
) -> Iterator[HoudiniPay]:
    """The installed plugins (accounts, donation, offsite, ...) and the fake card processor.

    Every test ends with the ledger verified.
    """
    app = houdini_make_app(
        TestPlugin(processors=[fake_processor], source_types=[FakeSourceType()]),
        entry_points=True,
    )
    yield app
    assert verify(app) == []


@pytest.fixture
def nonprofit(app: HoudiniPay) -> NonprofitRecord:
    """A nonprofit taking USD."""
    return app.create_nonprofit("Riverside Food Bank", "USD", country="US")


@pytest.fixture
def supporter(app: HoudiniPay, nonprofit: NonprofitRecord) -> SupporterRecord:
    """The supporter whose balance the tests use."""
    return app.create_supporter(nonprofit.id, "Ada Lovelace", email="ada@example.org")


@pytest.fixture
def other(app: HoudiniPay, nonprofit: NonprofitRecord) -> SupporterRecord:
    """A second supporter of the same nonprofit."""
    return app.create_supporter(nonprofit.id, "Grace Hopper", email="grace@example.org")


PayFunction = Callable[..., PaymentOutcome]


@pytest.fixture
def top_up(app: HoudiniPay) -> PayFunction:
    """Top ``supporter``'s balance up by ``amount`` with ``processor`` (the fake card)."""

    def run(supporter: SupporterRecord, amount: int, processor: str = "fake") -> PaymentOutcome:
        processing = {"method": "check"} if processor == "offsite" else {}
        return app.pay(
            PaymentRequest(
                nonprofit_id=supporter.nonprofit_id,
                supporter_id=supporter.id,
                amount=amount,
                currency="USD",
                processor=processor,
                payment_type="account_top_up",
                processing_object=processing,
            )
        )

    return run


@pytest.fixture
def pay_from_balance(app: HoudiniPay) -> PayFunction:
    """Give a donation of ``amount`` from ``supporter``'s balance."""

    def run(supporter: SupporterRecord, amount: int, **fields: Any) -> PaymentOutcome:
        return app.pay(
            PaymentRequest(
                nonprofit_id=supporter.nonprofit_id,
                supporter_id=supporter.id,
                amount=amount,
                currency="USD",
                processor="balance",
                payment_type="donation",
                **fields,
            )
        )

    return run
