"""Hook implementations of the tickets plugin."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import click

from houdini_pay import AdminPage, DemoStep, HoudiniPay, PaymentType, PublicPage, hookimpl
from houdini_pay_tickets.admin_page import TicketSalesPage
from houdini_pay_tickets.cli import tickets
from houdini_pay_tickets.demo import DEMO_STEPS
from houdini_pay_tickets.page import EventPage
from houdini_pay_tickets.payment_type import TicketPaymentType

__all__ = [
    "register_admin_pages",
    "register_commands",
    "register_demo_steps",
    "register_migrations",
    "register_payment_types",
    "register_public_pages",
]


@hookimpl
def register_payment_types() -> Iterable[PaymentType]:
    """The ``ticket`` payment type."""
    return [TicketPaymentType()]


@hookimpl
def register_commands(cli: click.Group) -> None:
    """``houdini-pay tickets ...``."""
    cli.add_command(tickets)


@hookimpl
def register_migrations() -> str:
    """The tickets plugin's Alembic branch."""
    return str(Path(__file__).parent / "migrations")


@hookimpl
def register_demo_steps() -> Iterable[DemoStep]:
    """A ticket sale that sells out, in the demo."""
    return DEMO_STEPS


@hookimpl
def register_public_pages(app: HoudiniPay) -> Iterable[PublicPage]:
    """The event page, ``/events/{event}``."""
    return [EventPage(app)]


@hookimpl
def register_admin_pages(app: HoudiniPay) -> Iterable[AdminPage]:
    """The dashboard's page of events and ticket sales."""
    return [TicketSalesPage(app)]
