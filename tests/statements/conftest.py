"""Giving recorded through the real pipeline, for statement, receipt and export tests.

Payments go through ``app.pay`` with the installed offsite processor and donation payment
type; refunds through ``app.refund``. Two things are not in the core and its plugins yet and
are stood in for here, each named as such:

* ``GalaDinnerPaymentType``: a payment type declaring a fair-market value, as a ticket
  payment type does (the seat at the dinner is worth 40.00 in the nonprofit's currency).
* ``record_dispute_for_test``: writes the negative ``dispute`` payment row that the dispute
  machinery will write, straight into the table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from sqlalchemy.orm import Session

from houdini_pay import (
    HoudiniPay,
    NonprofitRecord,
    PaymentContext,
    PaymentRecord,
    PaymentRequest,
    PaymentType,
    SupporterRecord,
)
from houdini_pay.store._ids import new_id
from houdini_pay.store._models import Payment
from houdini_pay.testing import TestPlugin

GALA_SEAT_VALUE = 4000
"""What a gala dinner seat is worth, in minor units: not deductible."""


class GalaDinnerPaymentType(PaymentType):
    """Stands in for a ticket payment type: a dinner seat with a fair-market value."""

    symbol: ClassVar[str] = "gala_dinner"
    display_name = "Gala dinner"

    def process(self, session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
        """Nothing to record for the test."""

    def describe(self, context: PaymentContext) -> str:
        """``Gala dinner seat``."""
        return "Gala dinner seat"

    def fair_market_value(self, session: Session, payment: PaymentRecord) -> int:
        """The seat's value, never more than what was paid."""
        return min(GALA_SEAT_VALUE, payment.amount)


def at(year: int, month: int, day: int, hour: int = 12) -> dt.datetime:
    """A UTC moment."""
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


@dataclass
class Giving:
    """A nonprofit and the payments its supporters make, each at a chosen moment."""

    app: HoudiniPay
    nonprofit: NonprofitRecord

    def supporter(self, name: str = "Ada Lovelace", **address: str) -> SupporterRecord:
        """A new supporter, with a postal address when fields are given."""
        supporter = self.app.create_supporter(self.nonprofit.id, name, email="ada@example.org")
        if address:
            self.app.create_address(supporter.id, nonprofit_id=self.nonprofit.id, **address)
        return supporter

    def give(
        self,
        supporter: SupporterRecord,
        amount: int,
        when: dt.datetime,
        *,
        payment_type: str = "donation",
        type_object: dict[str, Any] | None = None,
        processing_object: dict[str, Any] | None = None,
        channel: str = "api",
    ) -> PaymentRecord:
        """A payment recorded through the pipeline (offsite: a check, unless told)."""
        self.app.clock = lambda: when
        outcome = self.app.pay(
            PaymentRequest(
                nonprofit_id=self.nonprofit.id,
                supporter_id=supporter.id,
                amount=amount,
                currency=self.nonprofit.currency,
                processor="offsite",
                payment_type=payment_type,
                type_object=type_object or {},
                processing_object=processing_object or {"method": "check"},
                channel=channel,
            )
        )
        assert outcome.payment is not None, outcome
        return outcome.payment

    def refund(self, payment: PaymentRecord, amount: int, when: dt.datetime) -> PaymentRecord:
        """A refund through ``app.refund``."""
        self.app.clock = lambda: when
        outcome = self.app.refund(
            payment.id, amount=amount, reason="duplicate pledge", nonprofit_id=payment.nonprofit_id
        )
        assert outcome.refund is not None, outcome
        return outcome.refund

    def record_dispute_for_test(
        self, payment: PaymentRecord, amount: int, when: dt.datetime
    ) -> str:
        """Writes a ``dispute`` row as the dispute machinery will (not in this code base yet)."""
        with self.app.unit_of_work() as uow:
            row = Payment(
                id=new_id("pay"),
                nonprofit_id=payment.nonprofit_id,
                supporter_id=payment.supporter_id,
                kind="dispute",
                status="succeeded",
                amount=-amount,
                currency=payment.currency,
                gross=-amount,
                fee=0,
                net=-amount,
                processor=payment.processor,
                payment_type=payment.payment_type,
                parent_id=payment.id,
                description="Chargeback: product not received",
                created_at=when,
                updated_at=when,
            )
            uow.session.add(row)
        return row.id


MakeGiving = Callable[..., Giving]


@pytest.fixture
def make_giving(houdini_make_app: Callable[..., HoudiniPay]) -> MakeGiving:
    """``make_giving(currency="USD", country="US")``: a nonprofit on the test's database."""
    app = houdini_make_app(TestPlugin(payment_types=[GalaDinnerPaymentType()]), entry_points=True)

    def make(currency: str = "USD", country: str | None = "US", name: str = "") -> Giving:
        nonprofit = app.create_nonprofit(
            name or "Riverside Food Bank",
            currency,
            country=country,
            address="12 Harbour Road, Riverside, CA 94000",
        )
        return Giving(app, nonprofit)

    return make


@pytest.fixture
def giving(make_giving: MakeGiving) -> Giving:
    """A USD nonprofit in the United States."""
    return make_giving()
