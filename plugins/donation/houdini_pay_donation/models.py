"""Tables of the donation plugin (on the shared metadata, migrated by its own branch)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from houdini_pay import Base, tenant_foreign_key, tenant_primary_key, utcnow

__all__ = [
    "Campaign",
    "CampaignGift",
    "CampaignGiftOption",
    "Donation",
    "RecurringCharge",
    "RecurringDonation",
]


class Donation(Base):
    """A gift: what a donation payment was given for.

    A gift made by a recurring schedule names the schedule and its period; the unique pair
    means a period can never be recorded as given twice. ``fee_covered`` is what the donor
    added to ``amount`` to cover the processor's fee (``amount`` includes it), or ``None``.
    """

    __tablename__ = "donations"
    __table_args__ = (
        tenant_primary_key("donations"),
        tenant_foreign_key("donations", "supporter_id", "supporters"),
        tenant_foreign_key("donations", "payment_id", "payments"),
        tenant_foreign_key("donations", "recurring_donation_id", "recurring_donations"),
        UniqueConstraint("nonprofit_id", "payment_id", name="uq_donations_nonprofit_id_payment_id"),
        UniqueConstraint(
            "nonprofit_id",
            "recurring_donation_id",
            "period",
            name="uq_donations_nonprofit_id_recurring_donation_id_period",
        ),
    )

    id: Mapped[str] = mapped_column(String(40))
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), index=True)
    supporter_id: Mapped[str] = mapped_column(String(40), index=True)
    payment_id: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    designation: Mapped[str | None] = mapped_column(String(200))
    dedication: Mapped[dict[str, Any] | None]
    comment: Mapped[str | None] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(default=False)
    recurring_donation_id: Mapped[str | None] = mapped_column(String(40))
    period: Mapped[int | None]
    fee_covered: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RecurringDonation(Base):
    """A supporter's standing gift: amount, interval and where the schedule stands.

    ``next_period`` and ``next_charge_at`` (the date that period falls due) are stored and
    moved forward as periods are planned, never recomputed from the history of charges.
    ``collection`` is ``off_session`` (the processor charges the stored source) or
    ``staff_recorded`` (each period is recorded pending until staff confirm it arrived).
    """

    __tablename__ = "recurring_donations"
    __table_args__ = (
        tenant_primary_key("recurring_donations"),
        tenant_foreign_key("recurring_donations", "supporter_id", "supporters"),
        tenant_foreign_key("recurring_donations", "source_id", "sources"),
        tenant_foreign_key("recurring_donations", "first_payment_id", "payments"),
        Index("ix_recurring_donations_status_next_charge_at", "status", "next_charge_at"),
    )

    id: Mapped[str] = mapped_column(String(40))
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), index=True)
    supporter_id: Mapped[str] = mapped_column(String(40), index=True)
    source_id: Mapped[str | None] = mapped_column(String(40))
    processor: Mapped[str] = mapped_column(String(50))
    collection: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    interval: Mapped[str] = mapped_column(String(10))
    interval_count: Mapped[int]
    paydate: Mapped[int | None]
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    status_reason: Mapped[str | None] = mapped_column(Text)
    next_period: Mapped[int]
    next_charge_at: Mapped[dt.date] = mapped_column(Date)
    failure_count: Mapped[int] = mapped_column(default=0)
    gift: Mapped[dict[str, Any]]
    processing_object: Mapped[dict[str, Any]]
    first_payment_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RecurringCharge(Base):
    """One period of a schedule: created before it is charged, unique per period.

    Its ``idempotency_key`` (the row id, with a ``-retry<n>`` suffix for later tries) is the
    key of the payment that charges it, so no run, rerun or second worker can charge the
    period twice.
    """

    __tablename__ = "recurring_charges"
    __table_args__ = (
        tenant_primary_key("recurring_charges"),
        tenant_foreign_key("recurring_charges", "recurring_donation_id", "recurring_donations"),
        tenant_foreign_key("recurring_charges", "payment_id", "payments"),
        UniqueConstraint(
            "nonprofit_id",
            "recurring_donation_id",
            "period",
            name="uq_recurring_charges_nonprofit_id_recurring_donation_id_period",
        ),
        Index("ix_recurring_charges_status_next_try_on", "status", "next_try_on"),
        Index("ix_recurring_charges_nonprofit_id_due_on", "nonprofit_id", "due_on"),
    )

    id: Mapped[str] = mapped_column(String(40))
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"))
    recurring_donation_id: Mapped[str] = mapped_column(String(40))
    period: Mapped[int]
    due_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    tries: Mapped[int] = mapped_column(default=0)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    next_try_on: Mapped[dt.date | None] = mapped_column(Date)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[dt.datetime | None]
    payment_id: Mapped[str | None] = mapped_column(String(40))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Campaign(Base):
    """A fundraising campaign: a goal amount and an optional end date."""

    __tablename__ = "campaigns"
    __table_args__ = (tenant_primary_key("campaigns"),)

    id: Mapped[str] = mapped_column(String(40))
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    goal_amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CampaignGiftOption(Base):
    """A thank-you gift of a campaign (a tote bag for 50.00 or more), maybe limited."""

    __tablename__ = "campaign_gift_options"
    __table_args__ = (
        tenant_primary_key("campaign_gift_options"),
        tenant_foreign_key("campaign_gift_options", "campaign_id", "campaigns"),
    )

    id: Mapped[str] = mapped_column(String(40))
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), index=True)
    campaign_id: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(200))
    min_amount: Mapped[int]
    quantity_limit: Mapped[int | None]
    fair_market_value: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CampaignGift(Base):
    """A payment given toward a campaign, with the gift option chosen (if any)."""

    __tablename__ = "campaign_gifts"
    __table_args__ = (
        tenant_primary_key("campaign_gifts"),
        tenant_foreign_key("campaign_gifts", "campaign_id", "campaigns"),
        tenant_foreign_key("campaign_gifts", "gift_option_id", "campaign_gift_options"),
        tenant_foreign_key("campaign_gifts", "payment_id", "payments"),
        tenant_foreign_key("campaign_gifts", "supporter_id", "supporters"),
        UniqueConstraint(
            "nonprofit_id", "payment_id", name="uq_campaign_gifts_nonprofit_id_payment_id"
        ),
    )

    id: Mapped[str] = mapped_column(String(40))
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), index=True)
    campaign_id: Mapped[str] = mapped_column(String(40), index=True)
    gift_option_id: Mapped[str | None] = mapped_column(String(40))
    payment_id: Mapped[str] = mapped_column(String(40))
    supporter_id: Mapped[str] = mapped_column(String(40))
    option_returned: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
