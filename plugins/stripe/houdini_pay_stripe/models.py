"""Tables of the Stripe plugin (on the shared metadata, migrated by its own branch).

``stripe_account`` columns hold the Connect account an object lives on, or ``""`` for the
platform's own account (an empty string rather than NULL, so it can be part of a unique key).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from houdini_pay import Base, tenant_foreign_key, utcnow

__all__ = ["PLATFORM", "StripeAccount", "StripeCustomer", "StripePaymentMethod"]

PLATFORM = ""
"""The ``stripe_account`` of objects on the platform's own Stripe account."""


class StripeAccount(Base):
    """A nonprofit's Stripe Connect account: its charges are made on it (direct charges).

    ``platform_fee_bps`` is the platform's fee in basis points of each charge (250 = 2.5%),
    taken as Stripe's ``application_fee_amount``.
    """

    __tablename__ = "stripe_accounts"

    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(255))
    platform_fee_bps: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StripeCustomer(Base):
    """The Stripe Customer of a supporter on one account, reused for every card they add."""

    __tablename__ = "stripe_customers"
    __table_args__ = (
        PrimaryKeyConstraint(
            "nonprofit_id", "supporter_id", "stripe_account", name="pk_stripe_customers"
        ),
        tenant_foreign_key("stripe_customers", "supporter_id", "supporters"),
    )

    supporter_id: Mapped[str] = mapped_column(String(40))
    stripe_account: Mapped[str] = mapped_column(String(255), default=PLATFORM)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), index=True)
    customer_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StripePaymentMethod(Base):
    """What a ``stripe_payment_method`` source is: a payment method on a customer.

    Display-safe card facts only (brand, last four digits, expiry); never a card number.
    """

    __tablename__ = "stripe_payment_methods"
    __table_args__ = (
        PrimaryKeyConstraint("nonprofit_id", "source_id", name="pk_stripe_payment_methods"),
        tenant_foreign_key("stripe_payment_methods", "source_id", "sources"),
    )

    source_id: Mapped[str] = mapped_column(String(40))
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), index=True)
    payment_method_id: Mapped[str] = mapped_column(String(255))
    customer_id: Mapped[str] = mapped_column(String(255))
    stripe_account: Mapped[str] = mapped_column(String(255), default=PLATFORM)
    brand: Mapped[str | None] = mapped_column(String(40))
    last4: Mapped[str | None] = mapped_column(String(4))
    exp_month: Mapped[int | None]
    exp_year: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
