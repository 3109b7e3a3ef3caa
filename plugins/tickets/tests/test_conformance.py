"""The ticket payment type keeps every rule of the conformance suite."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from houdini_pay_tickets import plugin
from houdini_pay_tickets.catalog import create_event, create_level, item_key

from houdini_pay import HoudiniPay, NonprofitRecord, SupporterRecord
from houdini_pay.testing import PaymentTypeConformance, PaymentTypeHarness, Purchase


class TicketHarness(PaymentTypeHarness):
    """Seats of a gala: a full refund frees them, a partial one keeps them."""

    symbol = "ticket"
    refund_gives_back = "full_refund"

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
        event = create_event(app, nonprofit.id, "Spring gala")
        level = create_level(app, event.id, "Dinner", 4000, limit=capacity)
        return Purchase(
            type_object={"ticket_level_id": level.id, "quantity": 2},
            amount=8000,
            items={item_key(level.id): 2},
        )

    def invalid_type_object(
        self, app: HoudiniPay, nonprofit: NonprofitRecord
    ) -> Mapping[str, Any] | None:
        return {"ticket_level_id": "tlv_missing", "quantity": 0}


class TestTicketConformance(PaymentTypeConformance):
    @pytest.fixture
    def payment_type_harness(self) -> TicketHarness:
        return TicketHarness()
