"""Campaigns: a goal, an end date, thank-you gift options, and the totals raised.

Gift options may be limited in number (fifty signed posters); each is a limited item of the
core's inventory (``campaign_gift_option:<id>``), held and issued by the same machinery as
ticket seats.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from houdini_pay import (
    ALL_NONPROFITS,
    AllNonprofits,
    HoudiniPay,
    inventory,
    load_tenant_row,
    new_id,
    text,
)
from houdini_pay.errors import InvalidRequest, NotFound
from houdini_pay.money import validate_amount
from houdini_pay.tables import payments
from houdini_pay_donation.models import Campaign, CampaignGift, CampaignGiftOption

__all__ = [
    "CampaignRecord",
    "GiftOptionRecord",
    "create_campaign",
    "create_gift_option",
    "get_campaign",
    "list_campaigns",
    "load_campaign",
    "load_gift_option",
    "option_key",
]

# Payments whose money was received; refunds are subtracted through amount_refunded.
_RECEIVED = ("succeeded", "partially_refunded", "refunded", "disputed")


def option_key(option_id: str) -> str:
    """The core inventory key counting a gift option."""
    return f"campaign_gift_option:{option_id}"


@dataclass(frozen=True, slots=True)
class GiftOptionRecord:
    """A gift option with its counts (``remaining`` None: unlimited)."""

    id: str
    campaign_id: str
    name: str
    min_amount: int
    limit: int | None
    fair_market_value: int
    given: int
    held: int
    remaining: int | None

    def to_dict(self) -> dict[str, Any]:
        """The option as JSON."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class CampaignRecord:
    """A campaign and what it has raised (net of refunds) from how many supporters."""

    id: str
    nonprofit_id: str
    name: str
    goal_amount: int
    currency: str
    end_date: dt.date | None
    raised: int = 0
    supporters: int = 0
    gifts: int = 0
    options: list[GiftOptionRecord] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The campaign as ``campaigns show --json`` prints it."""
        data = asdict(self)
        data["end_date"] = self.end_date.isoformat() if self.end_date else None
        data["options"] = [option.to_dict() for option in self.options]
        return data


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 200:
        raise InvalidRequest("name must be 1 to 200 characters", details={"field": "name"})
    return text.check_text(value.strip(), "name")


def load_campaign(
    session: Session, campaign_id: object, nonprofit_id: str | AllNonprofits
) -> Campaign:
    """The nonprofit's campaign, or ``NotFound`` (``campaign_not_found``).

    Raises:
        TypeError: ``nonprofit_id`` is None (``houdini_pay.ALL_NONPROFITS`` is every one).
    """
    return load_tenant_row(
        session, Campaign, campaign_id, nonprofit_id, not_found="campaign_not_found"
    )


def load_gift_option(session: Session, option_id: object, campaign: Campaign) -> CampaignGiftOption:
    """The campaign's gift option, or ``NotFound`` (``gift_option_not_found``)."""
    key = (campaign.nonprofit_id, option_id)
    row = session.get(CampaignGiftOption, key) if isinstance(option_id, str) else None
    if row is None or row.campaign_id != campaign.id:
        raise NotFound(f"gift option {option_id!r} not found", code="gift_option_not_found")
    return row


def create_campaign(
    app: HoudiniPay, nonprofit_id: str, name: str, goal_amount: int, *, end_date: dt.date | None
) -> CampaignRecord:
    """Create a campaign raising ``goal_amount`` minor units in the nonprofit's currency."""
    name = _name(name)
    validate_amount(goal_amount, field="goal")
    nonprofit = app.get_nonprofit(nonprofit_id)
    with app.unit_of_work() as uow:
        row = Campaign(
            id=new_id("cmp"),
            nonprofit_id=nonprofit.id,
            name=name,
            goal_amount=goal_amount,
            currency=nonprofit.currency,
            end_date=end_date,
        )
        uow.session.add(row)
        uow.session.flush()
        return _record(uow.session, row, app)


def create_gift_option(
    app: HoudiniPay,
    campaign_id: str,
    name: str,
    min_amount: int,
    *,
    limit: int | None,
    fair_market_value: int = 0,
) -> GiftOptionRecord:
    """Add a thank-you gift for gifts of at least ``min_amount``; ``limit`` None: unlimited."""
    name = _name(name)
    validate_amount(min_amount, field="amount")
    if limit is not None and (isinstance(limit, bool) or limit < 0):
        raise InvalidRequest(f"limit must be zero or more, not {limit!r}", code="invalid_limit")
    if not 0 <= fair_market_value <= min_amount:
        raise InvalidRequest(
            "fair market value must be between 0 and the option's amount",
            code="invalid_fair_market_value",
        )
    with app.unit_of_work() as uow:
        campaign = load_campaign(uow.session, campaign_id, ALL_NONPROFITS)
        row = CampaignGiftOption(
            id=new_id("cgo"),
            nonprofit_id=campaign.nonprofit_id,
            campaign_id=campaign.id,
            name=name,
            min_amount=min_amount,
            quantity_limit=limit,
            fair_market_value=fair_market_value,
        )
        uow.session.add(row)
        uow.session.flush()
        inventory.define_item(uow.session, campaign.nonprofit_id, option_key(row.id), limit)
        return _option_record(uow.session, row, app.clock())


def _option_record(session: Session, row: CampaignGiftOption, now: dt.datetime) -> GiftOptionRecord:
    counts = inventory.item_counts(session, row.nonprofit_id, option_key(row.id), now)
    return GiftOptionRecord(
        id=row.id,
        campaign_id=row.campaign_id,
        name=row.name,
        min_amount=row.min_amount,
        limit=row.quantity_limit,
        fair_market_value=row.fair_market_value,
        given=counts.issued,
        held=counts.held,
        remaining=counts.remaining,
    )


def _record(session: Session, row: Campaign, app: HoudiniPay) -> CampaignRecord:
    net = payments.c.amount - payments.c.amount_refunded
    received = (
        select(CampaignGift.supporter_id, net.label("net"))
        .join(
            payments,
            (payments.c.nonprofit_id == CampaignGift.nonprofit_id)
            & (payments.c.id == CampaignGift.payment_id),
        )
        .where(
            CampaignGift.nonprofit_id == row.nonprofit_id,
            CampaignGift.campaign_id == row.id,
            payments.c.status.in_(_RECEIVED),
        )
        .subquery()
    )
    raised, supporters, gifts = session.execute(
        select(
            func.coalesce(func.sum(received.c.net), 0),
            func.count(func.distinct(received.c.supporter_id)).filter(received.c.net > 0),
            func.count().filter(received.c.net > 0),
        )
    ).one()
    options = session.scalars(
        select(CampaignGiftOption)
        .where(
            CampaignGiftOption.nonprofit_id == row.nonprofit_id,
            CampaignGiftOption.campaign_id == row.id,
        )
        .order_by(CampaignGiftOption.id)
    )
    return CampaignRecord(
        id=row.id,
        nonprofit_id=row.nonprofit_id,
        name=row.name,
        goal_amount=row.goal_amount,
        currency=row.currency,
        end_date=row.end_date,
        raised=int(raised),
        supporters=int(supporters),
        gifts=int(gifts),
        options=[_option_record(session, option, app.clock()) for option in options],
    )


def get_campaign(app: HoudiniPay, campaign_id: str) -> CampaignRecord:
    """A campaign with its totals and gift options."""
    with app.session() as session:
        return _record(session, load_campaign(session, campaign_id, ALL_NONPROFITS), app)


def list_campaigns(app: HoudiniPay, nonprofit_id: str) -> list[CampaignRecord]:
    """A nonprofit's campaigns with their totals, oldest first."""
    app.get_nonprofit(nonprofit_id)
    with app.session() as session:
        rows = session.scalars(
            select(Campaign).where(Campaign.nonprofit_id == nonprofit_id).order_by(Campaign.id)
        )
        return [_record(session, row, app) for row in rows]
