"""Hook implementations of the donation plugin."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import click

from houdini_pay import (
    AdminPage,
    DemoStep,
    HoudiniPay,
    NonprofitRecord,
    PaymentRecord,
    PaymentType,
    PublicPage,
    ReceiptLink,
    hookimpl,
)
from houdini_pay_donation import manage_links
from houdini_pay_donation.campaign_cli import campaigns
from houdini_pay_donation.campaign_gift import CampaignGiftPaymentType
from houdini_pay_donation.campaign_page import CampaignPage
from houdini_pay_donation.demo import DEMO_STEPS
from houdini_pay_donation.donation import DonationPaymentType
from houdini_pay_donation.page import DonationPage
from houdini_pay_donation.recurring import RecurringDonationPaymentType
from houdini_pay_donation.recurring_cli import recurring
from houdini_pay_donation.recurring_page import RecurringGiftsPage
from houdini_pay_donation.self_service import gift_of

__all__ = [
    "receipt_links",
    "register_admin_pages",
    "register_commands",
    "register_demo_steps",
    "register_migrations",
    "register_payment_types",
    "register_public_pages",
]


@hookimpl
def register_payment_types(app: HoudiniPay) -> Iterable[PaymentType]:
    """The ``donation``, ``recurring_donation`` and ``campaign_gift`` payment types."""
    return [DonationPaymentType(app), RecurringDonationPaymentType(), CampaignGiftPaymentType()]


@hookimpl
def register_commands(cli: click.Group) -> None:
    """``houdini-pay recurring ...`` and ``houdini-pay campaigns ...``."""
    cli.add_command(recurring)
    cli.add_command(campaigns)


@hookimpl
def register_migrations() -> str:
    """The donation plugin's Alembic branch."""
    return str(Path(__file__).parent / "migrations")


@hookimpl
def register_demo_steps() -> Iterable[DemoStep]:
    """A staff-recorded monthly gift through one recurring cycle."""
    return DEMO_STEPS


@hookimpl
def register_public_pages(app: HoudiniPay) -> Iterable[PublicPage]:
    """The donation page, ``/donate/{nonprofit}``, and campaign pages, ``/campaigns/{campaign}``."""
    return [DonationPage(app), CampaignPage(app)]


@hookimpl
def register_event_types() -> dict[str, str]:
    """The public types of the recurring schedules' outbox events."""
    return {
        "recurring_charge_failed": "recurring_donation.charge_failed",
        "recurring_donation_cancelled": "recurring_donation.cancelled",
    }


@hookimpl
def receipt_links(
    app: HoudiniPay, payment: PaymentRecord, nonprofit: NonprofitRecord
) -> list[ReceiptLink]:
    """A gift of a recurring donation (its first or a renewal): the link to manage it.

    Only when links are signed and the pages' public address is known (see
    :mod:`houdini_pay_donation.manage_links`).
    """
    if payment.payment_type != "recurring_donation":
        return []
    gift_id = gift_of(app, nonprofit.id, payment.id)
    if gift_id is None:
        return []
    url = manage_links.manage_url(app.settings.environ, nonprofit.id, gift_id, app.clock())
    return [ReceiptLink("Manage your recurring gift", url)] if url else []


@hookimpl
def register_admin_pages(app: HoudiniPay) -> Iterable[AdminPage]:
    """The dashboard's page of recurring gifts (pause, resume, cancel)."""
    return [RecurringGiftsPage(app)]
