"""The ``campaign_gift`` payment type: a donation toward a campaign, maybe with a thank-you gift.

Type object (the donation fields are allowed too)::

    {"campaign_id": "cmp_...", "gift_option_id": "cgo_...", "comment": "Go team!"}

The campaign must not have ended, and a gift choosing an option must be at least the
option's amount. A limited option is held while the payment runs, like a ticket seat; a full
refund gives the option back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from houdini_pay import (
    ErrorInfo,
    ItemRequest,
    PaymentContext,
    PaymentRecord,
    PaymentType,
    inventory,
    new_id,
)
from houdini_pay.errors import InvalidRequest
from houdini_pay_donation.campaigns import load_campaign, load_gift_option, option_key
from houdini_pay_donation.donation import parse_gift_fields, record_donation
from houdini_pay_donation.models import CampaignGift, CampaignGiftOption

__all__ = ["CampaignGiftPaymentType"]

_FIELDS = frozenset({"campaign_id", "gift_option_id"})


class CampaignGiftPaymentType(PaymentType):
    """A gift toward a campaign (see the module docstring)."""

    symbol = "campaign_gift"
    display_name = "Campaign gift"

    def validate(self, session: Session, context: PaymentContext) -> None:
        """Check the campaign, its end date, the option and the minimum amount."""
        obj = context.request.type_object
        parse_gift_fields(obj, extra=_FIELDS)
        campaign = load_campaign(session, obj.get("campaign_id"), context.nonprofit.id)
        if campaign.end_date is not None and context.now.date() > campaign.end_date:
            raise InvalidRequest(
                f"campaign {campaign.name!r} ended on {campaign.end_date}",
                code="campaign_ended",
            )
        if obj.get("gift_option_id") is None:
            return
        option = load_gift_option(session, obj["gift_option_id"], campaign)
        if context.request.amount < option.min_amount:
            raise InvalidRequest(
                f"{option.name!r} is given for gifts of {option.min_amount} minor units or more",
                code="amount_below_gift_option",
                details={"minimum": option.min_amount},
            )

    def reserve_limited_items(
        self, session: Session, context: PaymentContext
    ) -> Sequence[ItemRequest]:
        """Hold one of the chosen option (the core refuses with ``sold_out``)."""
        option_id = context.request.type_object.get("gift_option_id")
        return [ItemRequest(option_key(option_id), 1)] if option_id else []

    def hold_refused(
        self, session: Session, context: PaymentContext, item: ItemRequest, remaining: int
    ) -> ErrorInfo:
        """Name the thank-you gift that ran out."""
        option_id = item.item_key.removeprefix(option_key(""))
        name = session.get_one(CampaignGiftOption, (context.nonprofit.id, option_id)).name
        return ErrorInfo("sold_out", f"all the {name} thank-you gifts have been given")

    def process(self, session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
        """Record the donation and the campaign gift."""
        obj = context.request.type_object
        gift = parse_gift_fields(obj, extra=_FIELDS)
        campaign = load_campaign(session, obj["campaign_id"], payment.nonprofit_id)
        if gift.designation is None:
            gift = dataclasses.replace(gift, designation=campaign.name)
        record_donation(session, context, payment, gift)
        session.add(
            CampaignGift(
                id=new_id("cgf"),
                nonprofit_id=payment.nonprofit_id,
                campaign_id=campaign.id,
                gift_option_id=obj.get("gift_option_id"),
                payment_id=payment.id,
                supporter_id=context.supporter.id,
                option_returned=False,
                created_at=context.now,
            )
        )

    def on_refund(self, session: Session, payment: PaymentRecord, refund: PaymentRecord) -> None:
        """A full refund gives the thank-you gift back to the pool."""
        if payment.amount_refunded < payment.amount:
            return
        gift = session.scalars(
            select(CampaignGift).where(CampaignGift.payment_id == payment.id).with_for_update()
        ).one_or_none()
        if gift is None or gift.gift_option_id is None or gift.option_returned:
            return
        inventory.restock(session, payment.nonprofit_id, option_key(gift.gift_option_id), 1)
        gift.option_returned = True

    def fair_market_value(self, session: Session, payment: PaymentRecord) -> int:
        """The chosen option's declared value (zero without an option)."""
        value = session.scalar(
            select(CampaignGiftOption.fair_market_value)
            .join(CampaignGift, CampaignGift.gift_option_id == CampaignGiftOption.id)
            .where(CampaignGift.payment_id == payment.id)
        )
        return int(value or 0)

    def describe(self, context: PaymentContext) -> str:
        """``Campaign gift``."""
        return "Campaign gift"
