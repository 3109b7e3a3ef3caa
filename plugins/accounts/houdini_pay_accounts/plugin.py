"""Hook implementations of the accounts plugin."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import click
from fastapi import APIRouter

from houdini_pay import DemoStep, HoudiniPay, PaymentType, Processor, hookimpl
from houdini_pay_accounts.api import router
from houdini_pay_accounts.cli import accounts
from houdini_pay_accounts.demo import DEMO_STEPS
from houdini_pay_accounts.payment_type import TopUpPaymentType
from houdini_pay_accounts.processor import BalanceProcessor

__all__ = [
    "register_commands",
    "register_demo_steps",
    "register_migrations",
    "register_payment_types",
    "register_processors",
    "register_routes",
]


@hookimpl
def register_processors(app: HoudiniPay) -> Iterable[Processor]:
    """The ``balance`` processor."""
    return [BalanceProcessor(app)]


@hookimpl
def register_payment_types(app: HoudiniPay) -> Iterable[PaymentType]:
    """The ``account_top_up`` payment type."""
    return [TopUpPaymentType(app)]


@hookimpl
def register_migrations() -> str:
    """The accounts plugin's Alembic branch."""
    return str(Path(__file__).parent / "migrations")


@hookimpl
def register_commands(cli: click.Group) -> None:
    """``houdini-pay accounts ...``."""
    cli.add_command(accounts)


@hookimpl
def register_routes() -> Iterable[APIRouter]:
    """The account routes under ``/api/v1/nonprofits/{id}/supporters/{sid}/account``."""
    return [router]


@hookimpl
def register_demo_steps() -> Iterable[DemoStep]:
    """A top-up, a payment from the balance and a transfer, in the demo."""
    return DEMO_STEPS
