"""The invoice payment type keeps every rule of the conformance suite."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from houdini_pay_invoices import LineInput, create_invoice, plugin
from houdini_pay_invoices.ledger import item_key

from houdini_pay import HoudiniPay, NonprofitRecord, SupporterRecord
from houdini_pay.testing import PaymentTypeConformance, PaymentTypeHarness, Purchase


class InvoiceHarness(PaymentTypeHarness):
    """An invoice of ``capacity`` cents paid a cent at a time.

    The invoice's payable item counts minor units, so a purchase of one cent holds one unit
    and its refund gives that unit back: any refund gives back what it returns.
    """

    symbol = "invoice"
    refund_gives_back = "any_refund"

    def plugins(self) -> Sequence[object]:
        return [plugin]

    def purchase(
        self,
        app: HoudiniPay,
        nonprofit: NonprofitRecord,
        *,
        capacity: int,
        supporter: SupporterRecord,
    ) -> Purchase:
        invoice = create_invoice(app, nonprofit.id, supporter.id, [LineInput("Dues", capacity)])
        return Purchase(
            type_object={"invoice_id": invoice["id"]}, amount=1, items={item_key(invoice["id"]): 1}
        )

    def invalid_type_object(
        self, app: HoudiniPay, nonprofit: NonprofitRecord
    ) -> Mapping[str, Any] | None:
        return {"invoice_id": "inv_missing"}


class TestInvoiceConformance(PaymentTypeConformance):
    @pytest.fixture
    def payment_type_harness(self) -> InvoiceHarness:
        return InvoiceHarness()
