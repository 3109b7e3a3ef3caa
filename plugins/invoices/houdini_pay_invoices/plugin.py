"""Hook implementations of the invoices plugin."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import click
from fastapi import APIRouter

from houdini_pay import DemoStep, HoudiniPay, PaymentType, hookimpl
from houdini_pay_invoices.api import router
from houdini_pay_invoices.cli import credit_notes, invoices
from houdini_pay_invoices.demo import DEMO_STEPS
from houdini_pay_invoices.payment_type import InvoicePaymentType

__all__ = [
    "register_commands",
    "register_demo_steps",
    "register_migrations",
    "register_payment_types",
    "register_routes",
]


@hookimpl
def register_payment_types(app: HoudiniPay) -> Iterable[PaymentType]:
    """The ``invoice`` payment type."""
    return [InvoicePaymentType(app)]


@hookimpl
def register_commands(cli: click.Group) -> None:
    """``houdini-pay invoices ...`` and ``houdini-pay credit-notes ...``."""
    cli.add_command(invoices)
    cli.add_command(credit_notes)


@hookimpl
def register_routes() -> Iterable[APIRouter]:
    """Invoices, manual payments and credit notes under ``/api/v1/nonprofits/{id}``."""
    return [router]


@hookimpl
def register_migrations() -> str:
    """The invoices plugin's Alembic branch."""
    return str(Path(__file__).parent / "migrations")


@hookimpl
def register_demo_steps() -> Iterable[DemoStep]:
    """An invoice paid in two parts, in the demo."""
    return DEMO_STEPS
