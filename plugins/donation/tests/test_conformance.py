"""The donation payment types keep every rule of the conformance suite."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from houdini_pay_donation import plugin

from houdini_pay import HoudiniPay, NonprofitRecord
from houdini_pay.testing import PaymentTypeConformance, PaymentTypeHarness, Purchase


class DonationHarness(PaymentTypeHarness):
    """One-time gifts: nothing limited, nothing given back on refund."""

    symbol = "donation"

    def plugins(self) -> Sequence[object]:
        return [plugin]

    def purchase(self, app: HoudiniPay, nonprofit: NonprofitRecord, *, capacity: int) -> Purchase:
        return Purchase(type_object={"designation": "Children's books"}, amount=2500)

    def invalid_type_object(
        self, app: HoudiniPay, nonprofit: NonprofitRecord
    ) -> Mapping[str, Any] | None:
        return {"dedication": {"type": "birthday", "name": "Ada"}}


class TestDonationConformance(PaymentTypeConformance):
    @pytest.fixture
    def payment_type_harness(self) -> DonationHarness:
        return DonationHarness()
