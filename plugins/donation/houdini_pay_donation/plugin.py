"""Hook implementations of the donation plugin."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from houdini_pay import PaymentType, hookimpl
from houdini_pay_donation.donation import DonationPaymentType

__all__ = ["register_migrations", "register_payment_types"]


@hookimpl
def register_payment_types() -> Iterable[PaymentType]:
    """The ``donation`` payment type."""
    return [DonationPaymentType()]


@hookimpl
def register_migrations() -> str:
    """The donation plugin's Alembic branch."""
    return str(Path(__file__).parent / "migrations")
