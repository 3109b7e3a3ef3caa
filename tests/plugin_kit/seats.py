"""A correct payment type selling seats of the core's inventory, and its harness."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from houdini_pay import (
    HoudiniPay,
    ItemRequest,
    NonprofitRecord,
    PaymentContext,
    PaymentRecord,
    PaymentType,
    SupporterRecord,
    inventory,
)
from houdini_pay.errors import InvalidRequest
from houdini_pay.testing import PaymentTypeHarness, Purchase, TestPlugin


@dataclass
class SeatsPaymentType(PaymentType):
    """Seats of a gala: ``{"item": "gala:1", "quantity": 2}``; a full refund frees them."""

    symbol = "seats"
    sold: dict[str, dict[str, int]] = field(default_factory=dict)

    def validate(self, session: Session, context: PaymentContext) -> None:
        """Require an item and a positive whole quantity."""
        obj = context.request.type_object
        quantity = obj.get("quantity")
        if not isinstance(obj.get("item"), str) or not isinstance(quantity, int) or quantity < 1:
            raise InvalidRequest(
                'seats are {"item": "...", "quantity": N}', code="invalid_type_object"
            )

    def reserve_limited_items(
        self, session: Session, context: PaymentContext
    ) -> Sequence[ItemRequest]:
        """Hold the seats."""
        obj = context.request.type_object
        return [ItemRequest(obj["item"], obj["quantity"])]

    def process(self, session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
        """Remember which seats the payment bought."""
        obj = context.request.type_object
        self.sold[payment.id] = {obj["item"]: obj["quantity"]}

    def items_of(self, payment: PaymentRecord) -> Mapping[str, int]:
        """The seats a payment bought."""
        return self.sold.get(payment.id, {})

    def on_refund(self, session: Session, payment: PaymentRecord, refund: PaymentRecord) -> None:
        """A full refund frees the seats; a partial one keeps them."""
        if payment.amount_refunded < payment.amount:
            return
        for key, quantity in self.items_of(payment).items():
            inventory.restock(session, payment.nonprofit_id, key, quantity)


class SeatsHarness(PaymentTypeHarness):
    """The conformance harness of a seats payment type (correct or broken)."""

    symbol = "seats"
    refund_gives_back = "full_refund"

    def __init__(self, payment_type: SeatsPaymentType) -> None:
        self.payment_type = payment_type

    def plugins(self) -> Sequence[object]:
        """The payment type, as a plugin."""
        return [TestPlugin(payment_types=[self.payment_type])]

    def purchase(
        self,
        app: HoudiniPay,
        nonprofit: NonprofitRecord,
        *,
        capacity: int,
        supporter: SupporterRecord,
    ) -> Purchase:
        """A gala with ``capacity`` seats; a purchase takes two at 40.00 each."""
        key = f"gala:{uuid.uuid4().hex[:12]}"
        with app.unit_of_work() as uow:
            inventory.define_item(uow.session, nonprofit.id, key, capacity)
        return Purchase(type_object={"item": key, "quantity": 2}, amount=8000, items={key: 2})

    def invalid_type_object(self, app: HoudiniPay, nonprofit: NonprofitRecord) -> dict[str, Any]:
        """A quantity that is not a number."""
        return {"item": "gala", "quantity": "two"}
