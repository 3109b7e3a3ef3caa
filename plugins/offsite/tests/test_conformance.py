"""The offsite processor keeps every rule of the conformance suite."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from houdini_pay_offsite import plugin

from houdini_pay import HoudiniPay, SupporterRecord
from houdini_pay.testing import PaymentFields, ProcessorConformance, ProcessorHarness


class OffsiteHarness(ProcessorHarness):
    """Checks and bank transfers recorded offsite; no provider, so nothing to reach."""

    symbol = "offsite"

    def plugins(self) -> Sequence[object]:
        return [plugin]

    def environ(self, *, unreachable: bool) -> Mapping[str, str] | None:
        # Offsite never calls the network (and moves no money): it cannot time out.
        return None if unreachable else {}

    def payment_fields(
        self, app: HoudiniPay, supporter: SupporterRecord, wanted: str
    ) -> PaymentFields | None:
        if wanted == "succeed":
            return PaymentFields(processing_object={"method": "check", "check_number": "1042"})
        if wanted == "wait":
            return PaymentFields(
                processing_object={
                    "method": "bank_transfer",
                    "reference": "TX-99812",
                    "pending_approval": True,
                }
            )
        return None  # a payment staff record cannot be declined


class TestOffsiteConformance(ProcessorConformance):
    @pytest.fixture
    def processor_harness(self) -> OffsiteHarness:
        return OffsiteHarness()
