"""The conformance suite passes on a correct processor."""

from __future__ import annotations

import pytest

from houdini_pay.testing import PaymentSandbox, ProcessorConformance
from tests.plugin_kit.bank import BankHarness, BankTransferProcessor


class TestBankTransferConformance(ProcessorConformance):
    @pytest.fixture
    def processor_harness(self, sandbox: PaymentSandbox) -> BankHarness:
        return BankHarness(sandbox, BankTransferProcessor)
