"""The ``balance`` processor keeps every rule of the conformance suite."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from houdini_pay_accounts import plugin
from houdini_pay_accounts.accounts import (
    TOP_UPS,
    nonprofit_currency,
    supporter_account,
    system_account,
)
from houdini_pay_accounts.ledger import TransferSpec, create_transfer

from houdini_pay import HoudiniPay, SupporterRecord, new_id
from houdini_pay.testing import PaymentFields, ProcessorConformance, ProcessorHarness


class BalanceHarness(ProcessorHarness):
    """Payments from a balance the harness credits first; no provider, so nothing to reach."""

    symbol = "balance"

    def plugins(self) -> Sequence[object]:
        return [plugin]

    def environ(self, *, unreachable: bool) -> Mapping[str, str] | None:
        # The balance is in the database: there is no provider to cut off.
        return None if unreachable else {}

    def payment_fields(
        self, app: HoudiniPay, supporter: SupporterRecord, wanted: str
    ) -> PaymentFields | None:
        if wanted != "succeed":
            return None  # refused before anything is written, never declined or waiting
        with app.unit_of_work() as uow:
            session, nonprofit_id = uow.session, supporter.nonprofit_id
            currency = nonprofit_currency(session, nonprofit_id)
            spec = TransferSpec(
                id=new_id("test_top_up"),
                debit_account_id=system_account(session, nonprofit_id, TOP_UPS, currency),
                credit_account_id=supporter_account(session, nonprofit_id, supporter.id, currency),
                amount=1_000_000,
                kind="top_up",
            )
            create_transfer(session, nonprofit_id, spec, app.clock())
        return PaymentFields(processing_object={})


class TestBalanceConformance(ProcessorConformance):
    @pytest.fixture
    def processor_harness(self) -> BalanceHarness:
        return BalanceHarness()
