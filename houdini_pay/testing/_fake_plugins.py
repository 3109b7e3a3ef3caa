"""Fake source type and payment types for tests, and a plugin object that registers fakes.

The payment types remember what they processed, released and refunded, so tests can assert
what the pipeline asked of them; either can be told to fail while finalizing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from sqlalchemy.orm import Session

from houdini_pay.contract._hookspecs import hookimpl
from houdini_pay.contract._payment_types import HeldItem, ItemRequest, PaymentContext, PaymentType
from houdini_pay.contract._processors import Processor
from houdini_pay.contract._source_types import NewSource, SourceRequest, SourceType
from houdini_pay.errors import InvalidRequest
from houdini_pay.store._records import PaymentRecord

__all__ = [
    "FakeGiftPaymentType",
    "FakeSourceType",
    "LimitedItemPaymentType",
    "TestPlugin",
]


class FakeSourceType(SourceType):
    """A card-like source: ``{"token": "tok_..."}`` becomes the reference."""

    symbol = "fake_card"
    processor = "fake"
    display_name = "Fake card"

    def create(self, request: SourceRequest) -> NewSource:
        """Accept a token starting with ``tok_``."""
        token = request.source_object.get("token")
        if not isinstance(token, str) or not token.startswith("tok_"):
            raise InvalidRequest(
                'the fake card object is {"token": "tok_..."}', code="invalid_source_object"
            )
        return NewSource(processor_reference=token, name=f"Fake card {token[-4:]}")


@dataclass
class FakeGiftPaymentType(PaymentType):
    """A gift with nothing limited: ``{"note": "..."}`` (any object is accepted).

    ``fail_in_process`` makes ``process`` raise, to test what happens when finalizing fails
    after the money moved.
    """

    symbol: ClassVar[str] = "gift"
    display_name = "Gift"
    fail_in_process: bool = False
    processed: list[str] = field(default_factory=list)
    refunded: list[str] = field(default_factory=list)

    def process(self, session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
        """Remember the payment, or fail if told to."""
        if self.fail_in_process:
            raise RuntimeError("the payment type failed while finalizing")
        self.processed.append(payment.id)

    def on_refund(self, session: Session, payment: PaymentRecord, refund: PaymentRecord) -> None:
        """Remember the refund."""
        self.refunded.append(refund.id)

    def describe(self, context: PaymentContext) -> str:
        """``Gift``."""
        return "Gift"


@dataclass
class LimitedItemPaymentType(PaymentType):
    """A payment for limited items: ``{"item": "gala-seat", "quantity": 2}``.

    The item must exist (``inventory.define_item``). ``fail_in_process`` makes ``process``
    raise, to test what happens when finalizing fails after the money moved.
    """

    symbol: ClassVar[str] = "limited"
    display_name = "Limited item"
    fail_in_process: bool = False
    processed: list[str] = field(default_factory=list)
    released: list[HeldItem] = field(default_factory=list)
    refunded: list[str] = field(default_factory=list)

    def validate(self, session: Session, context: PaymentContext) -> None:
        """Require an item name and a positive quantity."""
        obj = context.request.type_object
        if not isinstance(obj.get("item"), str):
            raise InvalidRequest("item is required", code="invalid_type_object")

    def reserve_limited_items(
        self, session: Session, context: PaymentContext
    ) -> Sequence[ItemRequest]:
        """Hold the requested quantity of the item."""
        obj = context.request.type_object
        return [ItemRequest(obj["item"], int(obj.get("quantity", 1)))]

    def process(self, session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
        """Remember the payment, or fail if told to."""
        if self.fail_in_process:
            raise RuntimeError("the payment type failed while finalizing")
        self.processed.append(payment.id)

    def release_limited_items(
        self, session: Session, context: PaymentContext, held: Sequence[HeldItem]
    ) -> None:
        """Remember what was released."""
        self.released.extend(held)

    def on_refund(self, session: Session, payment: PaymentRecord, refund: PaymentRecord) -> None:
        """Remember the refund."""
        self.refunded.append(refund.id)


@dataclass
class TestPlugin:
    """A plugin object registering the given fakes (register it on an app for one test)."""

    __test__ = False  # not a pytest test class

    processors: list[Processor] = field(default_factory=list)
    source_types: list[SourceType] = field(default_factory=list)
    payment_types: list[PaymentType] = field(default_factory=list)

    @hookimpl
    def register_processors(self) -> list[Processor]:
        """The fake processors."""
        return self.processors

    @hookimpl
    def register_source_types(self) -> list[SourceType]:
        """The fake source types."""
        return self.source_types

    @hookimpl
    def register_payment_types(self) -> list[PaymentType]:
        """The fake payment types."""
        return self.payment_types
