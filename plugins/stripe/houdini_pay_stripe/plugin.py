"""Hook implementations of the Stripe plugin."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import click

from houdini_pay import AdminPage, HoudiniPay, PaymentForm, Processor, SourceType, hookimpl
from houdini_pay_stripe.admin_page import StripePage
from houdini_pay_stripe.api import StripeApi
from houdini_pay_stripe.commands import stripe_group
from houdini_pay_stripe.form import StripeForm
from houdini_pay_stripe.processor import StripeProcessor
from houdini_pay_stripe.source_type import StripePaymentMethodSourceType

__all__ = [
    "register_admin_pages",
    "register_commands",
    "register_migrations",
    "register_payment_forms",
    "register_processors",
    "register_source_types",
]


@hookimpl
def register_processors(app: HoudiniPay) -> Iterable[Processor]:
    """The ``stripe`` processor (reads its keys from the environment at first use)."""
    return [StripeProcessor(StripeApi(app.settings))]


@hookimpl
def register_source_types(app: HoudiniPay) -> Iterable[SourceType]:
    """The ``stripe_payment_method`` source type."""
    return [StripePaymentMethodSourceType(app, StripeApi(app.settings))]


@hookimpl
def register_commands(cli: click.Group) -> None:
    """``houdini-pay stripe connect | replay | balance``."""
    cli.add_command(stripe_group)


@hookimpl
def register_migrations() -> str:
    """The Stripe plugin's Alembic branch."""
    return str(Path(__file__).parent / "migrations")


@hookimpl
def register_payment_forms(app: HoudiniPay) -> Iterable[PaymentForm]:
    """The card form: Stripe.js, a SetupIntent, 3-D Secure in the page."""
    return [StripeForm(app, StripeApi(app.settings))]


@hookimpl
def register_admin_pages(app: HoudiniPay) -> Iterable[AdminPage]:
    """The dashboard's Stripe page: balance and payouts."""
    return [StripePage(app)]
