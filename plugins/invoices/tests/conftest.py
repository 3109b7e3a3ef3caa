"""Fixtures of the invoices plugin's tests: the installed plugins plus a fake card processor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from houdini_pay_invoices import LineInput, create_invoice

from houdini_pay import HoudiniPay, NonprofitRecord, PaymentOutcome, PaymentRequest, SupporterRecord
from houdini_pay.testing import FakeProcessor, FakeSourceType, TestPlugin


@pytest.fixture
def app(houdini_make_app: Callable[..., HoudiniPay], fake_processor: FakeProcessor) -> HoudiniPay:
    """The installed plugins (invoices, offsite, ...) and the fake card processor."""
    return houdini_make_app(
        TestPlugin(processors=[fake_processor], source_types=[FakeSourceType()]),
        entry_points=True,
    )


@pytest.fixture
def nonprofit(app: HoudiniPay) -> NonprofitRecord:
    """A nonprofit taking USD."""
    return app.create_nonprofit("Riverside Food Bank", "USD", country="US")


@pytest.fixture
def supporter(app: HoudiniPay, nonprofit: NonprofitRecord) -> SupporterRecord:
    """The supporter billed."""
    return app.create_supporter(nonprofit.id, "Ada Lovelace", email="ada@example.org")


@pytest.fixture
def invoice(
    app: HoudiniPay, nonprofit: NonprofitRecord, supporter: SupporterRecord
) -> dict[str, Any]:
    """An open invoice of 100.00 in two lines."""
    return create_invoice(
        app,
        nonprofit.id,
        supporter.id,
        [LineInput("Conference pass", 8000), LineInput("Workshop", 1000, 2)],
    )


PayFunction = Callable[..., PaymentOutcome]


@pytest.fixture
def pay(app: HoudiniPay, nonprofit: NonprofitRecord, supporter: SupporterRecord) -> PayFunction:
    """Pay ``amount`` on an invoice with ``processor`` (the fake card by default)."""

    def run(
        invoice_id: str, amount: int, processor: str = "fake", **type_fields: Any
    ) -> PaymentOutcome:
        processing = {"method": "check"} if processor == "offsite" else {}
        return app.pay(
            PaymentRequest(
                nonprofit_id=nonprofit.id,
                supporter_id=supporter.id,
                amount=amount,
                currency="USD",
                processor=processor,
                payment_type="invoice",
                type_object={"invoice_id": invoice_id, **type_fields},
                processing_object=processing,
            )
        )

    return run
