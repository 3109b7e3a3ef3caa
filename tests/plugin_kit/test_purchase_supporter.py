"""A payment type harness is told who pays, so a purchase can be made out to them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from sqlalchemy.orm import Session

from houdini_pay import (
    HoudiniPay,
    NonprofitRecord,
    PaymentContext,
    PaymentRecord,
    PaymentType,
    SupporterRecord,
)
from houdini_pay.errors import InvalidRequest
from houdini_pay.testing import PaymentTypeHarness, Purchase, TestPlugin, run_conformance
from houdini_pay.testing.conformance.trial import MakeApp


class Membership(PaymentType):
    """A membership is made out to the supporter who pays for it, and to nobody else."""

    symbol = "membership"

    def validate(self, session: Session, context: PaymentContext) -> None:
        if context.request.type_object.get("member") != context.supporter.id:
            raise InvalidRequest("a membership is for the supporter who pays", code="not_member")

    def process(self, session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
        """Nothing of its own to record."""


class MembershipHarness(PaymentTypeHarness):
    symbol = "membership"

    def __init__(self) -> None:
        self.supporters: list[str] = []

    def plugins(self) -> Sequence[object]:
        return [TestPlugin(payment_types=[Membership()])]

    def purchase(
        self,
        app: HoudiniPay,
        nonprofit: NonprofitRecord,
        *,
        capacity: int,
        supporter: SupporterRecord,
    ) -> Purchase:
        self.supporters.append(supporter.id)
        assert supporter.nonprofit_id == nonprofit.id
        return Purchase(type_object={"member": supporter.id}, amount=4000)

    def invalid_type_object(
        self, app: HoudiniPay, nonprofit: NonprofitRecord
    ) -> Mapping[str, Any] | None:
        return {"member": "sup_someone_else"}


class OldMembershipHarness(MembershipHarness):
    """A harness written before ``purchase`` took the supporter."""

    def purchase(  # type: ignore[override]
        self, app: HoudiniPay, nonprofit: NonprofitRecord, *, capacity: int
    ) -> Purchase:
        return Purchase(type_object={}, amount=4000)


def test_the_harness_makes_each_purchase_out_to_the_paying_supporter(
    houdini_make_app: MakeApp,
) -> None:
    harness = MembershipHarness()
    report = run_conformance(harness, houdini_make_app)
    assert set(report.passed) == {
        "purchase",
        "invalid_requests",
        "sold_out",
        "failures_release",
        "refunds_react",
        "tenant_keys",
    }
    assert len(harness.supporters) == 5
    assert all(s.startswith("sup_") for s in harness.supporters)


def test_a_harness_without_the_supporter_still_runs_with_a_deprecation_warning(
    houdini_make_app: MakeApp,
) -> None:
    with (
        pytest.warns(DeprecationWarning, match=r"purchase\(\) should take a supporter"),
        pytest.raises(InvalidRequest, match="a membership is for the supporter who pays"),
    ):
        # Called the old way, its purchase names no member: the membership refuses it.
        run_conformance(OldMembershipHarness(), houdini_make_app, only=["purchase"])
