"""A payment type whose limited item is made when first needed (``inventory.ensure_item`` in
``reserve_limited_items``, as docs/plugin-authors.md shows for memberships) passes the
conformance suite: an item a refused request never made stands at nothing issued, nothing
held."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
from houdini_pay.testing import PaymentTypeHarness, Purchase, TestPlugin, run_conformance
from houdini_pay.testing.conformance.trial import MakeApp


class Dues(PaymentType):
    """One membership per supporter and year, its item made on the first payment."""

    symbol = "dues"

    def validate(self, session: Session, context: PaymentContext) -> None:
        if not isinstance(context.request.type_object.get("year"), int):
            raise InvalidRequest("dues name a year", code="invalid_type_object")

    def reserve_limited_items(
        self, session: Session, context: PaymentContext
    ) -> Sequence[ItemRequest]:
        key = f"dues:{context.supporter.id}:{context.request.type_object['year']}"
        inventory.ensure_item(session, context.nonprofit.id, key, 1)
        return [ItemRequest(key, 1)]

    def process(self, session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
        """Nothing of its own to record."""


class DuesHarness(PaymentTypeHarness):
    symbol = "dues"

    def plugins(self) -> Sequence[object]:
        return [TestPlugin(payment_types=[Dues()])]

    def purchase(
        self,
        app: HoudiniPay,
        nonprofit: NonprofitRecord,
        *,
        capacity: int,
        supporter: SupporterRecord,
    ) -> Purchase:
        return Purchase(
            type_object={"year": 2026}, amount=3000, items={f"dues:{supporter.id}:2026": 1}
        )

    def invalid_type_object(
        self, app: HoudiniPay, nonprofit: NonprofitRecord
    ) -> Mapping[str, Any] | None:
        return {"year": "soon"}


def test_a_refused_request_leaves_an_item_made_on_first_use_unmade(
    houdini_make_app: MakeApp,
) -> None:
    report = run_conformance(DuesHarness(), houdini_make_app, only=["purchase", "invalid_requests"])
    assert set(report.passed) == {"purchase", "invalid_requests"}
