"""The donation, campaign gift and recurring donation payment types keep every rule of the
conformance suite."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from houdini_pay_donation import plugin
from houdini_pay_donation.campaigns import create_campaign, create_gift_option, option_key

from houdini_pay import HoudiniPay, NonprofitRecord, SupporterRecord
from houdini_pay.testing import PaymentTypeConformance, PaymentTypeHarness, Purchase


class DonationHarness(PaymentTypeHarness):
    """One-time gifts: nothing limited, nothing given back on refund."""

    symbol = "donation"

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
        return Purchase(type_object={"designation": "Children's books"}, amount=2500)

    def invalid_type_object(
        self, app: HoudiniPay, nonprofit: NonprofitRecord
    ) -> Mapping[str, Any] | None:
        return {"dedication": {"type": "birthday", "name": "Ada"}}


class CampaignGiftHarness(PaymentTypeHarness):
    """A gift toward a campaign with a limited thank-you gift; a full refund returns it."""

    symbol = "campaign_gift"
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
        campaign = create_campaign(app, nonprofit.id, "New roof", 1_000_000, end_date=None)
        option = create_gift_option(app, campaign.id, "Tote bag", 2500, limit=capacity)
        return Purchase(
            type_object={"campaign_id": campaign.id, "gift_option_id": option.id},
            amount=3000,
            items={option_key(option.id): 1},
        )

    def invalid_type_object(
        self, app: HoudiniPay, nonprofit: NonprofitRecord
    ) -> Mapping[str, Any] | None:
        return {"campaign_id": "cmp_missing"}


class RecurringDonationHarness(PaymentTypeHarness):
    """The first gift of a monthly schedule: nothing limited, nothing given back."""

    symbol = "recurring_donation"

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
        return Purchase(type_object={"interval": "month", "interval_count": 1}, amount=2000)

    def invalid_type_object(
        self, app: HoudiniPay, nonprofit: NonprofitRecord
    ) -> Mapping[str, Any] | None:
        return {"interval": "fortnight"}


class TestCampaignGiftConformance(PaymentTypeConformance):
    @pytest.fixture
    def payment_type_harness(self) -> CampaignGiftHarness:
        return CampaignGiftHarness()


class TestRecurringDonationConformance(PaymentTypeConformance):
    @pytest.fixture
    def payment_type_harness(self) -> RecurringDonationHarness:
        return RecurringDonationHarness()


class TestDonationConformance(PaymentTypeConformance):
    @pytest.fixture
    def payment_type_harness(self) -> DonationHarness:
        return DonationHarness()
