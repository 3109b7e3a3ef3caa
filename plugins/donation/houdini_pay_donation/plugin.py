"""Hook implementations of the donation plugin."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import click

from houdini_pay import DemoStep, PaymentType, hookimpl
from houdini_pay_donation.demo import DEMO_STEPS
from houdini_pay_donation.donation import DonationPaymentType
from houdini_pay_donation.recurring import RecurringDonationPaymentType
from houdini_pay_donation.recurring_cli import recurring

__all__ = [
    "register_commands",
    "register_demo_steps",
    "register_migrations",
    "register_payment_types",
]


@hookimpl
def register_payment_types() -> Iterable[PaymentType]:
    """The ``donation`` and ``recurring_donation`` payment types."""
    return [DonationPaymentType(), RecurringDonationPaymentType()]


@hookimpl
def register_commands(cli: click.Group) -> None:
    """``houdini-pay recurring ...``."""
    cli.add_command(recurring)


@hookimpl
def register_migrations() -> str:
    """The donation plugin's Alembic branch."""
    return str(Path(__file__).parent / "migrations")


@hookimpl
def register_demo_steps() -> Iterable[DemoStep]:
    """A staff-recorded monthly gift through one recurring cycle."""
    return DEMO_STEPS
